/* alloc_counter.c - an independent allocation counter for tests/test_alloc.py, built as a
 * shared library and preloaded AFTER libhotpath.so: it counts the successful calls of the
 * malloc family that reach it and, at exit, writes "allocs frees" to $ALLOC_COUNTER_OUT.<pid>.
 * Its own bootstrap (dlsym's calloc) comes from a static buffer and is not counted. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *(*r_malloc)(size_t), *(*r_calloc)(size_t, size_t), *(*r_realloc)(void *, size_t);
static void (*r_free)(void *);
static int (*r_posix_memalign)(void **, size_t, size_t);
static void *(*r_aligned_alloc)(size_t, size_t), *(*r_memalign)(size_t, size_t);
static void *(*r_valloc)(size_t), *(*r_pvalloc)(size_t);
static unsigned long allocs, frees;
static char boot[8192];
static size_t boot_used;
static int resolving;

static void resolve(void)
{
	if (r_malloc || resolving)
		return;
	resolving = 1;
	r_calloc = dlsym(RTLD_NEXT, "calloc");
	r_realloc = dlsym(RTLD_NEXT, "realloc");
	r_free = dlsym(RTLD_NEXT, "free");
	r_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
	r_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
	r_memalign = dlsym(RTLD_NEXT, "memalign");
	r_valloc = dlsym(RTLD_NEXT, "valloc");
	r_pvalloc = dlsym(RTLD_NEXT, "pvalloc");
	r_malloc = dlsym(RTLD_NEXT, "malloc");
	resolving = 0;
}

static void *boot_alloc(size_t n)
{
	void *p = boot + boot_used;
	boot_used += (n + 15) & ~(size_t)15;
	return boot_used <= sizeof(boot) ? p : NULL;
}

static int in_boot(void *p)
{
	return (char *)p >= boot && (char *)p < boot + sizeof(boot);
}

#define COUNT(p) ((p) ? __atomic_fetch_add(&allocs, 1, __ATOMIC_RELAXED) : 0)

void *malloc(size_t n)
{
	resolve();
	if (!r_malloc)
		return boot_alloc(n);
	void *p = r_malloc(n);
	COUNT(p);
	return p;
}

void *calloc(size_t a, size_t b)
{
	resolve();
	if (!r_calloc)
		return boot_alloc(a * b);
	void *p = r_calloc(a, b);
	COUNT(p);
	return p;
}

void *realloc(void *old, size_t n)
{
	resolve();
	if (old && n == 0 && !in_boot(old))
		__atomic_fetch_add(&frees, 1, __ATOMIC_RELAXED);
	void *p = r_realloc(old, n);
	if (p && old)
		__atomic_fetch_add(&frees, 1, __ATOMIC_RELAXED);
	COUNT(p);
	return p;
}

void free(void *p)
{
	if (!p || in_boot(p))
		return;
	resolve();
	__atomic_fetch_add(&frees, 1, __ATOMIC_RELAXED);
	r_free(p);
}

int posix_memalign(void **out, size_t a, size_t n)
{
	resolve();
	int r = r_posix_memalign(out, a, n);
	if (!r)
		COUNT(*out);
	return r;
}

void *aligned_alloc(size_t a, size_t n)
{
	resolve();
	void *p = r_aligned_alloc(a, n);
	COUNT(p);
	return p;
}

void *memalign(size_t a, size_t n)
{
	resolve();
	void *p = r_memalign(a, n);
	COUNT(p);
	return p;
}

void *valloc(size_t n)
{
	resolve();
	void *p = r_valloc(n);
	COUNT(p);
	return p;
}

void *pvalloc(size_t n)
{
	resolve();
	void *p = r_pvalloc(n);
	COUNT(p);
	return p;
}

/* Last destructor to run is the first one registered... write as late as we can. */
__attribute__((destructor(101))) static void report(void)
{
	const char *out = getenv("ALLOC_COUNTER_OUT");
	if (!out)
		return;
	char buf[64], path[4096];
	int n = snprintf(buf, sizeof(buf), "%lu %lu\n", allocs, frees);
	snprintf(path, sizeof(path), "%s.%d", out, (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		if (write(fd, buf, (size_t)n) < 0)
			n = 0;
		close(fd);
	}
}
