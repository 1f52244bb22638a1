/* internal.h - state shared by the files of libhotpath.so, and the hot-path inlines.
 *
 * Everything here runs inside the profiled program: no stdio, no locks and no allocation on
 * hot paths, thread-local state in the initial-exec TLS model, errno preserved by every hook. */
#ifndef HP_INTERNAL_H
#define HP_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "hp/region.h"

#define HP_EXPORT __attribute__((visibility("default")))
#define HP_LIKELY(x) __builtin_expect(!!(x), 1)
#define HP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HP_BARRIER() __asm__ __volatile__("" ::: "memory")
#define HP_NOINLINE __attribute__((noinline))

/* Shadow stack depth per thread; deeper calls are counted (depth_overflow) but not timed.
 * 131,072 frames of 96 bytes: 12 MiB of address space per thread state, mapped with
 * MAP_NORESERVE, of which only the pages a call depth reaches are ever touched (16,384 before:
 * recursion 100,000 deep left 83,616 calls untimed). */
#define HP_STACK_MAX 131072
/* Address -> statistics row cache per thread: open addressing, power of two, kept ≤ 3/4 full:
 * this is its first size (inline in the thread's state); a fuller one is replaced by one twice
 * as large (mmap'd), so a thread may see any number of distinct functions. */
#define HP_FCACHE_BITS 16
#define HP_FCACHE_SIZE (1u << HP_FCACHE_BITS)

/* (parent tree node, function) -> tree node cache per thread, the hot path's one lookup; same
 * rules as the address cache. Only when a larger one cannot be mapped does a path fold. */
#define HP_NCACHE_BITS 16
#define HP_NCACHE_SIZE (1u << HP_NCACHE_BITS)
#define HP_CACHE_OLD_MAX 32 /* outgrown cache arrays a thread keeps until it ends */

/* One live call on the shadow stack. */
struct hp_frame {
	uint64_t fn;		 /* entry address the call was entered with */
	struct hp_fstat *rec;	 /* this thread's row for fn; NULL when the region was full */
	uint64_t t0;		 /* ticks at entry */
	uint64_t child_ticks;	 /* time in timed callees that returned so far (self = dt - this) */
	struct hp_tree_node *tn; /* node whose total this call adds to; NULL when folded */
	uint32_t node;		 /* tree node of this call's path (row + 1): its callees' parent */
	uint32_t reserved;
	uint64_t sp; /* where the call's frame is (jumps.c): callees record less */
	struct hp_alloc_counts alloc_mark; /* the thread's alloc counters at entry (HP_MODE_ALLOC) */
	uint64_t pad; /* 96 bytes: a frame's address is two shifts and an add */
};
_Static_assert(sizeof(struct hp_frame) == 96, "a shadow-stack frame is 96 bytes");

struct hp_fcache_ent {
	uint64_t fn;
	struct hp_fstat *rec;
};

/* Key (fn, parent); `tn` is the node whose calls count (never NULL: a folded path counts in
 * the thread row's tree_fold, and with the tree off in the thread's tree_off sink); `node` is
 * the path's node, equal to `parent` when the call folds into it (direct recursion, full
 * table, tree off): then the call adds no total to any node. */
struct hp_ncache_ent {
	uint64_t fn;
	uint32_t parent;
	uint32_t node;
	struct hp_fstat *rec;
	struct hp_tree_node *tn;
};

/* Per-thread state, mapped (not malloc'd) when the thread first runs a hook. */
struct hp_tstate {
	uint32_t depth; /* frames pushed, may exceed HP_STACK_MAX (then not stored) */
	uint32_t fcache_used;
	uint32_t thread_row; /* row in HP_T_THREADS */
	uint32_t epoch;	     /* the module epoch this thread's fcache is valid for */
	struct hp_thread_rec *trec;
	struct hp_alloc_counts reserved_alloc; /* was the thread's running totals: they are its
						* row's (hp_thread_alloc) */
	uint32_t ncache_used;
	uint32_t reserved2;
	struct hp_tree_node tree_off; /* where calls count while the tree is off (never read) */
	struct hp_ncache_ent nfull;   /* the answer for a path when the node cache is full */
	/* The caches in use: fcache0/ncache0 at first, then larger mmap'd arrays (funcs.c
	 * cache_grow). A lookup reads the array, then shift and mask; a growth stores the array
	 * first, so a signal handler between the stores never indexes past its array. */
	struct hp_fcache_ent *fcache;
	uint32_t fcache_mask, fcache_shift; /* entries - 1; 64 - log2(entries) */
	struct hp_ncache_ent *ncache;
	uint32_t ncache_mask, ncache_shift;
	/* Outgrown arrays: an interrupted lookup may still read one, so they stay mapped until the
	 * thread ends. */
	uint32_t nold;
	uint32_t reserved3;
	void *old[HP_CACHE_OLD_MAX];
	uint64_t old_bytes[HP_CACHE_OLD_MAX];
	struct hp_fcache_ent fcache0[HP_FCACHE_SIZE];
	struct hp_ncache_ent ncache0[HP_NCACHE_SIZE];
	struct hp_frame stack[HP_STACK_MAX];
};

