/* console.h - `hotpath console`: the live ncurses dashboard. Shared state of the console, the
 * interface every pane implements (struct hp_pane_ops), and the helpers panes draw with.
 *
 * Layout of the tree: dashboard.c (main loop, keys), screen.c (curses set-up and restore on every
 * exit path, drawing helpers), source.c (attach to a region, rebuild the model each refresh,
 * rates), table.c (the generic sortable, filterable table every tab is), picker.c (the list of
 * profiled processes), inspect.c (one function in depth), pane_*.c (one tab each). Adding a tab
 * is one pane_*.c file plus its row in the panes[] table of dashboard.c. */
#ifndef HP_CONSOLE_H
#define HP_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "tools/region/region_read.h"
#include "tools/report/report.h"
#include "symbolize/symbolize.h"

#define HP_CON_SPARK 60 /* rate samples kept per function: one per refresh */
#define HP_CON_FILTER_MAX 128
#define HP_CON_MAX_PANES 12
#define HP_CON_MAX_COLS 24

struct hp_console;

/* How a column draws its value (table.c); HP_COL_TEXT asks the column's text(). */
enum hp_col_fmt {
	HP_COL_TEXT,
	HP_COL_COUNT,	 /* hp_con_fmt_count */
	HP_COL_NS,	 /* hp_fmt_ns */
	HP_COL_NS_ROUND, /* hp_fmt_ns of the value rounded to whole ns first */
	HP_COL_BYTES,	 /* hp_con_fmt_bytes */
	HP_COL_PCT,	 /* "12.34%", "-" when unknown */
	HP_COL_RATE,	 /* hp_con_fmt_rate */
};

/* One column of a table pane, declared once: its title and width, how its value is drawn, and
 * where the value comes from. get() is both what is drawn and the numeric sort key (NULL: none,
 * NAN); a text_key column sorts by the row's label instead. */
struct hp_col {
	const char *title;
	int width;    /* display columns; the first (name) column takes what is left, >= width */
	int right;    /* right-aligned (numbers) */
	int text_key; /* sorts by the row's label (ascending by default) rather than a number */
	int fmt;      /* enum hp_col_fmt */
	double (*get)(struct hp_console *c, size_t i, int arg);
	/* HP_COL_TEXT: the text of row i, given its value v (NAN without get). */
	void (*text)(struct hp_console *c, size_t i, double v, char *buf, size_t size);
	int arg; /* handed to get (the Functions tab: which percentile) */
};

/* A tab. Every tab is a table of rows drawn by table.c: the pane says what the rows are and
 * lists its columns. Rows are indexes into whatever the pane reads (the model in c->proc, or
 * the region's rows); they only have to stay valid until the next refresh. */
struct hp_pane_ops {
	const char *name;	   /* tab title */
	const struct hp_col *cols; /* the columns (HP_PANE_COLS fills cols and ncols) */
	int ncols;
	/* Optional, instead of cols: columns that depend on the model (the Functions tab's
	 * percentiles); fills at most `max`, returns how many. */
	int (*columns)(struct hp_console *c, struct hp_col *cols, int max);
	size_t (*count)(struct hp_console *c);
	const char *(*label)(struct hp_console *c, size_t i); /* what `/` filters on */
	uint64_t (*id)(struct hp_console *c, size_t i); /* keeps the selection across refreshes */
	/* Optional: lines above the table (totals), at most `max`; returns how many were drawn. */
	int (*summary)(struct hp_console *c, int y, int w, int max);
	/* Optional: why the table is empty ("allocation tracking is off: ..."), NULL for none. */
	const char *(*empty)(struct hp_console *c);
	int default_sort; /* column sorted by at first (descending unless text_key); < 0 counts
			  * from the end (-1 = last) */
	int inspectable;  /* Enter/i opens the Inspect view for the row (id = function address) */
	int ordered;	  /* rows come in the pane's own order (a tree): the table does not sort
			   * them, the pane orders them by the sort column itself */
	int model_rows;	  /* its rows and their values change only with the model (c->model_gen):
			   * the table keeps their sorted order between refreshes (table.c) */
	/* Optional: a key for the pane before the dashboard's own (expand/collapse); returns 1
	 * when it took the key. */
	int (*keypress)(struct hp_console *c, int ch);
};
#define HP_PANE_COLS(a) .cols = (a), .ncols = (int)(sizeof(a) / sizeof((a)[0]))

