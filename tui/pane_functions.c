/* pane_functions.c - the Functions tab: Function | Calls | Avg | P… | Total | % Total | Calls/s,
 * one row per function of the model (all threads merged), calls/s measured between refreshes. */
#include <math.h>
#include <stdio.h>

#include "console.h"

static const struct hp_fn_row *fn(struct hp_console *c, size_t i)
{
	return &c->proc.fns[i];
}

static double calls(struct hp_console *c, size_t i, int arg)
{
	return (double)fn(c, i)->calls;
}

static double avg(struct hp_console *c, size_t i, int arg)
{
	const struct hp_fn_row *r = fn(c, i);
	return r->completed ? (double)r->sum_ns / (double)r->completed : NAN;
}

/* Percentile c->pcts[arg]. */
static double pct(struct hp_console *c, size_t i, int arg)
{
	return hp_fn_percentile(fn(c, i), c->pcts[arg], NULL);
}

static double total(struct hp_console *c, size_t i, int arg)
{
	return fn(c, i)->completed ? (double)fn(c, i)->total_ns : NAN;
}

static double percent_total(struct hp_console *c, size_t i, int arg)
{
	return fn(c, i)->completed ? fn(c, i)->percent_total : NAN;
}

/* Calls per second, measured between refreshes. */
static double rate(struct hp_console *c, size_t i, int arg)
{
	const struct hp_fn_hist *h = hp_con_fn_hist(c, fn(c, i)->addr);
	return h ? h->rate : NAN;
}

static void name_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%s", fn(c, i)->name ? fn(c, i)->name : "?");
}

/* Function | Calls | Avg | (the percentiles) | Total | % Total | Calls/s. */
static const struct hp_col head[] = {
	{.title = "Function", .width = 24, .text_key = 1, .fmt = HP_COL_TEXT, .text = name_text},
	{.title = "Calls", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = calls},
	{.title = "Avg", .width = 10, .right = 1, .fmt = HP_COL_NS_ROUND, .get = avg},
};
static const struct hp_col tail[] = {
	{.title = "Total", .width = 10, .right = 1, .fmt = HP_COL_NS_ROUND, .get = total},
	{.title = "% Total", .width = 8, .right = 1, .fmt = HP_COL_PCT, .get = percent_total},
	{.title = "Calls/s", .width = 9, .right = 1, .fmt = HP_COL_RATE, .get = rate},
};
#define NHEAD (int)(sizeof(head) / sizeof(head[0]))
#define NTAIL (int)(sizeof(tail) / sizeof(tail[0]))

static char pct_titles[HP_MAX_PCTS][16];

static int columns(struct hp_console *c, struct hp_col *cols, int max)
{
	int n = 0;
	for (int k = 0; k < NHEAD; k++)
		cols[n++] = head[k];
	for (int k = 0; k < c->npcts && n < max - NTAIL; k++) {
		snprintf(pct_titles[k], sizeof(pct_titles[k]), "P%g", c->pcts[k]);
		cols[n++] = (struct hp_col){.title = pct_titles[k],
					    .width = 10,
					    .right = 1,
					    .fmt = HP_COL_NS_ROUND,
					    .get = pct,
					    .arg = k};
	}
	for (int k = 0; k < NTAIL; k++)
		cols[n++] = tail[k];
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
	.empty = empty,
	.default_sort = -3, /* Total */
	.inspectable = 1,
	.model_rows = 1,
};
