/* report_table.c - the text report: hotpath-rs style timing and allocation tables per process,
 * then the memory (report_mem.c) and flow (report_flow.c) sections, notes and status. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hp/region.h"
#include "report_astacks.h"
#include "report_cpu.h"
#include "report_flow.h"
#include "report_int.h"
#include "report_mem.h"
#include "textfmt.h"

#define NAME_COLS 60 /* function names wider than this are cut, ending in "…" */
#define CMD_COLS 80  /* command line in a child's heading */
#define CELL_MAX 512 /* one table cell: NAME_COLS code points of up to 4 bytes, and more */
#define MAX_COLS (HP_MAX_PCTS + 6)
#define TIMING_TITLE "[hotpath] timing - Execution duration of functions.\n"
#define ALLOC_TITLE "[hotpath] alloc - Memory allocated by functions.\n"

/* The wall-time form on a report's second line: hp_fmt_ns without spaces ("210.02ms"). */
static void fmt_ns_compact(char *buf, size_t size, double ns)
{
	char tmp[64];
	size_t o = 0;

	hp_fmt_ns(tmp, sizeof(tmp), ns);
	for (const char *s = tmp; *s && o + 1 < size; s++)
		if (*s != ' ')
			buf[o++] = *s;
	if (size)
		buf[o] = 0;
}

struct table {
	int ncols;
	char hdr[MAX_COLS][24];
	size_t nrows;
	const size_t *order; /* row i shows fns[order[i]]; NULL: in stored order */
	const struct hp_proc *p;
	const struct hp_report_opts *o;
	double alloc_total; /* bytes the process allocated, 0 when unknown */
	void (*cell)(const struct table *t, const struct hp_fn_row *r, int col, char *buf,
		     size_t size);
};

static void name_cell(const struct hp_fn_row *r, char *buf, size_t size)
{
	char addr[32];

	if (!r->name)
		snprintf(addr, sizeof(addr), "0x%" PRIx64, r->addr);
	hp_fit_cols(buf, size, r->name ? r->name : addr, NAME_COLS);
}

static void percent_cell(double v, char *buf, size_t size)
{
	if (isfinite(v))
		snprintf(buf, size, "%.2f%%", v);
	else
		snprintf(buf, size, "-");
}

/* Function | Calls | Avg | P… | Total | Self | % Total */
static void timing_cell(const struct table *t, const struct hp_fn_row *r, int col, char *buf,
			size_t size)
{
	int npcts = t->o->npcts;

	if (col == 0) {
		name_cell(r, buf, size);
	} else if (col == 1) {
		snprintf(buf, size, "%" PRIu64, r->calls);
	} else if (col == 2) {
		hp_fmt_ns(buf, size, r->completed ? (double)hp_fn_avg_ns(r) : NAN);
	} else if (col < 3 + npcts) {
		double v = hp_fn_percentile(r, t->o->pcts[col - 3], t->o);
		hp_fmt_ns(buf, size, isnan(v) ? v : round(v));
	} else if (col == 3 + npcts) {
		hp_fmt_ns(buf, size, (double)r->total_ns);
	} else if (col == 4 + npcts) {
		hp_fmt_ns(buf, size, (double)r->self_ns);
	} else {
		percent_cell(r->percent_total, buf, size);
	}
}

/* Function | Calls | Avg bytes | Total bytes | Alloc count | % Total */
static void alloc_cell(const struct table *t, const struct hp_fn_row *r, int col, char *buf,
		       size_t size)
{
	switch (col) {
	case 0: name_cell(r, buf, size); break;
	case 1: snprintf(buf, size, "%" PRIu64, r->calls); break;
	case 2:
		hp_fmt_bytes(buf, size, r->calls ? (double)r->alloc_bytes / (double)r->calls : NAN);
		break;
	case 3: hp_fmt_bytes(buf, size, (double)r->alloc_bytes); break;
	case 4: snprintf(buf, size, "%" PRIu64, r->alloc_count); break;
	default:
		percent_cell(t->alloc_total > 0 ? (double)r->alloc_bytes * 100.0 / t->alloc_total
						: NAN,
			     buf, size);
	}
}

static const struct hp_fn_row *table_row(const struct table *t, size_t i)
{
	return &t->p->fns[t->order ? t->order[i] : i];
}

static void table_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct table *t = ctx;
	t->cell(t, table_row(t, row), col, buf, size);
}

/* The function tables through the shared printer (textfmt.c). */
static void table_print(FILE *f, const struct table *t)
{
	struct hp_textable tt = {.ncols = t->ncols, .nrows = t->nrows, .cell = table_cell, .ctx = t};
	for (int c = 0; c < t->ncols; c++)
		tt.hdr[c] = t->hdr[c];
	hp_textable_print(f, &tt);
}

