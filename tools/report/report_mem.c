/* report_mem.c - the memory part of a report (HP_MODE_ALLOC): the memory table after the timing
 * table, the `memory` JSON object and its loader. The totals come from
 * tools/region/region_mem.c. Counting rules: docs/json.md ("memory") and docs/memory.md. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
	static const char *const hdr[] = {"Thread", "Alloc count", "Alloc bytes", "Free count",
					  "Free bytes", "Live bytes"};
	struct mtable t = {.ncols = 6};
	t.cells = calloc(p->nthreads ? p->nthreads : 1, sizeof(*t.cells));
	if (!t.cells)
		return -ENOMEM;
	memcpy(t.hdr, hdr, sizeof(hdr));
	for (size_t i = 0; i < p->nthreads; i++) {
		const struct hp_thread_row *th = &p->threads[i];
		char (*c)[MCELL] = t.cells[t.nrows++];
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
	int outside_done = !(m->valid && m->outside[0]);
	for (size_t i = 0; i <= no; i++) {
		const struct hp_fn_row *r = i < no ? &p->fns[order[i]] : NULL;
		char (*c)[MCELL] = t.cells[t.nrows];
		if (!outside_done && (!r || r->alloc_bytes < m->outside[1])) {
			/* The outside row takes its place by bytes. */
			name_cell(c[0], MCELL, OUTSIDE_NAME);
			snprintf(c[1], MCELL, "-");
			snprintf(c[2], MCELL, "-");
			hp_fmt_bytes(c[3], MCELL, (double)m->outside[1]);
			snprintf(c[4], MCELL, "%" PRIu64, m->outside[0]);
			pct_cell(c[5], MCELL, m->outside[1], total);
			outside_done = 1;
			t.nrows++;
			c = t.cells[t.nrows];
		}
		if (!r)
			break;
		name_cell(c[0], MCELL, r->name ? r->name : "?");
		snprintf(c[1], MCELL, "%" PRIu64, r->calls);
		hp_fmt_bytes(c[2], MCELL, r->calls ? (double)r->alloc_bytes / (double)r->calls : NAN);
		hp_fmt_bytes(c[3], MCELL, (double)r->alloc_bytes);
		snprintf(c[4], MCELL, "%" PRIu64, r->alloc_count);
		pct_cell(c[5], MCELL, r->alloc_bytes, total);
		t.nrows++;
	}
	if (t.nrows)
		mt_print(f, &t);
	else
		fputs("(no allocation was attributed to a function)\n", f);
	free(order);
	free(t.cells);
	if (!m->valid)
		return 0;
	char a[32], b[32], c[32], d[32];
	hp_fmt_bytes(a, sizeof(a), (double)m->alloc_bytes);
	hp_fmt_bytes(b, sizeof(b), (double)m->free_bytes);
	hp_fmt_bytes(c, sizeof(c), (double)m->peak_live_bytes);
	hp_fmt_bytes(d, sizeof(d), (double)m->live_bytes_at_exit);
	fprintf(f, "memory: %" PRIu64 " allocations (%s), %" PRIu64 " frees (%s), peak live %s, "
		   "live at exit %s\n",
		m->alloc_count, a, m->free_count, b, c, d);
	if (m->nleaks) {
		fputs("still live at exit, by allocating function:", f);
		for (int i = 0; i < m->nleaks; i++) {
			hp_fmt_bytes(a, sizeof(a), (double)m->leaks[i].bytes);
			fprintf(f, "%s %s %s (%" PRIu64 " block%s)", i ? "," : "", m->leaks[i].name, a,
				m->leaks[i].count, m->leaks[i].count == 1 ? "" : "s");
		}
		fputc('\n', f);
	}
	if (p->nthreads > 1)
		return print_threads(f, p);
	return 0;
}

/* ---- JSON ---- */

static void jw_counts(struct hp_jw *w, const uint64_t v[4])
{
	static const char *const k[] = {"alloc_count", "alloc_bytes", "free_count", "free_bytes"};
	for (int i = 0; i < 4; i++) {
		hp_jw_key(w, k[i]);
		hp_jw_uint(w, v[i]);
	}
}

