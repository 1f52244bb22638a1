/* init.c - start-up and the process's life: the constructor, the __libc_start_main wrapper
 * that times main and learns its exit status, exit/_exit, fork (a new region for the child),
 * exec (LD_PRELOAD and HOTPATH_* kept, the old image marked), thread start and end. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "sample.h"

struct hp_global hp_g;

typedef int (*main_fn)(int, char **, char **);

static main_fn real_main;
static int exit_recorded;
static void snapshot_carried(void);

typedef int (*exec_fn)(const char *, char *const[], char *const[]);
typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			const posix_spawnattr_t *, char *const[], char *const[]);
HP_NEXT_DECL(int, __libc_start_main,
	     (main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *));
HP_NEXT_DECL(void, exit, (int));
HP_NEXT_DECL(void, _exit, (int));
HP_NEXT_DECL(int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *));
HP_NEXT_DECL(void, pthread_exit, (void *));
HP_NEXT_DECL(int, execve, (const char *, char *const[], char *const[]));
HP_NEXT_DECL(int, execvpe, (const char *, char *const[], char *const[]));
HP_NEXT_DECL(int, posix_spawn,
	     (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
	      char *const[], char *const[]));
HP_NEXT_DECL(int, posix_spawnp,
	     (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
	      char *const[], char *const[]));
HP_NEXT_DECL(void *, dlopen, (const char *, int));
HP_NEXT_DECL(int, dlclose, (void *));

/* Default 256 MiB, a ceiling: the file is sparse and its pages are reserved as tables fill, so
 * the unused part costs nothing (docs/region.md "How a region grows"). 100,000 functions take
 * 70 MB of it. */
#define HP_REGION_DEFAULT (256ull << 20)
/* 1 Mi nodes of 32 bytes: 32 MiB of the ceiling (an eighth of it), reserved as claimed. */
#define HP_TREE_NODES_DEFAULT (1u << 20)

/* HOTPATH_LOCK_HOLD: which lock holds are timed (hp_region_header.lock_hold_every). "all":
 * every one; N: one in N; true or unset: HP_LOCK_HOLD_DEFAULT; false (0, no, off): none. */
static uint32_t lock_hold_every(void)
{
	const char *v = hp_getenv("HOTPATH_LOCK_HOLD");
	if (v && !hp_strcmp(v, "all"))
		return 1;
	if (!hp_env_bool("HOTPATH_LOCK_HOLD", 1))
		return 0;
	uint64_t n = hp_env_u64("HOTPATH_LOCK_HOLD", HP_LOCK_HOLD_DEFAULT);
	return n && n <= (1u << 30) ? (uint32_t)n : HP_LOCK_HOLD_DEFAULT;
}

static void read_settings(void)
{
	hp_g.debug = hp_env_bool("HOTPATH_DEBUG", 0);
	hp_g.session = hp_env_u64("HOTPATH_SESSION", 0);
	uint64_t mib = hp_env_u64("HOTPATH_REGION_SIZE", 0);
	hp_g.region_bytes = mib >= 4 && mib <= 65536 ? mib << 20 : HP_REGION_DEFAULT;
	uint32_t modes = HP_MODE_TIMING;
	if (hp_env_bool("HOTPATH_ALLOC", 0))
		modes |= HP_MODE_ALLOC;
	if (hp_env_bool("HOTPATH_ALLOC_SELF", 0))
		modes |= HP_MODE_ALLOC | HP_MODE_ALLOC_SELF;
	if (hp_env_bool("HOTPATH_ALLOC_STACKS", 0))
		modes |= HP_MODE_ALLOC | HP_MODE_ALLOC_STACKS;
	/* data flow and concurrency (chan.c, locks.c): on unless switched off */
	modes |= hp_env_bool("HOTPATH_CHANNELS", 1) ? HP_MODE_CHANNELS : 0;
	modes |= hp_env_bool("HOTPATH_LOCKS", 1) ? HP_MODE_LOCKS : 0;
	hp_g.lock_hold_every = lock_hold_every();
	modes |= hp_g.lock_hold_every ? 0 : HP_MODE_NO_HOLD;
	/* the calling-context tree (funcs.c): on unless HOTPATH_TREE_NODES=0 */
	hp_g.tree_nodes = hp_env_u64("HOTPATH_TREE_NODES", HP_TREE_NODES_DEFAULT);
	if (hp_g.tree_nodes > (1u << 30))
		hp_g.tree_nodes = 1u << 30;
	modes |= hp_g.tree_nodes ? HP_MODE_TREE : 0;
	hp_g.modes = modes;
}

