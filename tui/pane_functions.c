/* pane_functions.c - the Functions tab: Function | Calls | Avg | P… | Total | % Total | Calls/s,
 * one row per function of the model (all threads merged), calls/s measured between refreshes. */
#include <math.h>
#include <stdio.h>

#include "console.h"

static char pct_titles[HP_MAX_PCTS][16];

static int columns(struct hp_console *c, struct hp_col *cols, int max)
{
	int n = 0;
	cols[n++] = (struct hp_col){"Function", 24, 0, 1};
	cols[n++] = (struct hp_col){"Calls", 9, 1, 0};
	cols[n++] = (struct hp_col){"Avg", 10, 1, 0};
	for (int k = 0; k < c->npcts && n < max - 4; k++) {
		snprintf(pct_titles[k], sizeof(pct_titles[k]), "P%g", c->pcts[k]);
		cols[n++] = (struct hp_col){pct_titles[k], 10, 1, 0};
	}
	cols[n++] = (struct hp_col){"Total", 10, 1, 0};
	cols[n++] = (struct hp_col){"% Total", 8, 1, 0};
	cols[n++] = (struct hp_col){"Calls/s", 9, 1, 0};
	return n;
}

static size_t count(struct hp_console *c)
{
	return c->have_proc ? c->proc.nfns : 0;
}

static const char *label(struct hp_console *c, size_t i)
{
	return c->proc.fns[i].name;
}

static uint64_t id(struct hp_console *c, size_t i)
{
	return c->proc.fns[i].addr;
}

/* Column number -> what it shows, given the percentiles in between. */
static double value(struct hp_console *c, size_t i, int col)
{
	const struct hp_fn_row *r = &c->proc.fns[i];
	if (col == 1)
		return (double)r->calls;
	if (col == 2)
		return r->completed ? (double)r->sum_ns / (double)r->completed : NAN;
	if (col < 3 + c->npcts)
		return hp_fn_percentile(r, c->pcts[col - 3], NULL);
	if (col == 3 + c->npcts)
		return r->completed ? (double)r->total_ns : NAN;
	if (col == 4 + c->npcts)
		return r->completed ? r->percent_total : NAN;
	const struct hp_fn_hist *h = hp_con_fn_hist(c, r->addr);
	return h ? h->rate : NAN;
}

static void cell(struct hp_console *c, size_t i, int col, char *buf, size_t size)
{
	const struct hp_fn_row *r = &c->proc.fns[i];
	double v = col ? value(c, i, col) : 0;
	if (col == 0)
		snprintf(buf, size, "%s", r->name ? r->name : "?");
	else if (col == 1)
		hp_con_fmt_count(buf, size, v);
	else if (col < 4 + c->npcts)
		hp_fmt_ns(buf, size, isnan(v) ? v : round(v));
	else if (col == 4 + c->npcts)
		snprintf(buf, size, isnan(v) ? "-" : "%.2f%%", v);
	else
		hp_con_fmt_rate(buf, size, v);
}

static const char *empty(struct hp_console *c)
{
	if (!c->have_proc)
		return NULL;
	if (!(c->proc.flags & HP_FLAG_HOOKS_SEEN))
		return "no instrumented function has run yet (is the program built with "
		       "-finstrument-functions?)";
	return "no function recorded yet";
}

const struct hp_pane_ops hp_pane_functions = {
	.name = "Functions",
	.columns = columns,
	.count = count,
	.label = label,
	.id = id,
	.cell = cell,
	.key = value,
	.empty = empty,
	.default_sort = -3, /* Total */
	.inspectable = 1,
};
