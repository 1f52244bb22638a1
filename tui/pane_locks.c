/* pane_locks.c - the Locks tab: mutexes, rwlocks, condition variables and spinlocks of the
 * model (p->locks, tools/report/report_flow.h): acquisitions, contention, time waited and held. */
#include <math.h>
#include <stdio.h>

#include "console.h"
#include "tools/report/report_flow.h"

static double acquired(struct hp_console *c, size_t i, int arg)
{
	return (double)c->proc.locks[i].acquisitions;
}

static double contended(struct hp_console *c, size_t i, int arg)
{
	return (double)c->proc.locks[i].contended;
}

static double waited(struct hp_console *c, size_t i, int arg)
{
	return (double)(c->proc.locks[i].wait_ns + c->proc.locks[i].cond_wait_ns);
}

static double max_wait(struct hp_console *c, size_t i, int arg)
{
	return (double)c->proc.locks[i].max_wait_ns;
}

static double held(struct hp_console *c, size_t i, int arg)
{
	return (double)c->proc.locks[i].hold_ns;
}

static double max_held(struct hp_console *c, size_t i, int arg)
{
	return (double)c->proc.locks[i].max_hold_ns;
}

static double cond_waits(struct hp_console *c, size_t i, int arg)
{
	return (double)c->proc.locks[i].cond_waits;
}

static const char *label(struct hp_console *c, size_t i);

static void name_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%s", label(c, i));
}

static const struct hp_col cols[] = {
	{.title = "Lock", .width = 24, .text_key = 1, .fmt = HP_COL_TEXT, .text = name_text},
	{.title = "Acquired", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = acquired},
	{.title = "Contended", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = contended},
	{.title = "Wait", .width = 10, .right = 1, .fmt = HP_COL_NS, .get = waited},
	{.title = "Max wait", .width = 10, .right = 1, .fmt = HP_COL_NS, .get = max_wait},
	{.title = "Held", .width = 10, .right = 1, .fmt = HP_COL_NS, .get = held},
	{.title = "Max held", .width = 10, .right = 1, .fmt = HP_COL_NS, .get = max_held},
	{.title = "Cond waits", .width = 10, .right = 1, .fmt = HP_COL_COUNT, .get = cond_waits},
};

static size_t count(struct hp_console *c)
{
	return c->have_proc ? c->proc.nlocks : 0;
}

static const char *label(struct hp_console *c, size_t i)
{
	const struct hp_lock_row *l = &c->proc.locks[i];
	return l->label ? l->label : hp_lock_kind_name(l->kind);
}

static uint64_t id(struct hp_console *c, size_t i)
{
	return c->proc.locks[i].addr;
}

/* Above the table when only some holds were timed: Held is then an estimate. */
static int summary(struct hp_console *c, int y, int w, int max)
{
	if (!max || !c->have_proc || c->proc.lock_hold_every < 2)
		return 0;
	char line[200];
	snprintf(line, sizeof(line),
		 "Hold times sampled: 1 in %u holds of each lock timed, Held estimated from them, "
		 "Max held the longest of them (hotpath run --lock-hold=all: every hold)",
		 c->proc.lock_hold_every);
	hp_con_put(c, y, 1, w - 2, line, 0, 0);
	return 1;
}

static const char *empty(struct hp_console *c)
{
	if (c->have_proc && !(c->proc.modes & HP_MODE_LOCKS))
		return "lock tracking is off for this process (HOTPATH_LOCKS=0)";
	return "no lock used yet";
}

const struct hp_pane_ops hp_pane_locks = {
	.name = "Locks",
	HP_PANE_COLS(cols),
	.count = count,
	.label = label,
	.id = id,
	.empty = empty,
	.summary = summary,
	.default_sort = 3,
};