static void find_lib_path(void)
{
	Dl_info info;
	if (dladdr((void *)find_lib_path, &info) && info.dli_fname)
		hp_strlcpy(hp_g.lib_path, info.dli_fname, sizeof(hp_g.lib_path));
}

static void start_pool_reset(void);

static void atfork_child(void)
{
	/* Only this thread exists in the child. A new region: the parent keeps its own. */
	int was_ready = hp_g.ready, region_ok = 0;
	start_pool_reset(); /* the parent's threads being created never start here */
	hp_g.ready = 0;
	if (hp_g.hdr && hp_region_create(1) == 0) {
		region_ok = 1;
		hp_g.hdr->main_start_ticks = hp_ticks();
		hp_g.hdr->main_tid = hp_gettid();
		hp_funcs_after_fork();
		hp_alloc_after_fork();
		hp_region_set_state(HP_STATE_RUNNING, 0);
	}
	if (!region_ok && hp_g.hdr) {
		/* No region of its own (/dev/shm full): the child runs unprofiled and must not
		 * write into its parent's. The mapping stays: stale pointers may still reach it. */
		hp_region_unprofiled(hp_g.hdr->session, -ENOSPC);
		hp_g.hdr = NULL;
		hp_tls.ts = NULL;
		hp_tls.state = HP_TLS_OFF;
		was_ready = 0;
	}
	hp_flow_after_fork(region_ok);
	if (region_ok)
		hp_sample_after_fork();
	exit_recorded = 0;
	hp_g.ready = was_ready;
	if (region_ok)
		hp_sample_thread_start(); /* timers are not inherited: one for this thread */
}

__attribute__((constructor(101))) static void hp_init(void)
{
	struct hp_own own = hp_own_begin();
	/* Secure execution (setuid, setgid, file capabilities): the environment is the invoking
	 * user's, so, as ld.so does with LD_*, no HOTPATH_* setting is taken and nothing is
	 * recorded; exec wrappers pass environments through (lib_path stays empty). */
	if (getauxval(AT_SECURE))
		goto out;
	read_settings();
	snapshot_carried();
	find_lib_path();
	if (hp_env_bool("HOTPATH_DISABLE", 0))
		goto out;
	int rc = hp_region_create(0);
	if (rc < 0) {
		hp_region_unprofiled(hp_g.session, rc);
		goto out;
	}
	hp_region_scan_modules(0);
	hp_patch_init();
	hp_sample_init(); /* CPU sampling (sample.c): the handler; timers start per thread */
	hp_exclude_init();
	pthread_atfork(NULL, NULL, atfork_child);
	hp_region_set_state(HP_STATE_RUNNING, 0);
	__atomic_store_n(&hp_g.ready, 1, __ATOMIC_RELEASE);
	hp_flow_start();
out:
	hp_own_end(own);
}

/* Record how the image ended, once: exit status, end time, calibration. */
static void finish(int status)
{
	if (!hp_g.hdr || exit_recorded)
		return;
	exit_recorded = 1;
	struct hp_region_header *h = hp_g.hdr;
	uint64_t now = hp_ticks();
	if (!h->main_end_ticks && h->main_start_ticks)
		h->main_end_ticks = now;
	struct hp_tstate *ts = hp_tls.ts;
	if (ts)
		hp_close_frames(ts, now);
	if (ts && ts->trec) {
		hp_thread_cpu_final(ts->trec);
		ts->trec->end_mono_ns = hp_mono_ns();
	}
	hp_region_set_state(HP_STATE_EXITED, status);
}

void hp_main_end(int status)
{
	finish(status);
}

__attribute__((destructor(101))) static void hp_fini(void)
{
	/* Reached by exit() after main returned or exit() was called; status unknown only if
	 * neither hook saw it (then -1). */
	finish(hp_g.hdr ? hp_g.hdr->exit_status : -1);
}

/* exit() inside libc (error(), errx(), err(), the last thread's pthread_exit) does not go
 * through our exit(): on_exit hands every exit() its status, including those. Registered in
 * main's wrapper, so it runs before the library destructors (hp_fini); a forked child inherits
 * it and records into its own region. */
static void exit_seen(int status, void *arg)
{
	(void)arg;
	if (hp_g.hdr && hp_g.hdr->pid == (int)getpid())
		finish(status);
}

