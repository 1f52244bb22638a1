/* inspect.c - the Inspect view of one function: full name, module, file:line, the numbers,
 * its callers and callees with calls and time share (from the call tree),
 * a percentile table, the duration histogram as a bar chart (the model's log-linear buckets
 * merged into as many log-spaced bins as fit), and calls/s over the last minute as a
 * sparkline. */
#include <curses.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "tools/region/model_tree.h"
#include "tools/region/region_model.h"

#define MAX_BINS 32

void hp_con_inspect_open(struct hp_console *c, uint64_t addr)
{
	if (!addr)
		return;
	c->inspect_addr = addr;
	c->mode = HP_CON_INSPECT;
	c->inspect_module[0] = 0;
	if (!c->inspect_info)
		c->inspect_info = calloc(1, sizeof(*c->inspect_info));
	if (c->inspect_info && c->attached) {
		const char *module = NULL;
		/* One lookup with file:line for this function only: the refresh skips lines. */
		free(hp_region_symbol(&c->reg, c->sym, addr, &module, c->inspect_info));
		if (module)
			snprintf(c->inspect_module, sizeof(c->inspect_module), "%.*s",
				 HP_PATH_MAX - 1, module);
	}
}

void hp_con_inspect_close(struct hp_console *c)
{
	c->mode = HP_CON_DASH;
}

static void kv(struct hp_console *c, int y, const char *k, const char *v)
{
	attron(A_BOLD);
	hp_con_put(c, y, 1, 10, k, 0, 0);
	attroff(A_BOLD);
	hp_con_put(c, y, 11, c->cols - 12, v, 0, 0);
}

static void percentiles(struct hp_console *c, const struct hp_fn_row *r, int y, int h, int w)
{
	double want[HP_MAX_PCTS + 6] = {50, 75, 90, 95, 99, 99.9};
	int n = 6;
	for (int i = 0; i < c->npcts && n < (int)(sizeof(want) / sizeof(want[0])); i++) {
		int dup = 0;
		for (int k = 0; k < n; k++)
			dup |= fabs(want[k] - c->pcts[i]) < 1e-9;
		if (!dup)
			want[n++] = c->pcts[i];
	}
	for (int i = 1; i < n; i++) /* insertion sort: a handful of values */
		for (int k = i; k > 0 && want[k] < want[k - 1]; k--) {
			double t = want[k];
			want[k] = want[k - 1];
			want[k - 1] = t;
		}
	attron(hp_con_attr(c, HP_A_HEADER));
	hp_con_put(c, y, 1, w, "Percentile   Time", 0, 1);
	attroff(hp_con_attr(c, HP_A_HEADER));
	char line[64], t[32];
	int row = 1;
	hp_fmt_ns(t, sizeof(t), r->completed ? (double)r->min_ns : NAN);
	snprintf(line, sizeof(line), "min     %12s", t);
	if (row < h)
		hp_con_put(c, y + row++, 1, w, line, 0, 0);
	for (int i = 0; i < n && row < h - 1; i++) {
		double v = hp_fn_percentile(r, want[i], NULL);
		hp_fmt_ns(t, sizeof(t), isnan(v) ? v : round(v));
		char p[16];
		snprintf(p, sizeof(p), "p%g", want[i]);
		snprintf(line, sizeof(line), "%-7s %12s", p, t);
		hp_con_put(c, y + row++, 1, w, line, 0, 0);
	}
	hp_fmt_ns(t, sizeof(t), r->completed ? (double)r->max_ns : NAN);
	snprintf(line, sizeof(line), "max     %12s", t);
	if (row < h)
		hp_con_put(c, y + row++, 1, w, line, 0, 0);
}

