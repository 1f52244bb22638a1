/* pane_memory.c - the Memory tab: per function Allocs | Bytes | Frees | Freed | Diff | Avg, as
 * the model attributes them (cumulative unless the program runs with alloc_self), and the
 * process's totals (c->proc.mem: live, peak, allocated, freed) above the table. */
#include <math.h>
#include <stdio.h>

#include "console.h"

static double allocs(struct hp_console *c, size_t i, int arg)
{
	return (double)c->proc.fns[i].alloc_count;
}

static double bytes(struct hp_console *c, size_t i, int arg)
{
	return (double)c->proc.fns[i].alloc_bytes;
}

static double frees(struct hp_console *c, size_t i, int arg)
{
	return (double)c->proc.fns[i].free_count;
}

static double freed(struct hp_console *c, size_t i, int arg)
{
	return (double)c->proc.fns[i].free_bytes;
}

static double diff(struct hp_console *c, size_t i, int arg)
{
	return (double)c->proc.fns[i].alloc_bytes - (double)c->proc.fns[i].free_bytes;
}

static double avg(struct hp_console *c, size_t i, int arg)
{
	const struct hp_fn_row *r = &c->proc.fns[i];
	return r->alloc_count ? (double)r->alloc_bytes / (double)r->alloc_count : NAN;
}

static void name_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%s", c->proc.fns[i].name ? c->proc.fns[i].name : "?");
}

static const struct hp_col cols[] = {
	{.title = "Function", .width = 24, .text_key = 1, .fmt = HP_COL_TEXT, .text = name_text},
	{.title = "Allocs", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = allocs},
	{.title = "Bytes", .width = 11, .right = 1, .fmt = HP_COL_BYTES, .get = bytes},
	{.title = "Frees", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = frees},
	{.title = "Freed", .width = 11, .right = 1, .fmt = HP_COL_BYTES, .get = freed},
	{.title = "Diff", .width = 11, .right = 1, .fmt = HP_COL_BYTES, .get = diff},
	{.title = "Avg", .width = 10, .right = 1, .fmt = HP_COL_BYTES, .get = avg},
};

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
	hp_con_fmt_bytes(out, sizeof(out), (double)m->outside.alloc_bytes);
	snprintf(line, sizeof(line), "Heap live %s  peak %s  allocated %s (%llu)  freed %s", live,
		 peak, al, (unsigned long long)m->alloc_count, fr);
	hp_con_put(c, y, 1, w - 2, line, 0, 0);
	if (max < 2)
		return 1;
	snprintf(line, sizeof(line), "Outside functions %s (%llu)  attribution: %s", out,
		 (unsigned long long)m->outside.alloc_count,
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
	HP_PANE_COLS(cols),
	.count = count,
	.label = label,
	.id = id,
	.summary = summary,
	.empty = empty,
	.default_sort = 2,
	.inspectable = 1,
};