enum { HP_TLS_NEW = 0, HP_TLS_ACTIVE = 1, HP_TLS_OFF = 2 };

/* The one thread-local variable: its address is computed from the thread pointer, no
 * __tls_get_addr call. */
struct hp_tls {
	struct hp_tstate *ts;
	uint32_t state; /* HP_TLS_* */
	uint32_t guard; /* non-zero while our own code runs: re-entered hooks pass through */
	uint64_t start_routine; /* given by our pthread_create wrapper before the first hook */
	uint32_t timed_holds;	/* locks.c: timed lock holds this thread has open (unlocks look
				 * their lock up only while there are some) */
};
extern __thread struct hp_tls hp_tls __attribute__((tls_model("initial-exec")));

/* Process-wide state, written during start-up (one thread), then read-only. */
struct hp_global {
	volatile int ready;	      /* hooks record only when set */
	uint32_t modes;		      /* enum hp_mode */
	struct hp_region_header *hdr; /* NULL when no region could be made: hooks pass through */
	uint64_t size;
	char path[128]; /* /dev/shm/hotpath-... */
	int debug;	/* HOTPATH_DEBUG */
	uint64_t session;
	uint64_t region_bytes;	    /* requested size */
	uint64_t tree_nodes;	    /* HOTPATH_TREE_NODES: node table capacity, 0 = no tree */
	uint32_t lock_hold_every;   /* HOTPATH_LOCK_HOLD: hp_region_header.lock_hold_every */
	struct hp_hist_chunk *hist; /* row 0 of HP_T_HIST (set with hdr) */
	char lib_path[HP_PATH_MAX]; /* this library, for LD_PRELOAD of children */
};
extern struct hp_global hp_g;

/* The thread's allocation counters so far (alloc.c counts them in its row): the snapshot that
 * cumulative attribution takes at a function's entry (funcs.c). */
static inline struct hp_alloc_counts hp_thread_alloc(const struct hp_thread_rec *tr)
{
	return (struct hp_alloc_counts){tr->alloc_count, tr->alloc_bytes, tr->free_count,
					tr->free_bytes};
}

static inline uint64_t hp_ticks(void)
{
	return hp_arch_ticks();
}

/* ---- "our own code is running": the one bracket around everything hotpath does inside a hook
 * that may call libc (syscalls, dlsym, our own formatted output). While it is open, hooks that
 * our code re-enters pass straight through (hp_tls.guard), and when it closes errno is the
 * program's again. The guard goes up first: reading errno is a libc call (__errno_location)
 * that may be patched too. Nests; a signal handler that runs hooks inside it passes through. */
struct hp_own {
	int saved_errno; /* the program's errno when the bracket opened */
};

static inline struct hp_own hp_own_begin(void)
{
	hp_tls.guard++;
	HP_BARRIER();
	return (struct hp_own){errno};
}

static inline void hp_own_end(struct hp_own own)
{
	errno = own.saved_errno;
	HP_BARRIER();
	hp_tls.guard--;
}

/* ---- the real functions behind the hooks: one lookup, one cache per function ----
 * HP_NEXT_DECL(ret, name, args) declares the cache `hp_next_<name>`; HP_NEXT(name) is the real
 * function, looked up (dlsym RTLD_NEXT) on its first use and cached. HP_NEXT_VERSION(name, v)
 * takes one symbol version (dlvsym: pthread_cond_* need HP_ARCH_GLIBC_COND); HP_NEXT_IN(name, lib)
 * also looks in `lib` when it was loaded RTLD_LOCAL. Files that must resolve before the first
 * call (alloc.c: the bootstrap pool; locks.c: glibc's aliases until start-up) fill the same
 * caches with hp_next_lookup and say why. */
