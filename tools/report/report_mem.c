/* report_mem.c - the memory part of a report (HP_MODE_ALLOC): the memory table after the timing
 * table, the `memory` JSON object and its loader. The totals come from
 * tools/region/region_mem.c. Counting rules: docs/json.md ("memory") and docs/memory.md. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_astacks.h"
#include "report_load.h"
#include "report_mem.h"
#include "textfmt.h"

#define OUTSIDE_NAME "(outside measured functions)"
#define NAME_COLS 60

/* ---- the table ---- */

#define MCOLS 6
#define MCELL 256

struct mtable {
	int ncols;
	const char *hdr[MCOLS];
	char (*cells)[MCOLS][MCELL]; /* nrows rows */
	size_t nrows;
};

static void mt_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct mtable *t = ctx;
	snprintf(buf, size, "%s", t->cells[row][col]);
}

/* The memory tables through the shared printer (textfmt.c). */
static void mt_print(FILE *f, const struct mtable *t)
{
	struct hp_textable tt = {.ncols = t->ncols, .nrows = t->nrows, .cell = mt_cell, .ctx = t};
	for (int c = 0; c < t->ncols; c++)
		tt.hdr[c] = t->hdr[c];
	hp_textable_print(f, &tt);
}

/* Name cut to NAME_COLS columns, ending in "…" when longer. */
static void name_cell(char *buf, size_t size, const char *s)
{
	size_t o = 0, c = 0;
	if (hp_utf8_cols(s) <= NAME_COLS) {
		snprintf(buf, size, "%s", s);
		return;
	}
	for (; *s; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80 && ++c > NAME_COLS - 1)
			break;
		if (o + 4 >= size)
			break;
		buf[o++] = *s;
	}
	memcpy(buf + o, "…", 4);
}

static const struct hp_proc *sort_proc;

