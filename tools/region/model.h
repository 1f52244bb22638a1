/* model.h - the report model: what a region (region_model.c), a saved JSON report
 * (tools/report/report_json.c) or a stored run turns into, and what every renderer prints.
 * Plain data and the helpers that keep it (free, sort and limit, notes, percentiles); nothing
 * here reads a region or writes text. Times are ns, sizes bytes. */
#ifndef HP_MODEL_H
#define HP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "hp/region.h" /* struct hp_alloc_counts */

#define HP_MAX_PCTS 16

struct hp_report_opts; /* tools/report/report.h */

/* One histogram bucket in ns: `count` calls took between lo_ns and hi_ns inclusive. */
struct hp_hbucket {
	double lo_ns, hi_ns;
	uint64_t count;
};

struct hp_fn_row {
	char *name;   /* demangled, disambiguated ("helper (libfoo.so)") when needed */
	char *module; /* path of the ELF object, NULL when unknown */
	char *file;   /* source file, NULL when unknown */
	int line;
	uint64_t addr;
	int kind;	    /* HP_FN_INSTRUMENTED / HP_FN_PATCHED from region.h */
	uint64_t calls;	    /* entries */
	uint64_t completed; /* timed returns */
	uint64_t total_ns;  /* inclusive, outermost calls only (recursion counted once) */
	uint64_t self_ns; /* exclusive: minus the time in timed callees (recursion counted once) */
	uint64_t sum_ns;  /* inclusive, summed over completed calls: avg = sum / completed */
	uint64_t min_ns, max_ns;
	double percent_total; /* total_ns / wall_ns * 100 */
	uint64_t alloc_count, alloc_bytes, free_count, free_bytes;
	int has_cpu;	 /* cpu_ns is known: functions timed while sampling (region_cpu.c) */
	uint64_t cpu_ns; /* CPU time estimated from the samples whose stack holds the function */
	struct hp_hbucket *hist; /* non-empty buckets, ascending; NULL when none */
	size_t nhist;
	/* Percentiles as loaded from a saved report or a stored run; NULL for a row built from a
	 * region, whose percentiles come from hist (the 256 bytes were a sixth of 100,000 rows). */
	struct hp_pct_given *given;
};

/* A row's saved percentiles: value[i] is percentile pct[i] (95 for p95_ns; indexed like the
 * proc's pcts_saved, so that hp_fn_percentile can match by number without the proc). pct[i]
 * 0 marks an unused entry, value[i] NAN one the report did not have. */
struct hp_pct_given {
	double value[HP_MAX_PCTS];
	double pct[HP_MAX_PCTS];
};
/* A row's `given`, allocated with every value NAN and no entry used; NULL on no memory. */
struct hp_pct_given *hp_pct_given_new(void);

struct hp_thread_row {
	int tid;
	char *name;
	char *start_routine; /* symbolized, NULL for the main thread */
	int running;
	int64_t start_ns, end_ns; /* relative to the process start; end 0 while running */
	uint64_t cpu_user_ns, cpu_sys_ns;
	uint64_t alloc_count, alloc_bytes, free_count, free_bytes;
	uint64_t lock_wait_ns, io_block_ns; /* a wait still in progress included (waiting_ns) */
	uint64_t calls;			    /* function calls recorded on this thread */
	uint64_t cpu_samples;		    /* CPU samples taken on it (region_cpu.c) */
	uint64_t cpu_ns;		    /* its CPU clock at its end (exact), 0 when unknown */
	uint64_t waiting_ns; /* blocked in one call since this long, at exit or now; 0 when not */
	char *waiting_on; /* what that call waits on ("cond @ f (x.c:3)", "pipe:[12] read"), or NULL */
};

/* Memory (region_mem.c): process totals of the malloc family, filled when the process ran with
 * HP_MODE_ALLOC (valid set). Counts and bytes follow docs/json.md "memory". */
