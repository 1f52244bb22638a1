/* report.h - the report model: what a region, a saved JSON report or (later) a stored run turns
 * into, and what the table and JSON renderers print. Times are ns, sizes bytes. */
#ifndef HP_REPORT_H
#define HP_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HP_REPORT_SCHEMA 1
#define HP_MAX_PCTS 16

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
	uint64_t sum_ns;    /* inclusive, summed over completed calls: avg = sum / completed */
	uint64_t min_ns, max_ns;
	double percent_total; /* total_ns / wall_ns * 100 */
	uint64_t alloc_count, alloc_bytes, free_count, free_bytes;
	struct hp_hbucket *hist; /* non-empty buckets, ascending; NULL when none */
	size_t nhist;
	/* Percentiles as loaded from a saved report (NAN when absent): pct_given[i] is the value
	 * of percentile pct_given_for[i] (95 for p95_ns). */
	double pct_given[HP_MAX_PCTS];
	/* Which percentile each pct_given entry holds (indexed like the proc's pcts_saved, so that
	 * hp_fn_percentile can match by number without the proc); 0 marks an unused entry, so a
	 * zeroed row has none. */
	double pct_given_for[HP_MAX_PCTS];
};

struct hp_thread_row {
	int tid;
	char *name;
	char *start_routine; /* symbolized, NULL for the main thread */
	int running;
	int64_t start_ns, end_ns; /* relative to the process start; end 0 while running */
	uint64_t cpu_user_ns, cpu_sys_ns;
	uint64_t alloc_count, alloc_bytes, free_count, free_bytes;
	uint64_t lock_wait_ns, io_block_ns;
	uint64_t calls; /* function calls recorded on this thread */
};

/* Memory (report_mem.c): process totals of the malloc family, filled when the process ran with
 * HP_MODE_ALLOC (valid set). Counts and bytes follow docs/json.md "memory". */
#define HP_MEM_LEAKS 5
struct hp_mem_leak {
	char name[160]; /* function that allocated the blocks, "(outside measured functions)" */
	uint64_t bytes, count; /* still live at exit (or now, for a running process) */
};
struct hp_mem {
	int valid;
	uint64_t alloc_count, alloc_bytes, free_count, free_bytes;
	uint64_t peak_live_bytes, live_bytes_at_exit;
	uint64_t outside[4]; /* alloc_count, alloc_bytes, free_count, free_bytes outside functions */
	struct hp_mem_leak leaks[HP_MEM_LEAKS]; /* by bytes, descending */
	int nleaks;
};

enum hp_proc_state { HP_PS_RUNNING, HP_PS_EXITED, HP_PS_SIGNALED, HP_PS_EXECED, HP_PS_VANISHED };

struct hp_proc {
	int pid, ppid;
	char **argv;
	int argc;
	char *exe;
	int state;	     /* enum hp_proc_state */
	int exit_status;     /* valid when HP_PS_EXITED */
	int term_signal;     /* valid when HP_PS_SIGNALED */
	int64_t start_unix_ns; /* CLOCK_REALTIME at start */
	uint64_t wall_ns;    /* main()'s duration (or the image's life when main never ran) */
	uint32_t modes;	     /* enum hp_mode */
	uint32_t flags;	     /* enum hp_region_flag */
	uint32_t exec_count;
	uint64_t dropped, depth_overflow, unmatched_exits;
	struct hp_fn_row *fns; /* sorted by total_ns descending */
	size_t nfns;
	size_t nfns_total; /* before a limit was applied */
	struct hp_thread_row *threads;
	size_t nthreads;
	struct hp_proc *children; /* descendants (flat), only on the top process */
	size_t nchildren;
	char **notes; /* one-line remarks for the user ("main has no hooks", …) */
	size_t nnotes;
	/* The percentiles a saved report was written with (hp_report_from_json sets them;
	 * `hotpath report` shows these unless -p is given). pct_given[k] of each row holds the
	 * value of pcts_saved[k]. */
	double pcts_saved[HP_MAX_PCTS];
	int npcts_saved;
	struct hp_mem mem; /* report_mem.c: memory totals (alloc mode) */
	/* Data flow and concurrency (tools/report/report_flow.h, docs/dataflow.md). */
	struct hp_chan_row *chans; /* in creation order */
	size_t nchans;
	struct hp_lock_row *locks; /* by total wait, descending */
	size_t nlocks;
	struct hp_io_row *io; /* one per fd kind that saw I/O */
	size_t nio;
	unsigned flow_hide; /* HP_FLOW_HIDE_*: report sections switched off */
	/* Patching (tools/report/report_patch.h, docs/patching.md): NULL when nothing was patched. */
	struct hp_patch_info *patch;
};

struct hp_report_opts {
	double pcts[HP_MAX_PCTS]; /* ascending */
	int npcts;
	int limit;  /* 0 = all */
	int format; /* HP_FMT_* */
};
enum { HP_FMT_TABLE, HP_FMT_JSON, HP_FMT_JSON_PRETTY };

/* Percentile `pct` of a row, in ns. A value saved for exactly this percentile (pct_given)
 * wins: it was computed before the histogram bounds were rounded for JSON, so a loaded report
 * shows what was saved. Otherwise the midpoint of the bucket that holds rank
 * ceil(pct/100 * completed) (a bucket with lo == hi is exact), clamped to [min_ns, max_ns];
 * NAN when unknown. `o` may be NULL (unused for now). */
double hp_fn_percentile(const struct hp_fn_row *r, double pct, const struct hp_report_opts *o);

/* Render the whole report (top process and its children). Table: the hotpath-rs layout on
 * `f`; JSON: the documented schema (docs/json.md). `o` NULL means a table with P95. Returns 0,
 * -EIO when `f` had a write error, or -ENOMEM. */
int hp_report_render(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o);

/* Build a model from a saved JSON report (text). Returns 0, or -EINVAL with err naming what
 * is wrong ("functions[3].calls: expected a number"), or -ENOMEM; on error *out is empty (safe
 * to hp_proc_free). Rows keep the saved order and values; nothing is recomputed. */
int hp_report_from_json(const char *text, size_t len, struct hp_proc *out, char *err, size_t errlen);

void hp_proc_free(struct hp_proc *p);
/* Sort functions by total_ns (descending, then name), drop rows beyond `limit` (0 = keep),
 * and compute percent_total. Applied to children too. */
void hp_proc_finish(struct hp_proc *p, int limit);
void hp_proc_add_note(struct hp_proc *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "209.92 ms", "169.91 µs", "12 ns", "1.23 s", "2m 03.4s": the table's time format. */
void hp_fmt_ns(char *buf, size_t size, double ns);
const char *hp_proc_state_name(int state);
const char *hp_profiling_mode(uint32_t modes); /* "timing", "alloc", "timing+alloc" */

#endif