static int by_bytes(const void *a, const void *b)
{
	const struct hp_fn_row *x = &sort_proc->fns[*(const size_t *)a];
	const struct hp_fn_row *y = &sort_proc->fns[*(const size_t *)b];
	if (x->alloc_bytes != y->alloc_bytes)
		return x->alloc_bytes > y->alloc_bytes ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static void pct_cell(char *buf, size_t size, uint64_t part, double total)
{
	if (total > 0)
		snprintf(buf, size, "%.2f%%", (double)part * 100.0 / total);
	else
		snprintf(buf, size, "-");
}

static int print_threads(FILE *f, const struct hp_proc *p)
{
	static const char *const hdr[] = {"Thread",	"Alloc count", "Alloc bytes",
					  "Free count", "Free bytes",  "Live bytes"};
	struct mtable t = {.ncols = 6};
	t.cells = calloc(p->nthreads ? p->nthreads : 1, sizeof(*t.cells));
	if (!t.cells)
		return -ENOMEM;
	memcpy(t.hdr, hdr, sizeof(hdr));
	for (size_t i = 0; i < p->nthreads; i++) {
		const struct hp_thread_row *th = &p->threads[i];
		char(*c)[MCELL] = t.cells[t.nrows++];
		char nm[MCELL];
		snprintf(nm, sizeof(nm), "%d %s", th->tid, th->name ? th->name : "");
		name_cell(c[0], MCELL, nm);
		snprintf(c[1], MCELL, "%" PRIu64, th->alloc_count);
		hp_fmt_bytes(c[2], MCELL, (double)th->alloc_bytes);
		snprintf(c[3], MCELL, "%" PRIu64, th->free_count);
		hp_fmt_bytes(c[4], MCELL, (double)th->free_bytes);
		/* A thread that frees what others allocated has a negative difference. */
		if (th->alloc_bytes >= th->free_bytes)
			hp_fmt_bytes(c[5], MCELL, (double)(th->alloc_bytes - th->free_bytes));
		else {
			char tmp[MCELL - 2];
			hp_fmt_bytes(tmp, sizeof(tmp), (double)(th->free_bytes - th->alloc_bytes));
			snprintf(c[5], MCELL, "-%s", tmp);
		}
	}
	mt_print(f, &t);
	free(t.cells);
	return 0;
}

/* The totals line and the functions whose blocks are still live. */
static void print_totals(FILE *f, const struct hp_mem *m)
{
	char a[32], b[32], c[32], d[32];
	hp_fmt_bytes(a, sizeof(a), (double)m->alloc_bytes);
	hp_fmt_bytes(b, sizeof(b), (double)m->free_bytes);
	hp_fmt_bytes(c, sizeof(c), (double)m->peak_live_bytes);
	hp_fmt_bytes(d, sizeof(d), (double)m->live_bytes_at_exit);
	fprintf(f,
		"memory: %" PRIu64 " allocations (%s), %" PRIu64 " frees (%s), peak live %s, "
		"live at exit %s\n",
		m->alloc_count, a, m->free_count, b, c, d);
	if (m->nleaks) {
		fputs("still live at exit, by allocating function:", f);
		for (int i = 0; i < m->nleaks; i++) {
			hp_fmt_bytes(a, sizeof(a), (double)m->leaks[i].bytes);
			char name[sizeof(m->leaks[i].name) * 4];
			fprintf(f, "%s %s %s (%" PRIu64 " block%s)", i ? "," : "",
				hp_text_escape(name, sizeof(name), m->leaks[i].name), a,
				m->leaks[i].count, m->leaks[i].count == 1 ? "" : "s");
		}
		fputc('\n', f);
	}
}

int hp_mem_print(FILE *f, const struct hp_proc *p)
{
	static const char *const hdr[] = {"Function",	 "Calls",	"Avg bytes",
					  "Total bytes", "Alloc count", "% Total"};
	const struct hp_mem *m = &p->mem;
	struct mtable t = {.ncols = 6};
	size_t *order = malloc((p->nfns ? p->nfns : 1) * sizeof(*order)), no = 0;
	double total = 0;

	t.cells = calloc(p->nfns + 1, sizeof(*t.cells));
	if (!order || !t.cells) {
		free(order);
		free(t.cells);
		return -ENOMEM;
	}
	memcpy(t.hdr, hdr, sizeof(hdr));
	if (m->valid)
		total = (double)m->alloc_bytes;
	else
		for (size_t i = 0; i < p->nthreads; i++)
			total += (double)p->threads[i].alloc_bytes;
	for (size_t i = 0; i < p->nfns; i++)
		if (p->fns[i].alloc_count || p->fns[i].alloc_bytes)
			order[no++] = i;
	sort_proc = p;
	qsort(order, no, sizeof(*order), by_bytes);
	size_t all = no > p->nfns_alloc_total ? no : p->nfns_alloc_total;
	if (p->alloc_shown && no > p->alloc_shown)
		no = p->alloc_shown;
	int outside_done = !(m->valid && m->outside.alloc_count);
	for (size_t i = 0; i <= no; i++) {
		const struct hp_fn_row *r = i < no ? &p->fns[order[i]] : NULL;
		char(*c)[MCELL] = t.cells[t.nrows];
		if (!outside_done && (!r || r->alloc_bytes < m->outside.alloc_bytes)) {
			/* The outside row takes its place by bytes. */
			name_cell(c[0], MCELL, OUTSIDE_NAME);
			snprintf(c[1], MCELL, "-");
			snprintf(c[2], MCELL, "-");
			hp_fmt_bytes(c[3], MCELL, (double)m->outside.alloc_bytes);
			snprintf(c[4], MCELL, "%" PRIu64, m->outside.alloc_count);
			pct_cell(c[5], MCELL, m->outside.alloc_bytes, total);
			outside_done = 1;
			t.nrows++;
			c = t.cells[t.nrows];
		}
		if (!r)
			break;
		name_cell(c[0], MCELL, r->name ? r->name : "?");
		snprintf(c[1], MCELL, "%" PRIu64, r->calls);
		hp_fmt_bytes(c[2], MCELL,
			     r->calls ? (double)r->alloc_bytes / (double)r->calls : NAN);
		hp_fmt_bytes(c[3], MCELL, (double)r->alloc_bytes);
		snprintf(c[4], MCELL, "%" PRIu64, r->alloc_count);
		pct_cell(c[5], MCELL, r->alloc_bytes, total);
		t.nrows++;
	}
	if (t.nrows)
		mt_print(f, &t);
	else
		fputs("(no allocation was attributed to a function)\n", f);
	if (no < all)
		fprintf(f,
			"(showing %zu of %zu functions that allocated, by bytes; --limit 0 shows all)\n",
			no, all);
	free(order);
	free(t.cells);
	if (!m->valid)
		return 0;
	print_totals(f, m);
	if (p->nthreads > 1)
		return print_threads(f, p);
	return 0;
}

/* ---- JSON ---- */

/* One set of counters under its JSON names (docs/json.md "memory"). */
static void jw_counts(struct hp_jw *w, const struct hp_alloc_counts *c)
{
	hp_jw_key(w, "alloc_count");
	hp_jw_uint(w, c->alloc_count);
	hp_jw_key(w, "alloc_bytes");
	hp_jw_uint(w, c->alloc_bytes);
	hp_jw_key(w, "free_count");
	hp_jw_uint(w, c->free_count);
	hp_jw_key(w, "free_bytes");
	hp_jw_uint(w, c->free_bytes);
}

void hp_mem_json(struct hp_jw *w, const struct hp_proc *p)
{
	const struct hp_mem *m = &p->mem;
	if (!m->valid)
		return; /* timing only: no member, the document is as before */
	hp_jw_key(w, "memory");
	struct hp_alloc_counts tot = {m->alloc_count, m->alloc_bytes, m->free_count, m->free_bytes};
	hp_jw_obj_begin(w);
	jw_counts(w, &tot);
	hp_jw_key(w, "peak_live_bytes");
	hp_jw_uint(w, m->peak_live_bytes);
	hp_jw_key(w, "live_bytes_at_exit");
	hp_jw_uint(w, m->live_bytes_at_exit);
	hp_jw_key(w, "outside");
	hp_jw_obj_begin(w);
	jw_counts(w, &m->outside);
	hp_jw_obj_end(w);
	hp_jw_key(w, "live_at_exit_by_function");
	hp_jw_arr_begin(w);
	for (int i = 0; i < m->nleaks; i++) {
		int pretty = w->pretty;
		hp_jw_obj_begin(w);
		w->pretty = 0;
		hp_jw_key(w, "name");
		hp_jw_str(w, m->leaks[i].name);
		hp_jw_key(w, "bytes");
		hp_jw_uint(w, m->leaks[i].bytes);
		hp_jw_key(w, "blocks");
		hp_jw_uint(w, m->leaks[i].count);
		hp_jw_obj_end(w);
		w->pretty = pretty;
	}
	hp_jw_arr_end(w);
	hp_astacks_json(w, m); /* "stacks_dropped", "stacks" (report_astacks.c) */
	hp_jw_obj_end(w);
}

/* ---- in (report_load.h) ---- */

/* One set of counters by its JSON names; absent members stay 0. */
static int load_counts(struct hp_loader *l, const struct hp_json *o, struct hp_alloc_counts *c)
{
	int rc;

	if ((rc = hp_load_u64(l, o, "alloc_count", &c->alloc_count)) < 0 ||
	    (rc = hp_load_u64(l, o, "alloc_bytes", &c->alloc_bytes)) < 0 ||
	    (rc = hp_load_u64(l, o, "free_count", &c->free_count)) < 0 ||
	    (rc = hp_load_u64(l, o, "free_bytes", &c->free_bytes)) < 0)
		return rc;
	return 0;
}

/* "live_at_exit_by_function": [{name, bytes, blocks}], by bytes, at most HP_MEM_LEAKS kept. */
static int load_leaks(struct hp_loader *l, const struct hp_json *m, struct hp_mem *mem)
{
	const struct hp_json *a;
	int rc = hp_load_array(l, m, "live_at_exit_by_function", &a);

	if (rc <= 0)
		return rc;
	for (size_t i = 0; i < a->len && mem->nleaks < HP_MEM_LEAKS; i++) {
		const struct hp_json *e = a->items[i], *name = NULL;
		struct hp_loader quiet = {0}; /* one message for the whole array */
		uint64_t bytes = 0, blocks = 0;
		if (e->type != HP_JSON_OBJECT ||
		    hp_load_member(&quiet, e, "name", 0, HP_JSON_STRING, "", &name) <= 0 ||
		    hp_load_u64(&quiet, e, "bytes", &bytes) < 0 ||
		    hp_load_u64(&quiet, e, "blocks", &blocks) < 0)
			return hp_load_fail(l, "live_at_exit_by_function",
					    "expected objects {name, bytes, blocks}");
		hp_mem_add_leak(mem, name->string, bytes, blocks);
	}
	return 0;
}

int hp_mem_from_json(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p)
{
	const struct hp_json *m, *out;
	struct hp_mem *mem = &p->mem;
	struct hp_alloc_counts tot = {0};
	int rc;

	memset(mem, 0, sizeof(*mem));
	if ((rc = hp_load_object(l, o, "memory", "an object or null", &m)) <= 0)
		return rc;
	size_t at = hp_load_push(l, "memory");
	if ((rc = load_counts(l, m, &tot)) < 0 ||
	    (rc = hp_load_u64(l, m, "peak_live_bytes", &mem->peak_live_bytes)) < 0 ||
	    (rc = hp_load_u64(l, m, "live_bytes_at_exit", &mem->live_bytes_at_exit)) < 0 ||
	    (rc = hp_load_object(l, m, "outside", "an object", &out)) < 0)
		return rc;
	if (rc > 0) {
		size_t in = hp_load_push(l, "outside");
		if ((rc = load_counts(l, out, &mem->outside)) < 0)
			return rc;
		hp_load_pop(l, in);
	}
	if ((rc = load_leaks(l, m, mem)) < 0 ||
	    (rc = hp_astacks_from_json(l, m, mem)) < 0) /* report_astacks.c */
		return rc;
	hp_load_pop(l, at);
	mem->alloc_count = tot.alloc_count;
	mem->alloc_bytes = tot.alloc_bytes;
	mem->free_count = tot.free_count;
	mem->free_bytes = tot.free_bytes;
	mem->valid = 1;
	return 0;
}