#define HP_MEM_LEAKS 5
struct hp_mem_leak {
	char name[160]; /* function that allocated the blocks, "(outside measured functions)" */
	uint64_t bytes, count; /* still live at exit (or now, for a running process) */
};
/* Allocation stacks (region_astacks.c, HP_MODE_ALLOC_STACKS; docs/memory.md). */
struct hp_mem_frame {
	char *name;   /* demangled function, "0x…" when no symbol covers the address */
	char *module; /* path of the ELF object, NULL when unknown */
	char *file;   /* source file of the call, NULL when unknown */
	int line;
};
struct hp_mem_stack {
	struct hp_mem_frame *frames; /* OUTERMOST FIRST, the allocator's own frames left out */
	size_t nframes;
	uint64_t alloc_count, alloc_bytes, free_count, free_bytes;
	uint64_t live_count, live_bytes; /* at exit (or now, for a running process) */
	uint64_t peak_bytes;		 /* live when the process's peak was taken */
	uint64_t temporary_count;	 /* freed by the same thread with no allocation between */
};
struct hp_mem {
	int valid;
	uint64_t alloc_count, alloc_bytes, free_count, free_bytes;
	uint64_t peak_live_bytes, live_bytes_at_exit;
	struct hp_alloc_counts outside;		/* calls made outside measured functions */
	struct hp_mem_leak leaks[HP_MEM_LEAKS]; /* by bytes, descending */
	int nleaks;
	int has_stacks;		     /* recorded with allocation stacks */
	struct hp_mem_stack *stacks; /* by alloc_bytes, descending */
	size_t nstacks;
	uint64_t stacks_dropped; /* allocations recorded under a shorter stack (table full) */
};
void hp_mem_stacks_free(struct hp_mem *m);

enum hp_proc_state { HP_PS_RUNNING, HP_PS_EXITED, HP_PS_SIGNALED, HP_PS_EXECED, HP_PS_VANISHED };

struct hp_proc {
	int pid, ppid;
	char **argv;
	int argc;
	char *exe;
	int state;	       /* enum hp_proc_state */
	int exit_status;       /* valid when HP_PS_EXITED */
	int term_signal;       /* valid when HP_PS_SIGNALED */
	int64_t start_unix_ns; /* CLOCK_REALTIME at start */
	uint64_t wall_ns;      /* main()'s duration (or the image's life when main never ran) */
	uint32_t modes;	       /* enum hp_mode */
	uint32_t flags;	       /* enum hp_region_flag */
	uint32_t exec_count;
	uint32_t lock_hold_every; /* holds timed: 0 none, 1 all, N one in N per lock (region.h) */
	uint64_t dropped, depth_overflow, unmatched_exits;
	uint64_t dropped_noted; /* of `dropped`, what the notes explain table by table (region) */
	struct hp_fn_row *fns;	/* sorted by total_ns descending */
	size_t nfns;
	size_t nfns_total; /* before a limit was applied */
	/* --limit N keeps the top N by time and the top N by bytes allocated (each table ranks
	 * its own rows): fns[0..nfns_timed) are the time table's, 0 when it shows them all;
	 * alloc_shown is how many rows the allocation table shows (0: all), of nfns_alloc_total
	 * functions that allocated before the cut. */
	size_t nfns_timed;
	size_t alloc_shown;
	size_t nfns_alloc_total;
	struct hp_thread_row *threads;
	size_t nthreads;
	struct hp_proc *children; /* descendants (flat), only on the top process */
	size_t nchildren;
	char **notes; /* one-line remarks for the user ("main has no hooks", …) */
	size_t nnotes;
	/* The percentiles a saved report was written with (hp_report_from_json sets them;
	 * `hotpath report` shows these unless -p is given). given->value[k] of each row holds the
	 * value of pcts_saved[k]. */
	double pcts_saved[HP_MAX_PCTS];
	int npcts_saved;
	struct hp_mem mem; /* region_mem.c: memory totals (alloc mode) */
	/* Data flow and concurrency (below; region_flow.c, docs/dataflow.md). */
	struct hp_chan_row *chans; /* in creation order */
	size_t nchans;
	struct hp_lock_row *locks; /* by total wait, descending */
	size_t nlocks;
	struct hp_io_row *io; /* one per fd kind that saw I/O */
	size_t nio;
	unsigned flow_hide; /* HP_FLOW_HIDE_*: report sections switched off */
	/* Patching (below; region_patch.c, docs/patching.md): NULL when nothing was patched. */
	struct hp_patch_info *patch;
	/* CPU sampling (below; region_cpu.c, docs/cpu.md): NULL when not sampled. */
	struct hp_cpu_info *cpu;
	/* The calling-context tree (model_tree.h): NULL when not recorded. */
	struct hp_calltree *tree;
};