static void bars(struct hp_console *c, const struct hp_fn_row *r, int y, int x, int h, int w)
{
	attron(hp_con_attr(c, HP_A_HEADER));
	hp_con_put(c, y, x, w, "Histogram: calls per duration", 0, 1);
	attroff(hp_con_attr(c, HP_A_HEADER));
	if (!r->nhist || h < 2 || w < 30) {
		hp_con_put(c, y + 1, x, w, "no completed calls yet", 0, 0);
		return;
	}
	int nb = h - 1 < MAX_BINS ? h - 1 : MAX_BINS;
	double lo[MAX_BINS], hi[MAX_BINS];
	uint64_t cnt[MAX_BINS] = {0};
	if ((int)r->nhist <= nb) {
		nb = (int)r->nhist;
		for (int i = 0; i < nb; i++) {
			lo[i] = r->hist[i].lo_ns;
			hi[i] = r->hist[i].hi_ns;
			cnt[i] = r->hist[i].count;
		}
	} else {
		double a = r->hist[0].lo_ns > 1 ? r->hist[0].lo_ns : 1,
		       b = r->hist[r->nhist - 1].hi_ns;
		if (b <= a)
			b = a + 1;
		double step = log(b / a) / nb;
		for (int i = 0; i < nb; i++) {
			lo[i] = INFINITY;
			hi[i] = 0;
		}
		for (size_t k = 0; k < r->nhist; k++) {
			const struct hp_hbucket *hb = &r->hist[k];
			double mid = (hb->lo_ns + hb->hi_ns) / 2;
			int i = mid > a ? (int)(log(mid / a) / step) : 0;
			if (i >= nb)
				i = nb - 1;
			cnt[i] += hb->count;
			if (hb->lo_ns < lo[i])
				lo[i] = hb->lo_ns;
			if (hb->hi_ns > hi[i])
				hi[i] = hb->hi_ns;
		}
		int o = 0; /* drop empty bins */
		for (int i = 0; i < nb; i++)
			if (cnt[i]) {
				lo[o] = lo[i];
				hi[o] = hi[i];
				cnt[o++] = cnt[i];
			}
		nb = o;
	}
	uint64_t max = 1;
	for (int i = 0; i < nb; i++)
		if (cnt[i] > max)
			max = cnt[i];
	int barw = w - 32;
	for (int i = 0; i < nb; i++) {
		char a[24], b[24], lbl[64], num[24];
		hp_fmt_ns(a, sizeof(a), lo[i]);
		hp_fmt_ns(b, sizeof(b), hi[i]);
		snprintf(lbl, sizeof(lbl), "%s-%s", a, b);
		hp_con_put(c, y + 1 + i, x, 21, lbl, 1, 0);
		int len = (int)llround((double)cnt[i] * barw / (double)max);
		if (len < 1)
			len = 1;
		attron(hp_con_attr(c, HP_A_BAR));
		if (c->utf8)
			for (int k = 0; k < len; k++)
				mvaddstr(y + 1 + i, x + 22 + k, "\xE2\x96\x88"); /* █ */
		else
			mvhline(y + 1 + i, x + 22, '#', len);
		attroff(hp_con_attr(c, HP_A_BAR));
		hp_con_fmt_count(num, sizeof(num), (double)cnt[i]);
		hp_con_put(c, y + 1 + i, x + 23 + len, w - 23 - len, num, 0, 0);
	}
}

static void sparkline(struct hp_console *c, const struct hp_fn_hist *h, int y, int w)
{
	double max = 0, last = NAN;
	int n = h ? h->nspark : 0;
	for (int i = 0; i < n; i++)
		if (h->spark[i] > max)
			max = h->spark[i];
	if (n)
		last = h->rate;
	char title[160], now[32], top[32];
	hp_con_fmt_rate(now, sizeof(now), last);
	hp_con_fmt_rate(top, sizeof(top), max);
	snprintf(title, sizeof(title),
		 "Calls/s over the last %d refreshes (%.0f s): now %s, max %s", n,
		 n * c->interval_s, now, top);
	attron(hp_con_attr(c, HP_A_HEADER));
	hp_con_put(c, y, 1, w - 2, title, 0, 1);
	attroff(hp_con_attr(c, HP_A_HEADER));
	if (!n) {
		hp_con_put(c, y + 1, 1, w - 2, "(needs two refreshes)", 0, 0);
		return;
	}
	hp_con_spark(c, y + 1, 1, w - 2, h->spark, n, h->spark_head);
}