extern const struct hp_pane_ops hp_pane_tree, hp_pane_cpu;
extern const struct hp_pane_ops hp_pane_functions, hp_pane_memory, hp_pane_threads,
	hp_pane_channels, hp_pane_locks, hp_pane_picker;

/* Per-function history kept across refreshes, keyed by address. */
struct hp_fn_hist {
	uint64_t addr;
	uint64_t prev_calls;
	double rate;		   /* calls/s over the last refresh interval */
	float spark[HP_CON_SPARK]; /* ring of rates, oldest at spark_head when full */
	int nspark, spark_head;
};

/* Per-thread CPU time sampled from /proc between refreshes. */
struct hp_thread_cpu {
	int tid;
	uint64_t prev_ticks;	  /* utime+stime in clock ticks at the previous refresh */
	uint64_t user_ns, sys_ns; /* latest */
	double cpu_pct;
	int seen; /* generation stamp */
};

struct hp_pane_state {
	int sort_col, sort_desc, sort_set;
	int sel, top;
	uint64_t sel_id;
};

enum hp_con_mode { HP_CON_PICKER, HP_CON_DASH, HP_CON_INSPECT };

struct hp_console {
	/* Settings. */
	double interval_s;
	double pcts[HP_MAX_PCTS];
	int npcts;
	int want_pid;	      /* 0: pick from the list */
	int follow;	      /* picker: attach to a process that starts while it is shown */
	const char *log_path; /* `hotpath run --console`: where the program's output goes */

	/* Terminal. */
	int color, utf8, rows, cols;

	/* What is shown. */
	int mode; /* enum hp_con_mode */
	int tab;
	int paused, help, filtering, quit;
	int show_log; /* `o`: the program's output (run --console) instead of the tab */
	char filter[HP_CON_FILTER_MAX];
	char edit[HP_CON_FILTER_MAX];	     /* the filter being typed */
	char pick_filter[HP_CON_FILTER_MAX]; /* the picker's, kept while a process is shown */
	struct hp_pane_state ps[HP_CON_MAX_PANES];
	uint64_t inspect_addr;
	struct hp_sym_info *inspect_info; /* file:line of the inspected function, looked up once */
	char inspect_module[HP_PATH_MAX];
	char status[256]; /* transient one-line message in the footer */

	/* The source. */
	int attached; /* reg is mapped */
	int no_retry; /* the region broke while watched: do not re-attach every refresh */
	struct hp_rregion reg;
	char message[1024]; /* why nothing is shown (not profiled, corrupted, ...), "" if none */
	char ended[256];    /* "process 42 exited with status 0", "" while it runs */
	struct hp_symbolizer *sym;
	struct hp_proc proc;
	int have_proc;
	int64_t last_refresh_ns, prev_refresh_ns;
	int64_t refresh_cpu_ns; /* CPU time the last model rebuild took (see hp_con_interval_ns) */
	uint64_t refreshes;
	uint64_t model_gen; /* changes whenever c->proc does (refresh, detach); never reset */
	struct hp_fn_hist *hist;
	size_t hist_cap, hist_n; /* open addressing, cap a power of two */
	struct hp_thread_cpu *tcpu;
	size_t ntcpu, tcpu_cap;
	uint64_t rss_bytes;
	/* The Memory tab: `s` switches it to allocation stacks (pane_memory.c); the process's
	 * live bytes at each refresh, a ring like hp_fn_hist.spark. */
	int mem_stacks;
	float live_spark[HP_CON_SPARK];
	int live_nspark, live_head;
	/* The CPU tab's sample counts at earlier refreshes (pane_cpu.c), NULL before the first. */
	struct hp_con_cpu *cpu;

	/* Picker. */
	struct hp_pick *picks;
	int npicks;
	char **seen_paths; /* regions present when the picker first listed */
	int nseen;
	int picker_listed;
};

/* dashboard.c: run the dashboard until q or a signal. Returns the exit status for the command
 * (0, or 128 + signal), or -1 when the terminal cannot be used (message printed). */
int hp_console_run(struct hp_console *c);

/* source.c */
void hp_con_source_init(struct hp_console *c);
void hp_con_source_free(struct hp_console *c);
/* Attach to the newest region at `path` (or of c->want_pid when path is NULL). On failure
 * c->message says why, on screen. Returns 0 or -1. */