/* ---- data flow and concurrency (docs/dataflow.md) ---- */

/* One channel. Direction "in" is data taken out (read, recv, mq_receive), "out" data put in. */
struct hp_chan_row {
	int kind;	   /* HP_CHAN_* */
	char *label;	   /* "pipe @ worker (pool.c:88)", "pipe:[1234] (inherited)", "/jobs" */
	char *site;	   /* symbolized creating call, NULL when inherited */
	int fd[2];	   /* read end / write end as first seen, -1 when none */
	uint64_t capacity; /* bytes (pipe, socketpair) or messages (mqueue), 0 when unknown */
	uint64_t messages_in, messages_out, bytes_in, bytes_out;
	uint64_t blocked_in_ns, blocked_out_ns; /* time inside the calls */
	uint64_t max_in, max_out;		/* largest single transfer, bytes */
	uint64_t queued_max;	       /* bytes (messages for a queue); in-process channels only */
	int64_t queued_now;	       /* sampled from /proc by a live reader, -1 when unknown */
	uint32_t state;		       /* HP_CHST_* */
	int64_t created_ns, closed_ns; /* from the process start; closed 0 while open */
	double lifetime_ns;	       /* created to closed, or to the end of the process */
	uint32_t row;		       /* in the region's channel table (waits in progress) */
	uint32_t waiting;	       /* threads blocked on it at exit, or now */
};

struct hp_lock_row {
	int kind;    /* HP_LOCK_* */
	char *label; /* "mutex @ worker (pool.c:91)" */
	uint64_t addr;
	uint64_t acquisitions, contended;
	uint64_t wait_ns, max_wait_ns; /* blocking acquisitions; for a cond, max over its waits */
	/* hold_ns: the total hold time, measured when every hold was timed (lock_hold_every 1),
	 * else estimated from the timed ones: hold_timed_ns x holds / holds_timed. max_hold_ns is
	 * the longest timed hold; holds counts exclusive acquisitions (rwlock: write locks). */
	uint64_t hold_ns, max_hold_ns;
	uint64_t holds, holds_timed, hold_timed_ns;
	uint64_t cond_waits, cond_wait_ns, cond_signals;
	uint32_t waiting; /* threads blocked on it at exit, or now (their wait so far is included) */
};

/* Read/write totals on fds that are not channels, per kind. */
struct hp_io_row {
	int kind;		/* HP_IO_* */
	uint64_t reads, writes; /* calls that moved data */
	uint64_t read_bytes, write_bytes;
	uint64_t read_blocked_ns, write_blocked_ns;
	uint64_t max_read, max_write;
};

/* Report sections a user switched off (settings channels, locks, threads). */
enum {
	HP_FLOW_HIDE_CHANNELS = 1u << 0,
	HP_FLOW_HIDE_LOCKS = 1u << 1,
	HP_FLOW_HIDE_THREADS = 1u << 2
};

/* ---- patching (docs/patching.md) ---- */

struct hp_patch_fn {
	char *name;    /* as matched: demangled without parameters, or the raw symbol */
	char *module;  /* path of the object, NULL when unknown */
	uint64_t addr; /* runtime entry address (0 from a saved report) */
	int status;    /* HP_PATCH_* (include/hp/patch.h); 0 patched */
	char *detail;  /* where and why, "" when none */
};

struct hp_patch_info {
	uint64_t selected, patched;
	uint64_t startup_ns;	 /* time spent patching in the constructor and at dlopen */
	struct hp_patch_fn *fns; /* every selected function (patched or not), region order */
	size_t nfns;
	char **modules; /* paths of the process's modules (for "module not loaded") */
	size_t nmodules;
};

/* ---- CPU sampling (docs/cpu.md) ---- */

struct hp_cpu_fn {
	char *name;   /* demangled; "(unknown)" when no symbol covers the address */
	char *module; /* path of the ELF object, NULL when in none */
	char *file;   /* source of the function, NULL when unknown */
	int line;
	uint64_t addr;		/* runtime address of the function's start (0 when unknown) */
	uint64_t self_samples;	/* samples with this function innermost */
	uint64_t total_samples; /* samples with this function anywhere in the stack (once each) */
};

