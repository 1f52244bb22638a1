/* pane_locks.c - the Locks tab: mutexes, rwlocks, condition variables and spinlocks of the
 * model (p->locks, tools/report/report_flow.h): acquisitions, contention, time waited and held. */
#include <math.h>
#include <stdio.h>

#include "console.h"
#include "tools/report/report_flow.h"

static int columns(struct hp_console *c, struct hp_col *cols, int max)
{
	(void)c;
	(void)max;
	static const struct hp_col def[] = {
		{"Lock", 24, 0, 1},	{"Acquired", 9, 1, 0},	{"Contended", 9, 1, 0},
		{"Wait", 10, 1, 0},	{"Max wait", 10, 1, 0}, {"Held", 10, 1, 0},
		{"Max held", 10, 1, 0}, {"Cond waits", 10, 1, 0},
	};
	int n = (int)(sizeof(def) / sizeof(def[0]));
	for (int i = 0; i < n; i++)
		cols[i] = def[i];
	return n;
}

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

static double value(struct hp_console *c, size_t i, int col)
{
	const struct hp_lock_row *l = &c->proc.locks[i];
	switch (col) {
	case 1: return (double)l->acquisitions;
	case 2: return (double)l->contended;
	case 3: return (double)(l->wait_ns + l->cond_wait_ns);
	case 4: return (double)l->max_wait_ns;
	case 5: return (double)l->hold_ns;
	case 6: return (double)l->max_hold_ns;
	case 7: return (double)l->cond_waits;
	default: return NAN;
	}
}

static void cell(struct hp_console *c, size_t i, int col, char *buf, size_t size)
{
	double v = value(c, i, col);
	if (col == 0)
		snprintf(buf, size, "%s", label(c, i));
	else if (col == 1 || col == 2 || col == 7)
		hp_con_fmt_count(buf, size, v);
	else
		hp_fmt_ns(buf, size, v);
}

static const char *empty(struct hp_console *c)
{
	if (c->have_proc && !(c->proc.modes & HP_MODE_LOCKS))
		return "lock tracking is off for this process (HOTPATH_LOCKS=0)";
	return "no lock used yet";
}

const struct hp_pane_ops hp_pane_locks = {
	.name = "Locks",
	.columns = columns,
	.count = count,
	.label = label,
	.id = id,
	.cell = cell,
	.key = value,
	.empty = empty,
	.default_sort = 3,
};
