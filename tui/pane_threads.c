/* pane_threads.c - the Threads tab: Thread | TID | Status | CPU % | User | Sys | Alloc | Free |
 * Diff | Calls, one row per thread of the model; CPU from /proc/PID/task/TID/stat between
 * refreshes while the thread runs, the values captured at its exit afterwards; the process's
 * RSS above the table. */
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "console.h"

static int columns(struct hp_console *c, struct hp_col *cols, int max)
{
	(void)c;
	(void)max;
	static const struct hp_col def[] = {
		{"Thread", 16, 0, 1}, {"TID", 8, 1, 0},	    {"Status", 8, 0, 0},  {"CPU %", 7, 1, 0},
		{"User", 10, 1, 0},   {"Sys", 10, 1, 0},    {"Alloc", 10, 1, 0},  {"Free", 10, 1, 0},
		{"Diff", 10, 1, 0},   {"Calls", 9, 1, 0},
	};
	int n = (int)(sizeof(def) / sizeof(def[0]));
	for (int i = 0; i < n; i++)
		cols[i] = def[i];
	return n;
}

static size_t count(struct hp_console *c)
{
	return c->have_proc ? c->proc.nthreads : 0;
}

static const char *label(struct hp_console *c, size_t i)
{
	const struct hp_thread_row *t = &c->proc.threads[i];
	return t->name && *t->name ? t->name : t->start_routine ? t->start_routine : "";
}

static uint64_t id(struct hp_console *c, size_t i)
{
	return (uint64_t)(unsigned)c->proc.threads[i].tid;
}

static double value(struct hp_console *c, size_t i, int col)
{
	const struct hp_thread_row *t = &c->proc.threads[i];
	const struct hp_thread_cpu *x = hp_con_thread_cpu(c, t->tid);
	switch (col) {
	case 1: return t->tid;
	case 2: return t->running;
	case 3: return x ? x->cpu_pct : NAN;
	case 4: return x ? (double)x->user_ns : (double)t->cpu_user_ns;
	case 5: return x ? (double)x->sys_ns : (double)t->cpu_sys_ns;
	case 6: return (double)t->alloc_bytes;
	case 7: return (double)t->free_bytes;
	case 8: return (double)t->alloc_bytes - (double)t->free_bytes;
	case 9: return (double)t->calls;
	default: return NAN;
	}
}

static void cell(struct hp_console *c, size_t i, int col, char *buf, size_t size)
{
	const struct hp_thread_row *t = &c->proc.threads[i];
	double v = value(c, i, col);
	int alloc = (c->proc.modes & HP_MODE_ALLOC) != 0;
	switch (col) {
	case 0:
		if (t->start_routine && t->name && *t->name)
			snprintf(buf, size, "%s (%s)", t->name, t->start_routine);
		else
			snprintf(buf, size, "%s", label(c, i));
		break;
	case 1: snprintf(buf, size, "%d", t->tid); break;
	case 2: snprintf(buf, size, "%s", t->running ? "running" : "exited"); break;
	case 3: snprintf(buf, size, isnan(v) ? "-" : "%.1f", v); break;
	case 4: case 5: hp_fmt_ns(buf, size, v); break;
	case 6: case 7: case 8:
		if (alloc)
			hp_con_fmt_bytes(buf, size, v);
		else
			snprintf(buf, size, "-");
		break;
	default: hp_con_fmt_count(buf, size, v);
	}
}

static int summary(struct hp_console *c, int y, int w, int max)
{
	if (!max || !c->have_proc)
		return 0;
	char rss[32], line[256];
	size_t running = 0;
	for (size_t i = 0; i < c->proc.nthreads; i++)
		running += c->proc.threads[i].running != 0;
	if (c->rss_bytes)
		hp_con_fmt_bytes(rss, sizeof(rss), (double)c->rss_bytes);
	else
		snprintf(rss, sizeof(rss), "-");
	snprintf(line, sizeof(line), "Process RSS %s   threads %zu (%zu running)%s", rss,
		 c->proc.nthreads, running,
		 c->proc.modes & HP_MODE_ALLOC ? "" : "   (allocations not tracked: HOTPATH_ALLOC=1)");
	hp_con_put(c, y, 1, w - 2, line, 0, 0);
	return 1;
}

const struct hp_pane_ops hp_pane_threads = {
	.name = "Threads",
	.columns = columns,
	.count = count,
	.label = label,
	.id = id,
	.cell = cell,
	.key = value,
	.summary = summary,
	.default_sort = -1, /* Calls */
};