#define HP_NEXT_DECL(ret, name, args) static ret(*hp_next_##name) args
#define HP_NEXT(name) HP_NEXT_FROM(name, NULL, NULL)
#define HP_NEXT_VERSION(name, version) HP_NEXT_FROM(name, version, NULL)
#define HP_NEXT_IN(name, lib) HP_NEXT_FROM(name, NULL, lib)
#define HP_NEXT_FROM(name, version, lib)                                                           \
	(HP_LIKELY(hp_next_##name != NULL)                                                         \
		 ? hp_next_##name                                                                  \
		 : (__typeof__(hp_next_##name))hp_next_resolve((void **)&hp_next_##name, #name,    \
							       version, lib))

/* next.c: dlsym(RTLD_NEXT, name), or dlvsym with `version` when not NULL, inside our own bracket
 * (dlsym may allocate: the allocation hooks pass through). NULL when there is none (said under
 * HOTPATH_DEBUG). */
void *hp_next_lookup(const char *name, const char *version);
/* HP_NEXT's slow path: hp_next_lookup (then `lib`'s own definition when lib is not NULL),
 * stored in *cache. Never NULL: a hook with no real function behind it cannot go on, so it
 * says so on stderr and aborts. */
void *hp_next_resolve(void **cache, const char *name, const char *version, const char *lib);

static inline void *hp_table_row(struct hp_region_header *h, int t, uint32_t i)
{
	return (char *)h + h->tables[t].offset + (uint64_t)i * h->tables[t].row_size;
}

/* region.c */
int hp_region_create(int from_fork);
void hp_region_set_state(uint32_t state, int status);
void hp_region_scan_modules(int dlopened);
/* After a dlclose: mark the module rows whose object is gone and start a new module epoch. */
void hp_region_scan_unloaded(void);
int64_t hp_mono_ns(void);
void *hp_table_claim(int table, uint32_t *row); /* NULL when full (counted) */
/* Reserve the pages of rows [0, upto) of a table its writer fills by index (stacks.c) before
 * writing them. 0, or -ENOSPC when /dev/shm is full (the header gets HP_FLAG_SHM_FULL).
 * Async-signal-safe. */
int hp_table_reserve(int table, uint32_t upto);
#define HP_REGION_MIN (4ull << 20) /* the smallest region_size, bytes */
void hp_region_finish(void);
/* No region for this image (create failed with -err): leave the launcher of `session` a marker
 * saying so, /dev/shm/hotpath-unprofiled-<session>-<pid>-<errno> (empty; docs/run.md). */
void hp_region_unprofiled(uint64_t session, int err);

/* funcs.c */
struct hp_tstate *hp_thread_slow(void);
void hp_thread_end(void);
void hp_close_frames(struct hp_tstate *ts, uint64_t now);
void hp_funcs_after_fork(void);
void hp_funcs_forget_unloaded(struct hp_tstate *ts); /* the module epoch moved: drop their rows */
/* Frames recording a stack address below `limit` were left by longjmp or an exception: end
 * them at `now` (their time counts in the tree and in self time; they are not completed). */
void hp_funcs_drop_below(uint64_t limit, uint64_t now);

/* init.c */
void hp_main_end(int status);

/* alloc.c: the malloc family (HP_MODE_ALLOC) */
void hp_alloc_thread_end(void); /* the calling thread ends: flush its live-bytes delta */
void hp_alloc_after_fork(void); /* forked child, after its region exists */

/* alloc_stacks.c: allocation stacks (HP_MODE_ALLOC_STACKS), for alloc.c */
void hp_astack_init(void);
/* The stack id of the allocation whose hook returns to `ra` with stack pointer `sp`. */
uint32_t hp_astack_take(uint64_t ra, uint64_t sp);
void hp_astack_alloc(uint32_t id, uint64_t n);
void hp_astack_free(uint32_t id, uint64_t n, int temporary);
void hp_astack_peak(struct hp_region_header *h, int64_t peak, int force);
void hp_astack_thread_end(void);
void hp_astack_after_fork(void);

/* thread_names.c: data flow and concurrency (locks.c, chan.c; see docs/dataflow.md) */
void hp_flow_start(void);		/* after hp_g.ready: map the indexes, switch the hooks on */
void hp_flow_after_fork(int region_ok); /* forked child: forget the parent's rows */
void hp_flow_thread_start(void);	/* a thread starts: claim its row (threads without hooks) */

/* patch.c: patching selected functions (HOTPATH_FUNCTIONS); see docs/patching.md */
void hp_patch_init(void);	/* constructor, after hp_region_scan_modules */
void hp_patch_dlopen(void);	/* after dlopen recorded the new modules */
void hp_patch_thread_end(void); /* the calling thread ends: free its return stack */
/* funcs.c: the -finstrument-functions hooks under hidden names, for the trampolines */
void hp_func_enter(void *fn, void *site);
void hp_func_exit(void *fn, void *site);
/* patch_rt.c: the enter hook of a patched function, its frame at sp (its return slot - 16);
 * marks the row HP_FN_PATCHED. */
void hp_func_enter_patched(void *fn, uint64_t sp);

/* exclude.c: functions that '!pattern' items drop from recording (instrumented ones too) */
void hp_exclude_init(void);			 /* constructor, after the modules are recorded */
int hp_func_excluded(uint64_t fn);		 /* funcs.c's slow path only */
#define HP_FSTAT_EXCLUDED ((struct hp_fstat *)1) /* fcache: excluded, not recorded */

/* libc.c: non-allocating helpers that are safe before main and in signal handlers */
size_t hp_strlen(const char *s);
int hp_strcmp(const char *a, const char *b);
int hp_strncmp(const char *a, const char *b, size_t n);
size_t hp_strlcpy(char *dst, const char *src, size_t size);
void hp_memcpy(void *dst, const void *src, size_t n);
int hp_memcmp(const void *a, const void *b, size_t n);
const char *hp_getenv(const char *name);
int hp_env_bool(const char *name, int def);
uint64_t hp_env_u64(const char *name, uint64_t def);
int hp_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int hp_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void hp_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int hp_gettid(void);
uint64_t hp_proc_start_ticks(int pid);
void hp_read_thread_cpu(int tid, uint64_t *user_ns, uint64_t *sys_ns);
/* The calling thread's final CPU figures into its row: user/sys and the exact cpu_ns. */
void hp_thread_cpu_final(struct hp_thread_rec *tr);

#endif
