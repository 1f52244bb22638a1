/* pane_memory.c - the Memory tab: per function Allocs | Bytes | Frees | Freed | Diff | Avg, as
 * the model attributes them (cumulative unless the program runs with alloc_self), and the
 * process's totals (c->proc.mem: live, peak, allocated, freed) above the table. */
#include <math.h>
#include <stdio.h>

#include "console.h"

static int columns(struct hp_console *c, struct hp_col *cols, int max)
{
	(void)c;
	(void)max;
	static const struct hp_col def[] = {
		{"Function", 24, 0, 1}, {"Allocs", 9, 1, 0},  {"Bytes", 11, 1, 0}, {"Frees", 9, 1, 0},
		{"Freed", 11, 1, 0},	{"Diff", 11, 1, 0},   {"Avg", 10, 1, 0},
	};
	int n = (int)(sizeof(def) / sizeof(def[0]));
	for (int i = 0; i < n; i++)
		cols[i] = def[i];
	return n;
}

static size_t count(struct hp_console *c)
{
	if (!c->have_proc || !(c->proc.modes & HP_MODE_ALLOC))
		return 0;
	return c->proc.nfns;
}

static const char *label(struct hp_console *c, size_t i)
{
	return c->proc.fns[i].name;
}

static uint64_t id(struct hp_console *c, size_t i)
{
	return c->proc.fns[i].addr;
}

static double value(struct hp_console *c, size_t i, int col)
{
	const struct hp_fn_row *r = &c->proc.fns[i];
	switch (col) {
	case 1: return (double)r->alloc_count;
	case 2: return (double)r->alloc_bytes;
	case 3: return (double)r->free_count;
	case 4: return (double)r->free_bytes;
	case 5: return (double)r->alloc_bytes - (double)r->free_bytes;
	case 6: return r->alloc_count ? (double)r->alloc_bytes / (double)r->alloc_count : NAN;
	default: return NAN;
	}
}

static void cell(struct hp_console *c, size_t i, int col, char *buf, size_t size)
{
	double v = value(c, i, col);
	if (col == 0)
		snprintf(buf, size, "%s", c->proc.fns[i].name ? c->proc.fns[i].name : "?");
	else if (col == 1 || col == 3)
		hp_con_fmt_count(buf, size, v);
	else
		hp_con_fmt_bytes(buf, size, v);
}

static int summary(struct hp_console *c, int y, int w, int max)
{
	if (!max || !c->have_proc || !c->proc.mem.valid)
		return 0;
	const struct hp_mem *m = &c->proc.mem;
	char live[32], peak[32], al[32], fr[32], out[32], line[320];
	hp_con_fmt_bytes(live, sizeof(live), (double)m->live_bytes_at_exit);
	hp_con_fmt_bytes(peak, sizeof(peak), (double)m->peak_live_bytes);
	hp_con_fmt_bytes(al, sizeof(al), (double)m->alloc_bytes);
	hp_con_fmt_bytes(fr, sizeof(fr), (double)m->free_bytes);
	hp_con_fmt_bytes(out, sizeof(out), (double)m->outside[1]);
	snprintf(line, sizeof(line), "Heap live %s  peak %s  allocated %s (%llu)  freed %s", live, peak,
		 al, (unsigned long long)m->alloc_count, fr);
	hp_con_put(c, y, 1, w - 2, line, 0, 0);
	if (max < 2)
		return 1;
	snprintf(line, sizeof(line), "Outside functions %s (%llu)  attribution: %s", out,
		 (unsigned long long)m->outside[0],
		 c->proc.modes & HP_MODE_ALLOC_SELF ? "self" : "cumulative (callees included)");
	hp_con_put(c, y + 1, 1, w - 2, line, 0, 0);
	return 2;
}

static const char *empty(struct hp_console *c)
{
	if (c->have_proc && !(c->proc.modes & HP_MODE_ALLOC))
		return "allocation tracking is off for this process: start it with 'hotpath run --alloc' "
		       "or HOTPATH_ALLOC=1";
	return NULL;
}

const struct hp_pane_ops hp_pane_memory = {
	.name = "Memory",
	.columns = columns,
	.count = count,
	.label = label,
	.id = id,
	.cell = cell,
	.key = value,
	.summary = summary,
	.empty = empty,
	.default_sort = 2,
	.inspectable = 1,
};
