/* pane_threads.c - the Threads tab: Thread | TID | Status | CPU % | User | Sys | Alloc | Free |
 * Diff | Calls, one row per thread of the model; CPU from /proc/PID/task/TID/stat between
 * refreshes while the thread runs, the values captured at its exit afterwards; the process's
 * RSS above the table. */
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "console.h"

static const struct hp_thread_row *thread(struct hp_console *c, size_t i)
{
	return &c->proc.threads[i];
}

static double tid(struct hp_console *c, size_t i, int arg)
{
	return thread(c, i)->tid;
}

static double running(struct hp_console *c, size_t i, int arg)
{
	return thread(c, i)->running;
}

/* CPU from /proc between refreshes while the thread runs, the values at its exit after. */
static double cpu_pct(struct hp_console *c, size_t i, int arg)
{
	const struct hp_thread_cpu *x = hp_con_thread_cpu(c, thread(c, i)->tid);
	return x ? x->cpu_pct : NAN;
}

static double user(struct hp_console *c, size_t i, int arg)
{
	const struct hp_thread_cpu *x = hp_con_thread_cpu(c, thread(c, i)->tid);
	return x ? (double)x->user_ns : (double)thread(c, i)->cpu_user_ns;
}

static double sys(struct hp_console *c, size_t i, int arg)
{
	const struct hp_thread_cpu *x = hp_con_thread_cpu(c, thread(c, i)->tid);
	return x ? (double)x->sys_ns : (double)thread(c, i)->cpu_sys_ns;
}

static double alloc(struct hp_console *c, size_t i, int arg)
{
	return (double)thread(c, i)->alloc_bytes;
}

static double freed(struct hp_console *c, size_t i, int arg)
{
	return (double)thread(c, i)->free_bytes;
}

static double diff(struct hp_console *c, size_t i, int arg)
{
	return (double)thread(c, i)->alloc_bytes - (double)thread(c, i)->free_bytes;
}

static double calls(struct hp_console *c, size_t i, int arg)
{
	return (double)thread(c, i)->calls;
}

static const char *label(struct hp_console *c, size_t i);

static void name_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	const struct hp_thread_row *t = thread(c, i);
	if (t->start_routine && t->name && *t->name)
		snprintf(buf, size, "%s (%s)", t->name, t->start_routine);
	else
		snprintf(buf, size, "%s", label(c, i));
}

static void tid_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%d", thread(c, i)->tid);
}

static void status_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%s", thread(c, i)->running ? "running" : "exited");
}

static void cpu_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, isnan(v) ? "-" : "%.1f", v);
}

/* Bytes only when the process tracks allocations. */
static void alloc_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	if (c->proc.modes & HP_MODE_ALLOC)
		hp_con_fmt_bytes(buf, size, v);
	else
		snprintf(buf, size, "-");
}

static const struct hp_col cols[] = {
	{.title = "Thread", .width = 16, .text_key = 1, .fmt = HP_COL_TEXT, .text = name_text},
	{.title = "TID", .width = 8, .right = 1, .fmt = HP_COL_TEXT, .get = tid, .text = tid_text},
	{.title = "Status", .width = 8, .fmt = HP_COL_TEXT, .get = running, .text = status_text},
	{.title = "CPU %",
	 .width = 7,
	 .right = 1,
	 .fmt = HP_COL_TEXT,
	 .get = cpu_pct,
	 .text = cpu_text},
	{.title = "User", .width = 10, .right = 1, .fmt = HP_COL_NS, .get = user},
	{.title = "Sys", .width = 10, .right = 1, .fmt = HP_COL_NS, .get = sys},
	{.title = "Alloc",
	 .width = 10,
	 .right = 1,
	 .fmt = HP_COL_TEXT,
	 .get = alloc,
	 .text = alloc_text},
	{.title = "Free",
	 .width = 10,
	 .right = 1,
	 .fmt = HP_COL_TEXT,
	 .get = freed,
	 .text = alloc_text},
	{.title = "Diff",
	 .width = 10,
	 .right = 1,
	 .fmt = HP_COL_TEXT,
	 .get = diff,
	 .text = alloc_text},
	{.title = "Calls", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = calls},
};

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
		 c->proc.modes & HP_MODE_ALLOC ? ""
					       : "   (allocations not tracked: HOTPATH_ALLOC=1)");
	hp_con_put(c, y, 1, w - 2, line, 0, 0);
	return 1;
}

const struct hp_pane_ops hp_pane_threads = {
	.name = "Threads",
	HP_PANE_COLS(cols),
	.count = count,
	.label = label,
	.id = id,
	.summary = summary,
	.default_sort = -1, /* Calls */
};