static void print_timing(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o)
{
	size_t n = p->nfns_timed && p->nfns_timed < p->nfns ? p->nfns_timed : p->nfns;
	struct table t = {.p = p, .o = o, .nrows = n, .cell = timing_cell};
	char num[16];

	snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "Function");
	snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "Calls");
	snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "Avg");
	for (int i = 0; i < o->npcts; i++) {
		hp_fmt_pct(num, sizeof(num), o->pcts[i], '.');
		snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "P%s", num);
	}
	snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "Total");
	snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "Self");
	snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "%% Total");
	table_print(f, &t);
}

static int alloc_order_cmp(const void *a, const void *b, void *proc)
{
	const struct hp_fn_row *x = &((const struct hp_proc *)proc)->fns[*(const size_t *)a];
	const struct hp_fn_row *y = &((const struct hp_proc *)proc)->fns[*(const size_t *)b];

	if (x->alloc_bytes != y->alloc_bytes)
		return x->alloc_bytes > y->alloc_bytes ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

/* Rows that allocated, by bytes allocated. % Total is against the bytes the whole process
 * allocated (its threads' sum); "-" when the report has no thread rows. */
static int print_alloc(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o)
{
	struct table t = {.p = p, .o = o, .ncols = 6, .cell = alloc_cell};
	static const char *const hdr[] = {"Function",	 "Calls",	"Avg bytes",
					  "Total bytes", "Alloc count", "% Total"};
	size_t *order = malloc((p->nfns ? p->nfns : 1) * sizeof(*order));

	if (!order)
		return -ENOMEM;
	for (int c = 0; c < t.ncols; c++)
		snprintf(t.hdr[c], sizeof(t.hdr[c]), "%s", hdr[c]);
	for (size_t i = 0; i < p->nfns; i++)
		if (p->fns[i].alloc_count || p->fns[i].alloc_bytes)
			order[t.nrows++] = i;
	for (size_t i = 0; i < p->nthreads; i++)
		t.alloc_total += (double)p->threads[i].alloc_bytes;
	qsort_r(order, t.nrows, sizeof(*order), alloc_order_cmp, (void *)p);
	t.order = order;
	size_t all = t.nrows > p->nfns_alloc_total ? t.nrows : p->nfns_alloc_total;
	if (p->alloc_shown && t.nrows > p->alloc_shown)
		t.nrows = p->alloc_shown;
	if (t.nrows)
		table_print(f, &t);
	else
		fputs("(no allocation was attributed to a function)\n", f);
	if (t.nrows < all)
		fprintf(f,
			"(showing %zu of %zu functions that allocated, by bytes; --limit 0 shows all)\n",
			t.nrows, all);
	free(order);
	return 0;
}

static int wants_alloc(const struct hp_proc *p)
{
	if (p->modes & HP_MODE_ALLOC)
		return 1;
	for (size_t i = 0; i < p->nfns; i++) {
		const struct hp_fn_row *r = &p->fns[i];
		if (r->alloc_count || r->alloc_bytes || r->free_count || r->free_bytes)
			return 1;
	}
	return 0;
}

static void print_status(FILE *f, const struct hp_proc *p)
{
	switch (p->state) {
	case HP_PS_RUNNING: fputs("still running: this is a snapshot\n", f); break;
	case HP_PS_EXITED:
		if (p->exit_status)
			fprintf(f, "exit status %d\n", p->exit_status);
		break;
	case HP_PS_SIGNALED: {
		const char *abbrev = sigabbrev_np(p->term_signal);
		if (abbrev)
			fprintf(f, "killed by signal %d (SIG%s)\n", p->term_signal, abbrev);
		else
			fprintf(f, "killed by signal %d\n", p->term_signal);
		break;
	}
	case HP_PS_EXECED:
		fputs("replaced its image with exec: the new image is reported on its own\n", f);
		break;
	default: fputs("vanished: its exit status is unknown\n", f); break;
	}
}

/* One process: tables, the limit line, notes, counters, status. */
static int print_proc(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o)
{
	const char *prog = p->argc > 0 && p->argv ? p->argv[0] : p->exe;
	int alloc = wants_alloc(p), timing = strcmp(hp_profiling_mode(p->modes), "alloc") != 0;
	char wall[64], esc[HP_CMDLINE_MAX];

	fmt_ns_compact(wall, sizeof(wall), (double)p->wall_ns);
	fputs(timing ? TIMING_TITLE : ALLOC_TITLE, f);
	fprintf(f, "%s: %s\n", hp_text_escape(esc, sizeof(esc), prog ? hp_base_name(prog) : "?"),
		wall);
	if (!p->nfns) {
		if (!p->cpu || !p->cpu->samples) /* else the CPU section says where time went */
			fputs("(no function was timed)\n", f);
		if (p->mem.valid &&
		    ((timing && fputs("\n" ALLOC_TITLE, f) < 0) || hp_mem_print(f, p) < 0))
			return -ENOMEM;
	} else {
		/* The limit note goes under the first table the limit cut. */
		size_t timed = p->nfns_timed && p->nfns_timed < p->nfns ? p->nfns_timed : p->nfns;
		int limited = p->nfns_total > timed;
		if (timing)
			print_timing(f, p, o);
		if (timing && limited)
			fprintf(f,
				"(showing %zu of %zu functions by total time; --limit 0 shows all)\n",
				timed, p->nfns_total);
		if (alloc && timing)
			fputs("\n" ALLOC_TITLE, f);
		/* The memory table with totals (report_mem.c) when the model has them. */
		if (alloc && (p->mem.valid ? hp_mem_print(f, p) : print_alloc(f, p, o)) < 0)
			return -ENOMEM;
	}
	if (hp_astacks_print(f, p, o->limit) < 0) /* leaks, peak, temporaries by stack */
		return -ENOMEM;
	if (hp_cpu_print(f, p, o->limit) < 0) /* where CPU time went (report_cpu.c) */
		return -ENOMEM;
	if (hp_flow_print(f, p, o) < 0) /* channels, locks, io, threads (report_flow.c) */
		return -ENOMEM;
	for (size_t i = 0; i < p->nnotes; i++)
		fprintf(f, "note: %s\n", hp_text_escape(esc, sizeof(esc), p->notes[i]));
	if (p->dropped > p->dropped_noted)
		fprintf(f,
			"note: %" PRIu64
			" %s dropped because the region was full; raise region_size\n",
			p->dropped, p->dropped == 1 ? "row" : "rows");
	if (p->depth_overflow)
		fprintf(f,
			"note: %" PRIu64
			" %s not timed because %s nested deeper than the shadow stack\n",
			p->depth_overflow, p->depth_overflow == 1 ? "call" : "calls",
			p->depth_overflow == 1 ? "it was" : "they were");
	if (p->unmatched_exits)
		fprintf(f,
			"note: %" PRIu64
			" function %s no matching entry (longjmp, exceptions or hooks that started mid-call)\n",
			p->unmatched_exits, p->unmatched_exits == 1 ? "exit had" : "exits had");
	print_status(f, p);
	return 0;
}

static void command_line(char *buf, size_t size, const struct hp_proc *p)
{
	char line[HP_CMDLINE_MAX];
	size_t o = 0;

	line[0] = 0;
	for (int i = 0; p->argv && i < p->argc; i++) {
		int n = snprintf(line + o, sizeof(line) - o, "%s%s", i ? " " : "",
				 p->argv[i] ? p->argv[i] : "");
		if (n < 0 || (size_t)n >= sizeof(line) - o)
			break;
		o += (size_t)n;
	}
	if (!line[0] && p->exe)
		snprintf(line, sizeof(line), "%s", p->exe);
	hp_fit_cols(buf, size, line, CMD_COLS);
}

/* One line for the child processes past --limit: how many, how they ended, their time. */
static void print_more_children(FILE *f, const struct hp_proc *p, size_t shown)
{
	size_t ok = 0, failed = 0, other = 0;
	double wall = 0;
	char buf[64];
	for (size_t i = shown; i < p->nchildren; i++) {
		const struct hp_proc *c = &p->children[i];
		wall += (double)c->wall_ns;
		if (c->state == HP_PS_EXITED)
			c->exit_status == 0 ? ok++ : failed++;
		else
			other++;
	}
	fmt_ns_compact(buf, sizeof(buf), wall);
	fprintf(f,
		"\n[hotpath] %zu more child processes not shown (--limit %zu): %zu exited 0, "
		"%zu failed, %zu replaced by exec or killed; %s in all (--limit 0 or --format "
		"json shows them)\n",
		p->nchildren - shown, shown, ok, failed, other, buf);
}

int hp_report_table(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o)
{
	char cmd[CMD_COLS * 4 + 8];

	if (print_proc(f, p, o) < 0)
		return -ENOMEM;
	/* --limit also caps the child process blocks (a shell loop starts hundreds): the first
	 * ones in start order, then one line for the rest. JSON keeps them all. */
	size_t shown = o->limit > 0 && p->nchildren > (size_t)o->limit ? (size_t)o->limit
								       : p->nchildren;
	for (size_t i = 0; p->children && i < shown; i++) {
		const struct hp_proc *c = &p->children[i];
		command_line(cmd, sizeof(cmd), c);
		fprintf(f, "\n[hotpath] process %d (%s), child of %d", c->pid, cmd, c->ppid);
		/* An image that only ran exec (a shell starting a pipeline member): one line, its
		 * successor has the figures. */
		if (c->state == HP_PS_EXECED && !c->nfns && !c->nchans && !c->nlocks &&
		    !c->mem.valid && !c->nnotes) {
			char wall[64];
			fmt_ns_compact(wall, sizeof(wall), (double)c->wall_ns);
			fprintf(f, ": nothing measured; replaced its image with exec after %s\n",
				wall);
			continue;
		}
		fputc('\n', f);
		if (print_proc(f, c, o) < 0)
			return -ENOMEM;
	}
	if (shown < p->nchildren)
		print_more_children(f, p, shown);
	return 0;
}