static int hp_main(int argc, char **argv, char **envp)
{
	on_exit(exit_seen, NULL);
	struct hp_region_header *h = hp_g.hdr;
	if (h) {
		h->main_addr = (uint64_t)real_main;
		h->main_tid = hp_gettid();
		h->main_start_ticks = hp_ticks();
	}
	hp_flow_thread_start();
	hp_sample_thread_start();
	int r = real_main(argc, argv, envp);
	if (hp_g.hdr)
		hp_g.hdr->exit_status = r;
	finish(r);
	return r;
}

HP_EXPORT int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
				void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	real_main = main;
	return HP_NEXT(__libc_start_main)(hp_main, argc, argv, init, fini, rtld_fini, stack_end);
}

HP_EXPORT void exit(int status)
{
	if (hp_g.hdr && !exit_recorded)
		hp_g.hdr->exit_status = status;
	finish(status);
	HP_NEXT(exit)(status);
	__builtin_unreachable();
}

HP_EXPORT void _exit(int status)
{
	/* A vfork child shares our memory: it must not touch the parent's region. */
	if (hp_g.hdr && hp_g.hdr->pid == (int)getpid())
		finish(status);
	HP_NEXT(_exit)(status);
	__builtin_unreachable();
}

HP_EXPORT void _Exit(int status)
{
	_exit(status);
}

/* ---- threads ---- */

struct start_arg {
	void *(*fn)(void *);
	void *arg;
	uint32_t busy; /* a slot of `start_pool` handed to a thread not yet started */
};

/* The start arguments of threads being created: a slot of this pool, claimed by the creator and
 * freed by the new thread at its start (a page of mmap and a munmap when all are taken: the
 * allocation hooks may be active, so no malloc). */
#define START_POOL 64
static struct start_arg start_pool[START_POOL];

