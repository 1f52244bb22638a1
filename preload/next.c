/* next.c - the one way to reach the real function behind a hook: dlsym(RTLD_NEXT) (or dlvsym for
 * one symbol version, or a library loaded RTLD_LOCAL) inside our own bracket, behind HP_NEXT's
 * per-function cache (internal.h). */
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

void *hp_next_lookup(const char *name, const char *version)
{
	struct hp_own own = hp_own_begin();
	void *p = version ? dlvsym(RTLD_NEXT, name, version) : dlsym(RTLD_NEXT, name);
	if (!p)
		hp_debug("no next definition of %s%s%s", name, version ? "@" : "",
			 version ? version : "");
	hp_own_end(own);
	return p;
}

/* `name` in `lib` if that is loaded (maybe RTLD_LOCAL, out of RTLD_NEXT's sight), else NULL. */
static void *lookup_in(const char *lib, const char *name)
{
	struct hp_own own = hp_own_begin();
	void *h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD);
	void *p = h ? dlsym(h, name) : NULL;
	hp_own_end(own);
	return p;
}

void *hp_next_resolve(void **cache, const char *name, const char *version, const char *lib)
{
	void *p = hp_next_lookup(name, version);
	if (!p && lib)
		p = lookup_in(lib, name);
	if (HP_UNLIKELY(!p)) {
		char buf[160];
		int n = hp_snprintf(buf, sizeof(buf),
				    "hotpath: cannot find the real %s; aborting\n", name);
		/* The system call itself: write() is a hook, maybe the one being resolved. */
		syscall(SYS_write, 2, buf, (size_t)n);
		abort();
	}
	__atomic_store_n(cache, p, __ATOMIC_RELAXED);
	return p;
}