void hp_mem_json(struct hp_jw *w, const struct hp_proc *p)
{
	const struct hp_mem *m = &p->mem;
	if (!m->valid)
		return; /* timing only: no member, the document is as before */
	hp_jw_key(w, "memory");
	uint64_t tot[4] = {m->alloc_count, m->alloc_bytes, m->free_count, m->free_bytes};
	hp_jw_obj_begin(w);
	jw_counts(w, tot);
	hp_jw_key(w, "peak_live_bytes");
	hp_jw_uint(w, m->peak_live_bytes);
	hp_jw_key(w, "live_bytes_at_exit");
	hp_jw_uint(w, m->live_bytes_at_exit);
	hp_jw_key(w, "outside");
	hp_jw_obj_begin(w);
	jw_counts(w, m->outside);
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
	hp_jw_obj_end(w);
}

static int bad(char *err, size_t errlen, const char *where, const char *key, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s%smemory%s%s: expected %s", where, where[0] ? "." : "", key[0] ? "." : "",
			 key, what);
	return -EINVAL;
}

/* A non-negative integer member; absent keeps *out. */
static int get_count(const struct hp_json *o, const char *key, uint64_t *out, const char *where,
		     const char *path, char *err, size_t errlen)
{
	const struct hp_json *j = hp_json_get(o, key);
	if (!j)
		return 0;
	if (j->type != HP_JSON_NUMBER || (j->is_int ? j->integer < 0 : !(j->number >= 0)) ||
	    (!j->is_int && (j->number != floor(j->number) || j->number >= 18446744073709551616.0)))
		return bad(err, errlen, where, path, "a non-negative integer");
	*out = j->is_int ? (uint64_t)j->integer : (uint64_t)j->number;
	return 0;
}

int hp_mem_from_json(const struct hp_json *o, struct hp_proc *p, const char *where, char *err,
		     size_t errlen)
{
	static const char *const k[] = {"alloc_count", "alloc_bytes", "free_count", "free_bytes"};
	static const char *const ko[] = {"outside.alloc_count", "outside.alloc_bytes",
					 "outside.free_count", "outside.free_bytes"};
	const struct hp_json *m = hp_json_get(o, "memory");
	struct hp_mem *mem = &p->mem;
	uint64_t tot[4] = {0};
	memset(mem, 0, sizeof(*mem));
	if (!m || m->type == HP_JSON_NULL)
		return 0;
	if (m->type != HP_JSON_OBJECT)
		return bad(err, errlen, where, "", "an object or null");
	for (int i = 0; i < 4; i++)
		if (get_count(m, k[i], &tot[i], where, k[i], err, errlen) < 0)
			return -EINVAL;
	if (get_count(m, "peak_live_bytes", &mem->peak_live_bytes, where, "peak_live_bytes", err, errlen) < 0 ||
	    get_count(m, "live_bytes_at_exit", &mem->live_bytes_at_exit, where, "live_bytes_at_exit", err,
		      errlen) < 0)
		return -EINVAL;
	const struct hp_json *out = hp_json_get(m, "outside");
	if (out && out->type != HP_JSON_NULL) {
		if (out->type != HP_JSON_OBJECT)
			return bad(err, errlen, where, "outside", "an object");
		for (int i = 0; i < 4; i++)
			if (get_count(out, k[i], &mem->outside[i], where, ko[i], err, errlen) < 0)
				return -EINVAL;
	}
	const struct hp_json *lv = hp_json_get(m, "live_at_exit_by_function");
	if (lv && lv->type != HP_JSON_NULL) {
		if (lv->type != HP_JSON_ARRAY)
			return bad(err, errlen, where, "live_at_exit_by_function", "an array");
		for (size_t i = 0; i < lv->len && mem->nleaks < HP_MEM_LEAKS; i++) {
			const struct hp_json *e = lv->items[i];
			uint64_t bytes = 0, blocks = 0;
			const char *name = hp_json_str(hp_json_get(e, "name"), NULL);
			if (e->type != HP_JSON_OBJECT || !name ||
			    get_count(e, "bytes", &bytes, where, "live_at_exit_by_function[].bytes", err, errlen) < 0 ||
			    get_count(e, "blocks", &blocks, where, "live_at_exit_by_function[].blocks", err, errlen) < 0)
				return bad(err, errlen, where, "live_at_exit_by_function",
					   "objects {name, bytes, blocks}");
			hp_mem_add_leak(mem, name, bytes, blocks);
		}
	}
	mem->alloc_count = tot[0];
	mem->alloc_bytes = tot[1];
	mem->free_count = tot[2];
	mem->free_bytes = tot[3];
	mem->valid = 1;
	return 0;
}
