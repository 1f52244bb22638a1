/* report_fmt.c - the report model's helpers and its two renderers: hotpath-rs style tables and
 * the JSON document described in docs/json.md. */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hp/region.h"
#include "json.h"
#include "report.h"
#include "textfmt.h"
#include "report_mem.h"
#include "report_flow.h"
#include "report_patch.h"

#ifndef HP_VERSION
#define HP_VERSION "unknown"
#endif

#define NAME_COLS 60 /* function names wider than this are cut, ending in "…" */
#define CMD_COLS 80  /* command line in a child's heading */
#define CELL_MAX 512 /* one table cell: NAME_COLS code points of up to 4 bytes, and more */
#define MAX_COLS (HP_MAX_PCTS + 6)
#define TIMING_TITLE "[hotpath] timing - Execution duration of functions.\n"
#define ALLOC_TITLE "[hotpath] alloc - Memory allocated by functions.\n"

/* ---- small helpers ---- */

const char *hp_proc_state_name(int state)
{
	switch (state) {
	case HP_PS_RUNNING: return "running";
	case HP_PS_EXITED: return "exited";
	case HP_PS_SIGNALED: return "killed";
	case HP_PS_EXECED: return "execed";
	case HP_PS_VANISHED: return "vanished";
	}
	return "unknown";
}

const char *hp_profiling_mode(uint32_t modes)
{
	if (modes & HP_MODE_ALLOC)
		return modes & HP_MODE_TIMING ? "timing+alloc" : "alloc";
	return "timing";
}

/* Below 1 µs whole ns ("12 ns"); then two decimals in µs, ms or s ("169.91 µs", "1.23 s");
 * from 60 s minutes and tenths of seconds ("2m 03.4s"). Units are chosen after rounding, so
 * 999.996 µs prints as "1.00 ms", never "1000.00 µs". Digits come from integers: no locale
 * can turn the point into a comma. Negative and non-finite values print as "-". */
void hp_fmt_ns(char *buf, size_t size, double ns)
{
	double t;

	if (!size)
		return;
	if (!isfinite(ns) || ns < 0) {
		snprintf(buf, size, "-");
		return;
	}
	if ((t = round(ns)) < 1000) {
		snprintf(buf, size, "%d ns", (int)t);
	} else if ((t = round(ns / 1e1)) < 100000) {
		snprintf(buf, size, "%d.%02d µs", (int)(t / 100), (int)fmod(t, 100));
	} else if ((t = round(ns / 1e4)) < 100000) {
		snprintf(buf, size, "%d.%02d ms", (int)(t / 100), (int)fmod(t, 100));
	} else if ((t = round(ns / 1e7)) < 6000) {
		snprintf(buf, size, "%d.%02d s", (int)(t / 100), (int)fmod(t, 100));
	} else {
		t = round(ns / 1e8); /* tenths of a second */
		double min = floor(t / 600), tenths = t - min * 600;
		snprintf(buf, size, "%.0fm %02d.%ds", min, (int)(tenths / 10), (int)fmod(tenths, 10));
	}
}

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

/* A percentile number as people write it: 95, 99.9 (shortest that reads back the same).
 * Called with the C locale in effect. */
static int pct_decimals(double pct)
{
	char tmp[64];

	for (int d = 0; d < 10; d++) {
		snprintf(tmp, sizeof(tmp), "%.*f", d, pct);
		if (strtod(tmp, NULL) == pct)
			return d;
	}
	return 10;
}

