/* pane_memory.c - the Memory tab: per function Allocs | Bytes | Frees | Freed | Diff | Avg, as
 * the model attributes them (cumulative unless the program runs with alloc_self), and the
 * process's totals (c->proc.mem: live, peak, allocated, freed) above the table with a sparkline
 * of the live bytes. `a` switches the table to the allocation stacks (--alloc-stacks): top
 * stacks by live bytes, innermost frame first, updated every refresh. */
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

static const struct hp_col fn_cols[] = {
	{.title = "Function", .width = 24, .text_key = 1, .fmt = HP_COL_TEXT, .text = name_text},
	{.title = "Allocs", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = allocs},
	{.title = "Bytes", .width = 11, .right = 1, .fmt = HP_COL_BYTES, .get = bytes},
	{.title = "Frees", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = frees},
	{.title = "Freed", .width = 11, .right = 1, .fmt = HP_COL_BYTES, .get = freed},
	{.title = "Diff", .width = 11, .right = 1, .fmt = HP_COL_BYTES, .get = diff},
	{.title = "Avg", .width = 10, .right = 1, .fmt = HP_COL_BYTES, .get = avg},
};

/* ---- the stacks view ---- */

static const struct hp_mem_stack *stk(struct hp_console *c, size_t i)
{
	return &c->proc.mem.stacks[i];
}

static double s_blocks(struct hp_console *c, size_t i, int arg)
{
	return (double)stk(c, i)->live_count;
}

static double s_live(struct hp_console *c, size_t i, int arg)
{
	return (double)stk(c, i)->live_bytes;
}

static double s_allocs(struct hp_console *c, size_t i, int arg)
{
	return (double)stk(c, i)->alloc_count;
}

static double s_bytes(struct hp_console *c, size_t i, int arg)
{
	return (double)stk(c, i)->alloc_bytes;
}

static double s_temp(struct hp_console *c, size_t i, int arg)
{
	return (double)stk(c, i)->temporary_count;
}

static double s_peak(struct hp_console *c, size_t i, int arg)
{
	return (double)stk(c, i)->peak_bytes;
}

/* Innermost first: the allocating function, then its callers. */
static void stack_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	const struct hp_mem_stack *s = stk(c, i);
	size_t o = 0;
	buf[0] = 0;
	for (size_t k = s->nframes; k-- > 0 && o + 4 < size;) {
		int n = snprintf(buf + o, size - o, "%s%s", o ? " < " : "", s->frames[k].name);
		if (n < 0)
			break;
		o += (size_t)n;
	}
	if (o >= size)
		buf[size - 1] = 0;
}

static const struct hp_col stack_cols[] = {
	{.title = "Stack (innermost first)",
	 .width = 24,
	 .text_key = 1,
	 .fmt = HP_COL_TEXT,
	 .text = stack_text},
	{.title = "Blocks", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = s_blocks},
	{.title = "Live", .width = 11, .right = 1, .fmt = HP_COL_BYTES, .get = s_live},
	{.title = "Allocs", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = s_allocs},
	{.title = "Allocated", .width = 11, .right = 1, .fmt = HP_COL_BYTES, .get = s_bytes},
	{.title = "Temp", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = s_temp},
	{.title = "At peak", .width = 11, .right = 1, .fmt = HP_COL_BYTES, .get = s_peak},
};

static int stacks_on(struct hp_console *c)
{
	return c->mem_stacks && c->have_proc && c->proc.mem.has_stacks;
}

static int columns(struct hp_console *c, struct hp_col *out, int max)
{
	const struct hp_col *src = stacks_on(c) ? stack_cols : fn_cols;
	int n = (int)(sizeof(fn_cols) / sizeof(fn_cols[0]));
	_Static_assert(sizeof(fn_cols) == sizeof(stack_cols), "both views have 7 columns");
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++)
		out[i] = src[i];
	return n;
}

static size_t count(struct hp_console *c)
{
	if (!c->have_proc || !(c->proc.modes & HP_MODE_ALLOC))
		return 0;
	return stacks_on(c) ? c->proc.mem.nstacks : c->proc.nfns;
}

static const char *label(struct hp_console *c, size_t i)
{
	static char buf[1024];
	if (!stacks_on(c))
		return c->proc.fns[i].name;
	stack_text(c, i, 0, buf, sizeof(buf));
	return buf;
}

/* A stack's id: its frames' names hashed (stable across refreshes). */
static uint64_t id(struct hp_console *c, size_t i)
{
	if (!stacks_on(c))
		return c->proc.fns[i].addr;
	uint64_t h = 0xcbf29ce484222325ull;
	const struct hp_mem_stack *s = stk(c, i);
	for (size_t k = 0; k < s->nframes; k++) {
		for (const char *p = s->frames[k].name; p && *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
		h = (h ^ (uint64_t)s->frames[k].line) * 0x100000001b3ull;
	}
	return h | 1;
}

/* `a` switches between functions and stacks; Enter/i open Inspect for functions only. */
static int keypress(struct hp_console *c, int ch)
{
	if (ch == 'a') {
		if (!c->proc.mem.has_stacks) {
			snprintf(c->status, sizeof(c->status),
				 "no allocation stacks: start the program with 'hotpath run "
				 "--alloc-stacks'");
			return 1;
		}
		c->mem_stacks = !c->mem_stacks;
		struct hp_pane_state *ps = hp_con_pane_state(c);
		ps->sel = ps->top = 0;
		ps->sel_id = 0;
		return 1;
	}
	return stacks_on(c) && (ch == '\n' || ch == '\r' || ch == 'i');
}

static void live_spark(struct hp_console *c, int y, int w)
{
	char now[32], top[32], line[200];
	float max = 0;
	for (int i = 0; i < c->live_nspark; i++)
		if (c->live_spark[i] > max)
			max = c->live_spark[i];
	hp_con_fmt_bytes(now, sizeof(now), (double)c->proc.mem.live_bytes_at_exit);
	hp_con_fmt_bytes(top, sizeof(top), (double)max);
	int n = snprintf(line, sizeof(line), "Live bytes, last %d refreshes: now %s, max %s  ",
			 c->live_nspark, now, top);
	hp_con_put(c, y, 1, w - 2, line, 0, 0);
	if (n > 0 && n + 2 < w - 2)
		hp_con_spark(c, y, 1 + n, w - 3 - n, c->live_spark, c->live_nspark, c->live_head);
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
	if (stacks_on(c))
		snprintf(line, sizeof(line),
			 "Allocation stacks (%zu, %llu allocations dropped), innermost frame first  "
			 "a: back to functions",
			 m->nstacks, (unsigned long long)m->stacks_dropped);
	else
		snprintf(line, sizeof(line), "Outside functions %s (%llu)  attribution: %s%s", out,
			 (unsigned long long)m->outside.alloc_count,
			 c->proc.modes & HP_MODE_ALLOC_SELF ? "self"
							    : "cumulative (callees included)",
			 m->has_stacks ? "  a: allocation stacks" : "");
	hp_con_put(c, y + 1, 1, w - 2, line, 0, 0);
	if (max < 3)
		return 2;
	live_spark(c, y + 2, w);
	return 3;
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
	.summary = summary,
	.empty = empty,
	.default_sort = 2,
	.inspectable = 1,
	.keypress = keypress,
};