static struct start_arg *start_arg_get(void)
{
	for (uint32_t i = 0; i < START_POOL; i++) {
		uint32_t want = 0;
		if (!__atomic_load_n(&start_pool[i].busy, __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&start_pool[i].busy, &want, 1, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return &start_pool[i];
	}
	void *p = mmap(NULL, sizeof(struct start_arg), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void start_pool_reset(void)
{
	for (uint32_t i = 0; i < START_POOL; i++)
		start_pool[i].busy = 0;
}

static void start_arg_put(struct start_arg *sa)
{
	if (sa >= start_pool && sa < start_pool + START_POOL)
		__atomic_store_n(&sa->busy, 0, __ATOMIC_RELEASE);
	else
		munmap(sa, sizeof(*sa));
}

static void *thread_start(void *p)
{
	struct start_arg sa = *(struct start_arg *)p;
	start_arg_put(p);
	hp_tls.start_routine = (uint64_t)sa.fn;
	hp_flow_thread_start();
	hp_sample_thread_start();
	void *r = sa.fn(sa.arg);
	hp_sample_thread_end();
	hp_thread_end();
	return r;
}

HP_EXPORT int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			     void *arg)
{
	__auto_type real = HP_NEXT(pthread_create);
	if (!hp_g.ready || !hp_g.hdr || hp_tls.guard)
		return real(t, attr, fn, arg);
	struct start_arg *sa = start_arg_get();
	if (!sa)
		return real(t, attr, fn, arg);
	sa->fn = fn;
	sa->arg = arg;
	int r = real(t, attr, thread_start, sa);
	if (r != 0)
		start_arg_put(sa);
	return r;
}

HP_EXPORT void pthread_exit(void *ret)
{
	if (hp_g.hdr && hp_tls.ts && hp_tls.ts->trec &&
	    hp_tls.ts->trec->tid == hp_g.hdr->main_tid && !hp_g.hdr->main_end_ticks)
		hp_g.hdr->main_end_ticks = hp_ticks();
	hp_sample_thread_end();
	hp_thread_end();
	HP_NEXT(pthread_exit)(ret);
	__builtin_unreachable();
}

/* ---- exec: keep the children profiled, mark this image as replaced ---- */

/* Settings the children need: taken from our environment at start-up. */
static const char *const carried[] = {
	"HOTPATH_SESSION",    "HOTPATH_REGION_SIZE",   "HOTPATH_ALLOC",
	"HOTPATH_ALLOC_SELF", "HOTPATH_DEBUG",	       "HOTPATH_FUNCTIONS",
	"HOTPATH_DISABLE",    "HOTPATH_FUNCTIONS_MAX", "HOTPATH_CHANNELS",
	"HOTPATH_LOCKS",      "HOTPATH_LOCK_HOLD",     "HOTPATH_SAMPLE",
	"HOTPATH_SAMPLE_HZ",  "HOTPATH_ALLOC_STACKS",  NULL};

/* The carried settings as they were at start-up (NAME=value), copied: a program that clears
 * its environment (env -i, clearenv) before an exec still hands them on, so that its child
 * keeps the session and is found by the launcher. */
static char carried_buf[8192];
static const char *carried_at_start[sizeof(carried) / sizeof(carried[0])];

static void snapshot_carried(void)
{
	extern char **environ;
	size_t used = 0;
	for (int c = 0; carried[c]; c++) {
		size_t kl = hp_strlen(carried[c]);
		for (char **e = environ; e && *e; e++) {
			size_t len = hp_strlen(*e) + 1;
			if (hp_strncmp(*e, carried[c], kl) || (*e)[kl] != '=')
				continue;
			if (used + len <= sizeof(carried_buf)) {
				hp_memcpy(carried_buf + used, *e, len);
				carried_at_start[c] = carried_buf + used;
				used += len;
			}
			break;
		}
	}
}

#define ENV_MAX 4096
struct env_fix {
	char *vec[ENV_MAX + 16];
	char preload[HP_PATH_MAX + 4096];
	char gen[40];
};

/* Build in `f` an environment equal to `envp` plus LD_PRELOAD naming this library and the
 * HOTPATH_* settings, so that an exec with an explicit environment keeps the child profiled.
 * Returns envp itself when nothing needs to change or it is too large to copy. */
static char *const *fix_env(char *const *envp, struct env_fix *f)
{
	if (!hp_g.lib_path[0] || !envp)
		return envp;
	size_t n = 0, o = 0;
	const char *old_preload = NULL;
	for (; envp[n]; n++)
		if (!hp_strncmp(envp[n], "LD_PRELOAD=", 11))
			old_preload = envp[n] + 11;
	if (n > ENV_MAX)
		return envp;
	/* LD_PRELOAD: ours first, then whatever was there (unless it already names us). */
	size_t libn = hp_strlen(hp_g.lib_path);
	int has_us = 0;
	if (old_preload)
		for (const char *p = old_preload; (p = __builtin_strstr(p, hp_g.lib_path));
		     p += libn)
			has_us = 1;
	if (has_us)
		f->preload[0] = 0;
	else if (old_preload && *old_preload)
		hp_snprintf(f->preload, sizeof(f->preload), "LD_PRELOAD=%s:%s", hp_g.lib_path,
			    old_preload);
	else
		hp_snprintf(f->preload, sizeof(f->preload), "LD_PRELOAD=%s", hp_g.lib_path);
	for (size_t i = 0; i < n; i++) {
		if (!hp_strncmp(envp[i], "LD_PRELOAD=", 11) && !has_us)
			continue;
		if (!hp_strncmp(envp[i], "HOTPATH_EXEC_GEN=", 17))
			continue;
		f->vec[o++] = envp[i];
	}
	if (!has_us)
		f->vec[o++] = f->preload;
	/* Carried settings the caller's environment dropped. */
	for (int c = 0; carried[c]; c++) {
		size_t kl = hp_strlen(carried[c]);
		int present = 0;
		for (size_t i = 0; i < n && !present; i++)
			present = !hp_strncmp(envp[i], carried[c], kl) && envp[i][kl] == '=';
		if (!present && carried_at_start[c] && o < ENV_MAX + 14)
			f->vec[o++] = (char *)carried_at_start[c];
	}
	hp_snprintf(f->gen, sizeof(f->gen), "HOTPATH_EXEC_GEN=%u",
		    hp_g.hdr ? hp_g.hdr->exec_count + 1 : 1);
	f->vec[o++] = f->gen;
	f->vec[o] = NULL;
	return f->vec;
}

/* True when this is the process that owns the region (not a vfork child sharing our memory). */
static int own_region(void)
{
	return hp_g.hdr && hp_g.hdr->pid == (int)getpid();
}

static void before_exec(void)
{
	if (!own_region())
		return;
	/* This thread's CPU so far: the image ends here if the exec succeeds. */
	struct hp_tstate *ts = hp_tls.ts;
	if (ts && ts->trec)
		hp_thread_cpu_final(ts->trec);
	hp_region_set_state(HP_STATE_EXECED, 0);
}

static void exec_failed(void)
{
	if (own_region())
		hp_region_set_state(HP_STATE_RUNNING, 0);
}

/* The environment a child gets: envp with our settings put back, in a mapping of its own (no
 * malloc: the allocation hooks may be active, and a vfork child shares our heap). Release it
 * with env_release. Both inside our own bracket. */
static char *const *env_prepare(char *const *envp, struct env_fix **f)
{
	*f = mmap(NULL, sizeof(**f), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return *f == MAP_FAILED ? envp : fix_env(envp, *f);
}

static void env_release(struct env_fix *f)
{
	if (f != MAP_FAILED)
		munmap(f, sizeof(*f));
}

/* execve and execvpe: keep the child profiled, mark this image replaced; back to running when
 * the exec fails (errno then the exec's). */
static int exec_common(exec_fn real, const char *what, char *const argv[], char *const envp[])
{
	struct env_fix *f;
	struct hp_own own = hp_own_begin();
	char *const *env = env_prepare(envp, &f);
	before_exec();
	hp_own_end(own);
	int r = real(what, argv, env);
	own = hp_own_begin();
	exec_failed();
	env_release(f);
	hp_own_end(own);
	return r;
}

HP_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return exec_common(HP_NEXT(execve), path, argv, envp);
}

HP_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return exec_common(HP_NEXT(execvpe), file, argv, envp);
}

HP_EXPORT int execv(const char *path, char *const argv[])
{
	extern char **environ;
	return execve(path, argv, environ);
}

HP_EXPORT int execvp(const char *file, char *const argv[])
{
	extern char **environ;
	return execvpe(file, argv, environ);
}

/* execl*: the variadic arguments from arg0 on into vec (HP_EXECL_MAX + 1 entries on the
 * caller's stack), NULL-terminated. 0, or -1 with errno E2BIG when there are more. */
#define HP_EXECL_MAX 4096
static int collect_args(const char *arg0, va_list *ap, char **vec)
{
	size_t n;
	vec[0] = (char *)arg0;
	for (n = 1; vec[n - 1] && n < HP_EXECL_MAX; n++)
		vec[n] = va_arg(*ap, char *);
	if (vec[n - 1]) {
		errno = E2BIG;
		return -1;
	}
	return 0;
}

HP_EXPORT int execl(const char *path, const char *arg, ...)
{
	char *vec[HP_EXECL_MAX + 1];
	va_list ap;
	va_start(ap, arg);
	int rc = collect_args(arg, &ap, vec);
	va_end(ap);
	return rc < 0 ? -1 : execv(path, vec);
}

HP_EXPORT int execlp(const char *file, const char *arg, ...)
{
	char *vec[HP_EXECL_MAX + 1];
	va_list ap;
	va_start(ap, arg);
	int rc = collect_args(arg, &ap, vec);
	va_end(ap);
	return rc < 0 ? -1 : execvp(file, vec);
}

HP_EXPORT int execle(const char *path, const char *arg, ...)
{
	char *vec[HP_EXECL_MAX + 1];
	va_list ap;
	va_start(ap, arg);
	int rc = collect_args(arg, &ap, vec);
	char *const *envp = rc < 0 ? NULL : va_arg(ap, char *const *);
	va_end(ap);
	return rc < 0 ? -1 : execve(path, vec, envp);
}

static int spawn_common(spawn_fn real, pid_t *pid, const char *path,
			const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
			char *const argv[], char *const envp[])
{
	struct env_fix *f;
	struct hp_own own = hp_own_begin();
	char *const *env = env_prepare(envp, &f);
	hp_own_end(own);
	int r = real(pid, path, fa, attr, argv, env);
	own = hp_own_begin();
	env_release(f);
	hp_own_end(own);
	return r;
}

HP_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn_common(HP_NEXT(posix_spawn), pid, path, fa, attr, argv, envp);
}

HP_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn_common(HP_NEXT(posix_spawnp), pid, file, fa, attr, argv, envp);
}

/* dlclose: a library that is gone ends its module generation (a new one may load at its
 * address, docs/region.md). */
HP_EXPORT int dlclose(void *handle)
{
	int r = HP_NEXT(dlclose)(handle);
	if (r == 0 && hp_g.ready && !hp_tls.guard) {
		struct hp_own own = hp_own_begin();
		hp_region_scan_unloaded();
		hp_own_end(own);
	}
	return r;
}

/* dlopen: record the new module so readers can symbolize its functions. */
HP_EXPORT void *dlopen(const char *file, int mode)
{
	void *h = HP_NEXT(dlopen)(file, mode);
	if (h && hp_g.ready && !hp_tls.guard) {
		struct hp_own own = hp_own_begin();
		hp_region_scan_modules(1);
		hp_patch_dlopen();
		hp_own_end(own);
	}
	return h;
}