struct hp_cpu_frame {
	char *name; /* the strings of function row `fn` (not owned) */
	char *module;
	size_t fn; /* index in hp_cpu_info.fns */
};

struct hp_cpu_stack {
	struct hp_cpu_frame *frames; /* OUTERMOST FIRST */
	size_t nframes;
	int tid;	  /* thread that ran it, 0 when unknown */
	uint64_t samples; /* in this thread */
};

struct hp_cpu_info {
	uint32_t hz;	  /* samples per second of a thread's CPU time */
	int state;	  /* enum hp_sample_state (include/hp/region.h) */
	uint64_t samples; /* recorded */
	uint64_t lost;	  /* expiries not recorded (docs/cpu.md) */
	uint64_t folded;  /* stacks recorded as a shorter prefix (stack table full) */
	/* CPU time one sample stands for: the sampled threads' exact CPU clocks over their
	 * samples when known (the kernel's tick caps the real rate), else 1e9 / hz. */
	double ns_per_sample;
	struct hp_cpu_fn *fns; /* by self_samples, descending */
	size_t nfns;
	struct hp_cpu_stack *stacks; /* by samples, descending */
	size_t nstacks;
};

void hp_cpu_info_free(struct hp_cpu_info *c);
/* Estimated CPU time of `samples`, in ns (samples × ns_per_sample; NAN when unknown). */
double hp_cpu_ns(const struct hp_cpu_info *c, uint64_t samples);

/* Percentile `pct` of a row, in ns. A value saved for exactly this percentile (given)
 * wins: it was computed before the histogram bounds were rounded for JSON, so a loaded report
 * shows what was saved. Otherwise the midpoint of the bucket that holds rank
 * ceil(pct/100 * completed) (a bucket with lo == hi is exact), clamped to [min_ns, max_ns];
 * NAN when unknown. `o` may be NULL (unused for now). */
double hp_fn_percentile(const struct hp_fn_row *r, double pct, const struct hp_report_opts *o);
/* Average of the completed calls, rounded; 0 when none completed. */
uint64_t hp_fn_avg_ns(const struct hp_fn_row *r);

/* A double (from a region's ticks, a saved report) as a uint64_t without undefined behaviour:
 * NAN and negatives are 0, 2^64 and above UINT64_MAX. */
static inline uint64_t hp_u64_of(double v)
{
	if (!(v > 0))
		return 0;
	return v >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)v;
}

void hp_proc_free(struct hp_proc *p);
/* calloc(n, size) for arrays of megabytes (100,000 function rows are 48 MB): backed by
 * transparent huge pages where the kernel allows, one page fault per 2 MiB instead of one per
 * 4 KiB, which was a third of the report's time at 100k functions. Smaller arrays are plain
 * calloc. Free with free(). NULL on no memory. */
void *hp_calloc_big(size_t n, size_t size);
/* Only p's function rows (p->fns, nfns 0 after). */
void hp_proc_free_functions(struct hp_proc *p);
/* Sort functions by total_ns (descending, then name), drop rows beyond `limit` (0 = keep),
 * and compute percent_total. Applied to children too. */
void hp_proc_finish(struct hp_proc *p, int limit);
void hp_proc_add_note(struct hp_proc *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *hp_proc_state_name(int state);
/* Add a row to m->leaks unless it is full (HP_MEM_LEAKS) or bytes is 0; callers add by bytes,
 * descending. */
void hp_mem_add_leak(struct hp_mem *m, const char *name, uint64_t bytes, uint64_t count);
const char *hp_profiling_mode(uint32_t modes); /* "timing", "alloc", "timing+alloc" */

/* The channels, locks and io rows of p (not its children). */
void hp_flow_free(struct hp_proc *p);
/* Set the hidden sections on p and its children. */
void hp_flow_hide(struct hp_proc *p, unsigned bits);
const char *hp_chan_kind_name(int kind);
const char *hp_lock_kind_name(int kind);
const char *hp_io_kind_name(int kind);

void hp_patch_info_free(struct hp_patch_info *pi);

/* The last component of a path ("" for NULL; the whole path when it ends in '/'). */
const char *hp_base_name(const char *path);

#endif