static void fmt_pct_num(char *buf, size_t size, double pct, char point)
{
	snprintf(buf, size, "%.*f", pct_decimals(pct), pct);
	char *dot = strchr(buf, '.');
	if (dot)
		*dot = point;
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

static uint64_t avg_ns(const struct hp_fn_row *r)
{
	return r->completed ? (r->sum_ns + r->completed / 2) / r->completed : 0;
}

/* The C locale for the renderers' printf of doubles, made once. */
static locale_t c_locale(void)
{
	static locale_t shared;
	locale_t loc = __atomic_load_n(&shared, __ATOMIC_ACQUIRE), none = (locale_t)0;

	if (!loc && (loc = newlocale(LC_ALL_MASK, "C", (locale_t)0)) &&
	    !__atomic_compare_exchange_n(&shared, &none, loc, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		freelocale(loc); /* another thread was first */
		loc = none;
	}
	return loc;
}

/* ---- the model ---- */

static void fn_row_free(struct hp_fn_row *r)
{
	free(r->name);
	free(r->module);
	free(r->file);
	free(r->hist);
}

void hp_proc_free(struct hp_proc *p)
{
	if (!p)
		return;
	for (int i = 0; p->argv && i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	free(p->exe);
	for (size_t i = 0; p->fns && i < p->nfns; i++)
		fn_row_free(&p->fns[i]);
	free(p->fns);
	for (size_t i = 0; p->threads && i < p->nthreads; i++) {
		free(p->threads[i].name);
		free(p->threads[i].start_routine);
	}
	free(p->threads);
	for (size_t i = 0; p->children && i < p->nchildren; i++)
		hp_proc_free(&p->children[i]);
	free(p->children);
	for (size_t i = 0; p->notes && i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
	hp_flow_free(p); /* report_flow.c */
	hp_patch_info_free(p->patch); /* report_patch.c */
	memset(p, 0, sizeof(*p));
}

void hp_proc_add_note(struct hp_proc *p, const char *fmt, ...)
{
	va_list ap;
	char *s, **notes;

	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	notes = realloc(p->notes, (p->nnotes + 1) * sizeof(*notes));
	if (!notes) {
		free(s);
		return;
	}
	notes[p->nnotes++] = s;
	p->notes = notes;
}

static int fn_cmp(const void *a, const void *b)
{
	const struct hp_fn_row *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

void hp_proc_finish(struct hp_proc *p, int limit)
{
	if (p->nfns > 1)
		qsort(p->fns, p->nfns, sizeof(*p->fns), fn_cmp);
	/* A loaded report may have been cut already: keep the larger count. */
	if (p->nfns_total < p->nfns)
		p->nfns_total = p->nfns;
	if (limit > 0 && p->nfns > (size_t)limit) {
		for (size_t i = (size_t)limit; i < p->nfns; i++)
			fn_row_free(&p->fns[i]);
		p->nfns = (size_t)limit;
	}
	for (size_t i = 0; i < p->nfns; i++)
		p->fns[i].percent_total = p->wall_ns ? (double)p->fns[i].total_ns * 100.0 / (double)p->wall_ns : 0;
	for (size_t i = 0; p->children && i < p->nchildren; i++)
		hp_proc_finish(&p->children[i], limit);
}

double hp_fn_percentile(const struct hp_fn_row *r, double pct, const struct hp_report_opts *o)
{
	(void)o;
	for (int i = 0; i < HP_MAX_PCTS; i++)
		if (r->pct_given_for[i] > 0 && fabs(r->pct_given_for[i] - pct) < 1e-9 &&
		    !isnan(r->pct_given[i]))
			return r->pct_given[i];
	if (!r->hist || !r->nhist)
		return NAN;

	uint64_t n = r->completed, seen = 0, rank;
	if (!n)
		for (size_t i = 0; i < r->nhist; i++)
			n += r->hist[i].count;
	if (!n)
		return NAN;
	if (!(pct > 0))
		pct = 0;
	if (pct > 100)
		pct = 100;
	/* pct * n / 100 is inexact in the last bits: forgive them so a whole rank stays whole. */
	double x = pct * (double)n / 100.0;
	x = ceil(x - x * 1e-12);
	rank = x < 1 ? 1 : x >= (double)n ? n : (uint64_t)x;

	const struct hp_hbucket *b = &r->hist[r->nhist - 1]; /* fewer counts than calls: the last */
	for (size_t i = 0; i < r->nhist; i++) {
		seen += r->hist[i].count;
		if (seen >= rank) {
			b = &r->hist[i];
			break;
		}
	}
	double v = b->lo_ns == b->hi_ns ? b->lo_ns : (b->lo_ns + b->hi_ns) / 2;
	if (r->completed && r->min_ns <= r->max_ns) {
		if (v < (double)r->min_ns)
			v = (double)r->min_ns;
		if (v > (double)r->max_ns)
			v = (double)r->max_ns;
	}
	return v;
}

/* ---- tables ---- */

struct table {
	int ncols;
	char hdr[MAX_COLS][24];
	size_t nrows;
	const size_t *order; /* row i shows fns[order[i]]; NULL: in stored order */
	const struct hp_proc *p;
	const struct hp_report_opts *o;
	double alloc_total; /* bytes the process allocated, 0 when unknown */
	void (*cell)(const struct table *t, const struct hp_fn_row *r, int col, char *buf, size_t size);
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

/* Function | Calls | Avg | P… | Total | % Total */
static void timing_cell(const struct table *t, const struct hp_fn_row *r, int col, char *buf,
			size_t size)
{
	int npcts = t->o->npcts;

	if (col == 0) {
		name_cell(r, buf, size);
	} else if (col == 1) {
		snprintf(buf, size, "%" PRIu64, r->calls);
	} else if (col == 2) {
		hp_fmt_ns(buf, size, r->completed ? (double)avg_ns(r) : NAN);
	} else if (col < 3 + npcts) {
		double v = hp_fn_percentile(r, t->o->pcts[col - 3], t->o);
		hp_fmt_ns(buf, size, isnan(v) ? v : round(v));
	} else if (col == 3 + npcts) {
		hp_fmt_ns(buf, size, (double)r->total_ns);
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
	case 2: hp_fmt_bytes(buf, size, r->calls ? (double)r->alloc_bytes / (double)r->calls : NAN); break;
	case 3: hp_fmt_bytes(buf, size, (double)r->alloc_bytes); break;
	case 4: snprintf(buf, size, "%" PRIu64, r->alloc_count); break;
	default:
		percent_cell(t->alloc_total > 0 ? (double)r->alloc_bytes * 100.0 / t->alloc_total : NAN,
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
	struct table t = {.p = p, .o = o, .nrows = p->nfns, .cell = timing_cell};
	char num[16];

	snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "Function");
	snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "Calls");
	snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "Avg");
	for (int i = 0; i < o->npcts; i++) {
		fmt_pct_num(num, sizeof(num), o->pcts[i], '.');
		snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "P%s", num);
	}
	snprintf(t.hdr[t.ncols++], sizeof(t.hdr[0]), "Total");
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
	if (t.nrows)
		table_print(f, &t);
	else
		fputs("(no allocation was attributed to a function)\n", f);
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
	case HP_PS_RUNNING:
		fputs("still running: this is a snapshot\n", f);
		break;
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
	default:
		fputs("vanished: its exit status is unknown\n", f);
		break;
	}
}

/* One process: tables, the limit line, notes, counters, status. */
static int print_proc(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o)
{
	const char *prog = p->argc > 0 && p->argv ? p->argv[0] : p->exe;
	int alloc = wants_alloc(p), timing = strcmp(hp_profiling_mode(p->modes), "alloc") != 0;
	char wall[64];

	fmt_ns_compact(wall, sizeof(wall), (double)p->wall_ns);
	fputs(timing ? TIMING_TITLE : ALLOC_TITLE, f);
	fprintf(f, "%s: %s\n", prog ? base_name(prog) : "?", wall);
	if (!p->nfns) {
		fputs("(no function was timed)\n", f);
		if (p->mem.valid && ((timing && fputs("\n" ALLOC_TITLE, f) < 0) || hp_mem_print(f, p) < 0))
			return -ENOMEM;
	} else {
		/* The limit note goes under the first table the limit cut. */
		int limited = p->nfns_total > p->nfns;
		if (timing)
			print_timing(f, p, o);
		if (timing && limited)
			fprintf(f, "(showing %zu of %zu functions; --limit 0 shows all)\n", p->nfns,
				p->nfns_total);
		if (alloc && timing)
			fputs("\n" ALLOC_TITLE, f);
		/* The memory table with totals (report_mem.c) when the model has them. */
		if (alloc && (p->mem.valid ? hp_mem_print(f, p) : print_alloc(f, p, o)) < 0)
			return -ENOMEM;
		if (!timing && limited)
			fprintf(f, "(showing %zu of %zu functions; --limit 0 shows all)\n", p->nfns,
				p->nfns_total);
	}
	if (hp_flow_print(f, p, o) < 0) /* channels, locks, io, threads (report_flow.c) */
		return -ENOMEM;
	for (size_t i = 0; i < p->nnotes; i++)
		fprintf(f, "note: %s\n", p->notes[i]);
	if (p->dropped)
		fprintf(f, "note: %" PRIu64 " %s dropped because the region was full; raise region_size\n",
			p->dropped, p->dropped == 1 ? "row" : "rows");
	if (p->depth_overflow)
		fprintf(f, "note: %" PRIu64 " %s not timed because %s nested deeper than the shadow stack\n",
			p->depth_overflow, p->depth_overflow == 1 ? "call" : "calls",
			p->depth_overflow == 1 ? "it was" : "they were");
	if (p->unmatched_exits)
		fprintf(f, "note: %" PRIu64 " function %s no matching entry (longjmp, exceptions or hooks that started mid-call)\n",
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
		int n = snprintf(line + o, sizeof(line) - o, "%s%s", i ? " " : "", p->argv[i] ? p->argv[i] : "");
		if (n < 0 || (size_t)n >= sizeof(line) - o)
			break;
		o += (size_t)n;
	}
	if (!line[0] && p->exe)
		snprintf(line, sizeof(line), "%s", p->exe);
	hp_fit_cols(buf, size, line, CMD_COLS);
}

static int render_table(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o)
{
	char cmd[CMD_COLS * 4 + 8];

	if (print_proc(f, p, o) < 0)
		return -ENOMEM;
	for (size_t i = 0; p->children && i < p->nchildren; i++) {
		const struct hp_proc *c = &p->children[i];
		command_line(cmd, sizeof(cmd), c);
		fprintf(f, "\n[hotpath] process %d (%s), child of %d", c->pid, cmd, c->ppid);
		/* An image that only ran exec (a shell starting a pipeline member): one line, its
		 * successor has the figures. */
		if (c->state == HP_PS_EXECED && !c->nfns && !c->nchans && !c->nlocks && !c->mem.valid &&
		    !c->nnotes) {
			char wall[64];
			fmt_ns_compact(wall, sizeof(wall), (double)c->wall_ns);
			fprintf(f, ": nothing measured; replaced its image with exec after %s\n", wall);
			continue;
		}
		fputc('\n', f);
		if (print_proc(f, c, o) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- JSON ---- */

static void kv_str(struct hp_jw *w, const char *key, const char *v)
{
	hp_jw_key(w, key);
	hp_jw_str(w, v);
}

static void kv_int(struct hp_jw *w, const char *key, int64_t v)
{
	hp_jw_key(w, key);
	hp_jw_int(w, v);
}

static void kv_uint(struct hp_jw *w, const char *key, uint64_t v)
{
	hp_jw_key(w, key);
	hp_jw_uint(w, v);
}

/* The value when `have`, else null. */
static void kv_int_if(struct hp_jw *w, const char *key, int have, int64_t v)
{
	hp_jw_key(w, key);
	if (have)
		hp_jw_int(w, v);
	else
		hp_jw_null(w);
}

static void kv_uint_if(struct hp_jw *w, const char *key, int have, uint64_t v)
{
	hp_jw_key(w, key);
	if (have)
		hp_jw_uint(w, v);
	else
		hp_jw_null(w);
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case HP_FN_INSTRUMENTED: return "instrumented";
	case HP_FN_PATCHED: return "patched";
	case HP_FN_MAIN_WRAPPER: return "main";
	}
	return NULL;
}

/* Histogram bounds as integers; the open last bucket can exceed int64, then a whole double. */
static void jw_round(struct hp_jw *w, double v)
{
	if (v >= 0 && v < 9.2e18)
		hp_jw_uint(w, (uint64_t)llround(v));
	else
		hp_jw_double(w, round(v), 0);
}

static void json_fn(struct hp_jw *w, const struct hp_fn_row *r, const struct hp_report_opts *o)
{
	char buf[64], num[32];

	hp_jw_obj_begin(w);
	kv_str(w, "name", r->name);
	kv_str(w, "module", r->module);
	kv_str(w, "file", r->file);
	kv_int_if(w, "line", r->line > 0, r->line);
	snprintf(buf, sizeof(buf), "0x%" PRIx64, r->addr);
	kv_str(w, "address", buf);
	kv_str(w, "kind", kind_name(r->kind));
	kv_uint(w, "calls", r->calls);
	kv_uint(w, "completed", r->completed);
	kv_uint(w, "total_ns", r->total_ns);
	kv_uint_if(w, "avg_ns", r->completed, avg_ns(r));
	kv_uint_if(w, "min_ns", r->completed, r->min_ns);
	kv_uint_if(w, "max_ns", r->completed, r->max_ns);
	for (int i = 0; i < o->npcts; i++) {
		double v = hp_fn_percentile(r, o->pcts[i], o);
		fmt_pct_num(num, sizeof(num), o->pcts[i], '_');
		snprintf(buf, sizeof(buf), "p%s_ns", num);
		hp_jw_key(w, buf);
		if (isnan(v))
			hp_jw_null(w);
		else
			jw_round(w, v);
	}
	hp_jw_key(w, "percent_total");
	hp_jw_double(w, r->percent_total, 2);
	kv_uint(w, "alloc_count", r->alloc_count);
	kv_uint(w, "alloc_bytes", r->alloc_bytes);
	kv_uint(w, "free_count", r->free_count);
	kv_uint(w, "free_bytes", r->free_bytes);
	hp_jw_key(w, "histogram");
	hp_jw_arr_begin(w);
	for (size_t i = 0; r->hist && i < r->nhist; i++) {
		int pretty = w->pretty;
		hp_jw_arr_begin(w);
		w->pretty = 0; /* one bucket per line, not one number */
		jw_round(w, r->hist[i].lo_ns);
		jw_round(w, r->hist[i].hi_ns);
		hp_jw_uint(w, r->hist[i].count);
		hp_jw_arr_end(w);
		w->pretty = pretty;
	}
	hp_jw_arr_end(w);
	hp_jw_obj_end(w);
}

static void json_thread(struct hp_jw *w, const struct hp_thread_row *t)
{
	hp_jw_obj_begin(w);
	kv_int(w, "tid", t->tid);
	kv_str(w, "name", t->name);
	kv_str(w, "start_routine", t->start_routine);
	kv_str(w, "state", t->running ? "running" : "exited");
	kv_int(w, "start_ns", t->start_ns);
	kv_int_if(w, "end_ns", !t->running, t->end_ns);
	kv_uint(w, "cpu_user_ns", t->cpu_user_ns);
	kv_uint(w, "cpu_sys_ns", t->cpu_sys_ns);
	kv_uint(w, "calls", t->calls);
	kv_uint(w, "alloc_count", t->alloc_count);
	kv_uint(w, "alloc_bytes", t->alloc_bytes);
	kv_uint(w, "free_count", t->free_count);
	kv_uint(w, "free_bytes", t->free_bytes);
	kv_uint(w, "lock_wait_ns", t->lock_wait_ns);
	kv_uint(w, "io_block_ns", t->io_block_ns);
	kv_uint(w, "blocked_ns", t->lock_wait_ns + t->io_block_ns); /* report_flow.c */
	hp_jw_obj_end(w);
}

static void json_proc(struct hp_jw *w, const struct hp_proc *p, const struct hp_report_opts *o,
		      int top)
{
	hp_jw_obj_begin(w);
	if (top) {
		kv_str(w, "hotpath_version", HP_VERSION);
		kv_int(w, "schema_version", HP_REPORT_SCHEMA);
	}
	kv_str(w, "hotpath_profiling_mode", hp_profiling_mode(p->modes));
	kv_int(w, "pid", p->pid);
	kv_int(w, "ppid", p->ppid);
	hp_jw_key(w, "command");
	hp_jw_arr_begin(w);
	for (int i = 0; p->argv && i < p->argc; i++)
		hp_jw_str(w, p->argv[i]);
	hp_jw_arr_end(w);
	kv_str(w, "exe", p->exe);
	kv_str(w, "state", hp_proc_state_name(p->state));
	kv_int_if(w, "exit_status", p->state == HP_PS_EXITED, p->exit_status);
	kv_int_if(w, "term_signal", p->state == HP_PS_SIGNALED, p->term_signal);
	kv_int(w, "start_time_unix_ns", p->start_unix_ns);
	kv_uint(w, "wall_ns", p->wall_ns);
	hp_jw_key(w, "percentiles");
	int pretty = w->pretty;
	hp_jw_arr_begin(w);
	w->pretty = 0; /* on one line */
	for (int i = 0; i < o->npcts; i++)
		hp_jw_double(w, o->pcts[i], pct_decimals(o->pcts[i]));
	hp_jw_arr_end(w);
	w->pretty = pretty;
	hp_jw_key(w, "functions");
	hp_jw_arr_begin(w);
	for (size_t i = 0; p->fns && i < p->nfns; i++)
		json_fn(w, &p->fns[i], o);
	hp_jw_arr_end(w);
	kv_uint(w, "functions_total", p->nfns_total > p->nfns ? p->nfns_total : p->nfns);
	hp_jw_key(w, "threads");
	hp_jw_arr_begin(w);
	for (size_t i = 0; p->threads && i < p->nthreads; i++)
		json_thread(w, &p->threads[i]);
	hp_jw_arr_end(w);
	hp_mem_json(w, p); /* "memory": totals, in alloc mode only */
	kv_uint(w, "dropped", p->dropped);
	kv_uint(w, "depth_overflow", p->depth_overflow);
	kv_uint(w, "unmatched_exits", p->unmatched_exits);
	hp_jw_key(w, "notes");
	hp_jw_arr_begin(w);
	for (size_t i = 0; p->notes && i < p->nnotes; i++)
		hp_jw_str(w, p->notes[i]);
	hp_jw_arr_end(w);
	hp_flow_json(w, p); /* "channels", "locks", "io" (report_flow.c) */
	hp_patch_json(w, p); /* "patch": selected/patched/refused, or null (report_patch.c) */
	if (top) {
		hp_jw_key(w, "children");
		hp_jw_arr_begin(w);
		for (size_t i = 0; p->children && i < p->nchildren; i++)
			json_proc(w, &p->children[i], o, 0);
		hp_jw_arr_end(w);
	}
	hp_jw_obj_end(w);
}

int hp_report_render(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o)
{
	static const struct hp_report_opts defaults = {.pcts = {95}, .npcts = 1};
	struct hp_report_opts opts = o ? *o : defaults;
	locale_t loc = c_locale(), old = (locale_t)0;
	int rc = 0;

	if (opts.npcts < 0)
		opts.npcts = 0;
	if (opts.npcts > HP_MAX_PCTS)
		opts.npcts = HP_MAX_PCTS;
	if (loc)
		old = uselocale(loc);
	if (opts.format == HP_FMT_JSON || opts.format == HP_FMT_JSON_PRETTY) {
		struct hp_jw w;
		hp_jw_init(&w, f, opts.format == HP_FMT_JSON_PRETTY);
		json_proc(&w, p, &opts, 1);
		rc = hp_jw_finish(&w);
	} else {
		rc = render_table(f, p, &opts);
	}
	if (loc)
		uselocale(old);
	if (!rc && ferror(f))
		rc = -EIO;
	return rc;
}