/* Callers and callees of the inspected function, from the call tree: calls and the share of
 * the function's time (callers: of the time it spent called from each; callees: of its time
 * spent in each). Up to `h` - 1 rows each, by time. */
struct rel {
	uint64_t addr;
	const char *name;
	uint64_t calls, ns;
};

static void rel_add(struct rel *v, int *n, int max, uint64_t addr, const char *name, uint64_t calls,
		    uint64_t ns)
{
	for (int i = 0; i < *n; i++)
		if (v[i].addr == addr && (addr || !strcmp(v[i].name, name))) {
			v[i].calls += calls;
			v[i].ns += ns;
			return;
		}
	if (*n < max)
		v[(*n)++] = (struct rel){addr, name, calls, ns};
}

static int rel_cmp(const void *a, const void *b)
{
	const struct rel *x = a, *y = b;
	return x->ns != y->ns ? (x->ns < y->ns ? 1 : -1) : strcmp(x->name, y->name);
}

static void rel_list(struct hp_console *c, const char *title, struct rel *v, int n, uint64_t whole,
		     int y, int x, int h, int w)
{
	char line[256], name[160], calls[32];
	attron(hp_con_attr(c, HP_A_HEADER));
	snprintf(line, sizeof(line), "%-*s %9s %7s", w - 19 > 8 ? w - 19 : 8, title, "Calls",
		 "Time");
	hp_con_put(c, y, x, w, line, 0, 1);
	attroff(hp_con_attr(c, HP_A_HEADER));
	qsort(v, (size_t)n, sizeof(*v), rel_cmp);
	if (!n)
		hp_con_put(c, y + 1, x, w, "(none timed)", 0, 0);
	for (int i = 0; i < n && i < h - 1; i++) {
		hp_fit_cols(name, sizeof(name), v[i].name, (size_t)(w - 19 > 8 ? w - 19 : 8));
		hp_con_fmt_count(calls, sizeof(calls), (double)v[i].calls);
		double share = whole ? (double)v[i].ns * 100.0 / (double)whole : NAN;
		char pct[16];
		snprintf(pct, sizeof(pct), isnan(share) ? "-" : "%.1f%%", share);
		int pad = w - 19 > 8 ? w - 19 : 8;
		int extra = (int)strlen(name) - hp_con_text_cols(name); /* µ and … are 2-3 bytes */
		snprintf(line, sizeof(line), "%-*s %9s %7s", pad + extra, name, calls, pct);
		hp_con_put(c, y + 1 + i, x, w, line, 0, 0);
	}
}

/* Returns the rows used (0 when the process has no tree). */
static int relatives(struct hp_console *c, const struct hp_fn_row *r, int y, int h)
{
	const struct hp_calltree *t = c->proc.tree;
	enum { MAXREL = 64 };
	struct rel callers[MAXREL], callees[MAXREL];
	int ncallers = 0, ncallees = 0;
	uint64_t whole = 0;
	if (!t || !t->n || h < 2)
		return 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct hp_ctnode *n = &t->nodes[i];
		if (n->addr == r->addr) {
			/* its own time once: not again under an outer frame of itself */
			int nested = 0;
			for (int64_t q = n->parent; q >= 0 && !nested; q = t->nodes[q].parent)
				nested = t->nodes[q].addr == r->addr;
			if (!nested)
				whole += n->total_ns;
			if (n->parent >= 0)
				rel_add(callers, &ncallers, MAXREL, t->nodes[n->parent].addr,
					t->nodes[n->parent].name ? t->nodes[n->parent].name : "?",
					n->calls, nested ? 0 : n->total_ns);
			else
				rel_add(callers, &ncallers, MAXREL, 0, "(thread start)", n->calls,
					n->total_ns);
		}
		if (n->parent >= 0 && t->nodes[n->parent].addr == r->addr)
			rel_add(callees, &ncallees, MAXREL, n->addr, n->name ? n->name : "?",
				n->calls, n->total_ns);
	}
	int w = (c->cols - 3) / 2;
	rel_list(c, "Callers", callers, ncallers, whole, y, 1, h, w);
	rel_list(c, "Callees", callees, ncallees, whole, y, w + 2, h, w);
	int used = 1 + (ncallers > ncallees ? ncallers : ncallees);
	if (used < 2)
		used = 2;
	return used < h ? used : h;
}