int hp_con_attach(struct hp_console *c, const char *path);
void hp_con_detach(struct hp_console *c);
/* Rebuild the model from the region and update rates; re-attach after an exec. */
void hp_con_refresh(struct hp_console *c);
const struct hp_fn_hist *hp_con_fn_hist(const struct hp_console *c, uint64_t addr);
const struct hp_thread_cpu *hp_con_thread_cpu(const struct hp_console *c, int tid);
const struct hp_fn_row *hp_con_find_fn(const struct hp_console *c, uint64_t addr);
int64_t hp_con_now_ns(void);
/* The refresh interval in effect: the configured one, stretched when rebuilding the model
 * costs more than 1.5% of it (a very large region), so the console stays within its CPU
 * budget. */
int64_t hp_con_interval_ns(const struct hp_console *c);

/* pane_cpu.c: keep the CPU samples of this refresh (after the model is rebuilt), so that the
 * CPU tab shows the last few seconds; free them when the process changes. */
void hp_con_cpu_update(struct hp_console *c);
void hp_con_cpu_free(struct hp_console *c);

/* picker.c: the list of profiled processes is a pane too (hp_pane_picker). */
/* List the regions again; with c->follow, attach to a process that started since the first
 * listing (returns 1 then). */
int hp_con_picker_refresh(struct hp_console *c);
/* Switch between the list and a process: each has its own filter. */
void hp_con_picker_leave(struct hp_console *c);
void hp_con_picker_back(struct hp_console *c);
/* Attach to the selected process. */
void hp_con_picker_open(struct hp_console *c);
void hp_con_picker_free(struct hp_console *c);

/* table.c */
/* Sort and selection of the table shown (the picker has its own). */
struct hp_pane_state *hp_con_pane_state(struct hp_console *c);
void hp_con_table_draw(struct hp_console *c, const struct hp_pane_ops *p, int y, int h);
void hp_con_table_key(struct hp_console *c, const struct hp_pane_ops *p, int ch);
/* The id of the selected row, 0 when none. */
uint64_t hp_con_table_selected(struct hp_console *c, const struct hp_pane_ops *p);
/* Footer text for the pane's sort: "sort: Total v". */
void hp_con_table_sort_label(struct hp_console *c, const struct hp_pane_ops *p, char *buf,
			     size_t n);

/* logview.c: the tail of c->log_path in lines y..y+h-1. */
void hp_con_log_draw(struct hp_console *c, int y, int h);

/* inspect.c */
/* The Inspect view from row y down (below the "process exited" line when there is one). */
void hp_con_inspect_draw(struct hp_console *c, int y);
void hp_con_inspect_open(struct hp_console *c, uint64_t addr);
void hp_con_inspect_close(struct hp_console *c);

/* screen.c */
int hp_con_screen_start(struct hp_console *c);
void hp_con_screen_stop(void);
/* Wait for a key, a signal or `timeout_ms` (-1: forever). Returns the key, 0 on timeout or
 * resize handled, -1 when SIGINT/SIGTERM/SIGHUP asked to quit (*sig set). */
int hp_con_wait(struct hp_console *c, int timeout_ms, int *sig);
/* Attributes for what a string is: title bars, headers, the selection, warnings. */
enum { HP_A_TITLE = 1, HP_A_HEADER, HP_A_SELECTED, HP_A_WARN, HP_A_DIM, HP_A_BAR, HP_A_GOOD };
int hp_con_attr(const struct hp_console *c, int what);
/* Draw `s` at (y, x) clipped to `w` display columns, padded to w when pad; right-aligned when
 * right. Handles UTF-8 (µs) and falls back to ASCII when the terminal is not UTF-8. */
void hp_con_put(const struct hp_console *c, int y, int x, int w, const char *s, int right, int pad);
int hp_con_text_cols(const char *s);
/* A box in the middle of the screen with these lines (help, messages). */
void hp_con_box(struct hp_console *c, const char *title, const char *const *text, int n);
/* Formatting shared by panes. */
void hp_con_fmt_count(char *buf, size_t n, double v); /* exact below 10^9, then "1.23G" */
void hp_con_fmt_bytes(char *buf, size_t n, double bytes);
/* A sparkline of the ring `v` (n values, oldest at `head` when full) on row y from column x,
 * w wide at most, scaled to its maximum. */
void hp_con_spark(const struct hp_console *c, int y, int x, int w, const float *v, int n, int head);
void hp_con_fmt_rate(char *buf, size_t n, double per_s);
void hp_con_fmt_age(char *buf, size_t n, double secs);

#endif