void hp_con_inspect_draw(struct hp_console *c, int y)
{
	const struct hp_fn_row *r = hp_con_find_fn(c, c->inspect_addr);
	if (!r) {
		hp_con_put(c, y, 1, c->cols - 2, "this function is not in the current model", 0, 0);
		return;
	}
	char buf[1024], a[32], b[32], d[32], e[32], f[32];
	attron(hp_con_attr(c, HP_A_HEADER));
	hp_con_put(c, 1, 0, c->cols, "Inspect", 0, 1); /* over the tabs line */
	attroff(hp_con_attr(c, HP_A_HEADER));
	kv(c, y++, "Function", r->name ? r->name : "?");
	kv(c, y++, "Module",
	   c->inspect_module[0] ? c->inspect_module
	   : r->module		? r->module
				: "unknown");
	if (c->inspect_info && c->inspect_info->file[0])
		snprintf(buf, sizeof(buf), "%s:%d", c->inspect_info->file, c->inspect_info->line);
	else
		snprintf(buf, sizeof(buf), "unknown (no debug info)");
	kv(c, y++, "Source", buf);
	snprintf(buf, sizeof(buf), "0x%" PRIx64 " (%s)", r->addr,
		 r->kind == HP_FN_PATCHED ? "patched" : "instrumented");
	kv(c, y++, "Address", buf);
	const struct hp_fn_hist *h = hp_con_fn_hist(c, r->addr);
	hp_con_fmt_count(a, sizeof(a), (double)r->calls);
	hp_con_fmt_count(b, sizeof(b), (double)r->completed);
	hp_con_fmt_rate(d, sizeof(d), h ? h->rate : NAN);
	snprintf(buf, sizeof(buf), "%s, %s completed, %s/s", a, b, d);
	kv(c, y++, "Calls", buf);
	hp_fmt_ns(a, sizeof(a), r->completed ? (double)r->sum_ns / (double)r->completed : NAN);
	hp_fmt_ns(b, sizeof(b), r->completed ? (double)r->min_ns : NAN);
	hp_fmt_ns(d, sizeof(d), r->completed ? (double)r->max_ns : NAN);
	hp_fmt_ns(e, sizeof(e), (double)r->total_ns);
	snprintf(f, sizeof(f), "%.2f%%", r->percent_total);
	snprintf(buf, sizeof(buf), "avg %s  min %s  max %s  total %s (%s)", a, b, d, e, f);
	kv(c, y++, "Time", buf);
	hp_fmt_ns(a, sizeof(a), (double)r->self_ns);
	snprintf(buf, sizeof(buf), "%s (%.1f%% of its total; the rest in timed callees)", a,
		 r->total_ns ? (double)r->self_ns * 100.0 / (double)r->total_ns : 0.0);
	kv(c, y++, "Self", buf);
	y++;
	/* Callers and callees from the call tree: a third of what is left, at most 7 rows. */
	int rel_h = (c->rows - 1 - y - 4) / 3;
	if (rel_h > 7)
		rel_h = 7;
	int used = relatives(c, r, y, rel_h);
	if (used)
		y += used + 1;
	int spark_h = 2, avail = c->rows - 1 - y - spark_h - 1;
	if (avail >= 3) {
		int pw = 24;
		percentiles(c, r, y, avail, pw);
		bars(c, r, y, pw + 2, avail, c->cols - pw - 3);
		y += avail + 1;
	}
	if (y + 1 < c->rows - 1)
		sparkline(c, h, y, c->cols);
}
