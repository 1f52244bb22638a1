/* pane_cpu.c - the CPU tab: where the process's CPU time goes, from its CPU samples (the model's
 * p->cpu, docs/cpu.md): each sampled function's self and total share over the last few seconds
 * and since the start, and its estimated CPU time. The recent shares come from the sample
 * counts of earlier refreshes, kept here in a ring per function. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

#define CPU_RECENT_S 5 /* "the last few seconds" */
#define CPU_RING 64    /* refreshes kept: 5 s down to a 0.08 s interval */

/* A function's sample counts at each refresh of the ring. */
struct cpu_hist {
	uint64_t key; /* cpu_key(); 0: a free slot */
	uint64_t self[CPU_RING], total[CPU_RING];
};

struct hp_con_cpu {
	int64_t t_ns[CPU_RING];	    /* when each refresh was taken */
	uint64_t samples[CPU_RING]; /* the process's samples then */
	int n, cur;		    /* refreshes kept; the newest slot */
	struct cpu_hist *h;	    /* open addressing by key */
	size_t cap, used;
};

/* A function of the samples: its start address, or its name and module when no symbol covers
 * it (one "(unknown)" row per module). Never 0. */
static uint64_t cpu_key(const struct hp_cpu_fn *f)
{
	if (f->addr)
		return f->addr;
	uint64_t h = 1469598103934665603ull;
	for (const char *s = f->name; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	for (const char *s = f->module; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h | 1;
}

static struct cpu_hist *hist_find(struct hp_con_cpu *x, uint64_t key)
{
	if (!x || !x->cap)
		return NULL;
	size_t k = (size_t)(((key >> 2) * 0x9E3779B97F4A7C15ull) >> 32) & (x->cap - 1);
	while (x->h[k].key && x->h[k].key != key)
		k = (k + 1) & (x->cap - 1);
	return x->h[k].key ? &x->h[k] : NULL;
}

/* The entry of key, created with zero counts at every earlier refresh (a function not sampled
 * then had no sample). NULL when out of memory. */
static struct cpu_hist *hist_get(struct hp_con_cpu *x, uint64_t key)
{
	struct cpu_hist *e = hist_find(x, key);
	if (e)
		return e;
	if ((x->used + 1) * 2 > x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct cpu_hist *nh = calloc(cap, sizeof(*nh));
		if (!nh)
			return NULL;
		for (size_t i = 0; i < x->cap; i++) {
			if (!x->h[i].key)
				continue;
			size_t k = (size_t)(((x->h[i].key >> 2) * 0x9E3779B97F4A7C15ull) >> 32) &
				   (cap - 1);
			while (nh[k].key)
				k = (k + 1) & (cap - 1);
			nh[k] = x->h[i];
		}
		free(x->h);
		x->h = nh;
		x->cap = cap;
	}
	size_t k = (size_t)(((key >> 2) * 0x9E3779B97F4A7C15ull) >> 32) & (x->cap - 1);
	while (x->h[k].key)
		k = (k + 1) & (x->cap - 1);
	x->h[k].key = key;
	x->used++;
	return &x->h[k];
}

void hp_con_cpu_free(struct hp_console *c)
{
	if (c->cpu)
		free(c->cpu->h);
	free(c->cpu);
	c->cpu = NULL;
}

void hp_con_cpu_update(struct hp_console *c)
{
	const struct hp_cpu_info *ci = c->have_proc ? c->proc.cpu : NULL;
	if (!ci)
		return;
	if (!c->cpu && !(c->cpu = calloc(1, sizeof(*c->cpu))))
		return;
	struct hp_con_cpu *x = c->cpu;
	int slot = x->n ? (x->cur + 1) % CPU_RING : 0;
	x->cur = slot;
	x->n += x->n < CPU_RING;
	x->t_ns[slot] = c->last_refresh_ns;
	x->samples[slot] = ci->samples;
	for (size_t i = 0; i < x->cap; i++) /* a function no longer listed: no new samples */
		if (x->h[i].key) {
			int prev = (slot + CPU_RING - 1) % CPU_RING;
			x->h[i].self[slot] = x->n > 1 ? x->h[i].self[prev] : 0;
			x->h[i].total[slot] = x->n > 1 ? x->h[i].total[prev] : 0;
		}
	for (size_t i = 0; i < ci->nfns; i++) {
		struct cpu_hist *e = hist_get(x, cpu_key(&ci->fns[i]));
		if (!e)
			return;
		e->self[slot] = ci->fns[i].self_samples;
		e->total[slot] = ci->fns[i].total_samples;
	}
}

/* The refresh the recent window starts from: the newest one at least CPU_RECENT_S old, else the
 * oldest kept; -1 when there is only the current one. */
static int window_start(const struct hp_con_cpu *x)
{
	if (!x || x->n < 2)
		return -1;
	int64_t from = x->t_ns[x->cur] - (int64_t)CPU_RECENT_S * 1000000000;
	for (int k = 1; k < x->n; k++) {
		int s = (x->cur + CPU_RING - k) % CPU_RING;
		if (x->t_ns[s] <= from || k == x->n - 1)
			return s;
	}
	return -1;
}

static const struct hp_cpu_fn *fn(struct hp_console *c, size_t i)
{
	return &c->proc.cpu->fns[i];
}

/* % of the samples of the recent window: self (arg 0) or total (arg 1); NAN when none. */
static double recent(struct hp_console *c, size_t i, int arg)
{
	const struct hp_con_cpu *x = c->cpu;
	int s = window_start(x);
	const struct cpu_hist *e = s >= 0 ? hist_find(c->cpu, cpu_key(fn(c, i))) : NULL;
	if (!e || x->samples[x->cur] <= x->samples[s])
		return NAN;
	const uint64_t *v = arg ? e->total : e->self;
	double d = v[x->cur] >= v[s] ? (double)(v[x->cur] - v[s]) : 0;
	return d * 100.0 / (double)(x->samples[x->cur] - x->samples[s]);
}

/* % of all samples since the start: self (arg 0) or total (arg 1). */
static double since_start(struct hp_console *c, size_t i, int arg)
{
	const struct hp_cpu_info *ci = c->proc.cpu;
	if (!ci->samples)
		return NAN;
	return (double)(arg ? fn(c, i)->total_samples : fn(c, i)->self_samples) * 100.0 /
	       (double)ci->samples;
}

static double cpu_time(struct hp_console *c, size_t i, int arg)
{
	return hp_cpu_ns(c->proc.cpu, fn(c, i)->self_samples);
}

static const char *label(struct hp_console *c, size_t i)
{
	return fn(c, i)->name ? fn(c, i)->name : "?";
}

static void name_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%s", label(c, i));
}

static void module_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%s", fn(c, i)->module ? hp_base_name(fn(c, i)->module) : "-");
}

static const struct hp_col cols[] = {
	{.title = "Function", .width = 24, .text_key = 1, .fmt = HP_COL_TEXT, .text = name_text},
	{.title = "Module", .width = 16, .fmt = HP_COL_TEXT, .text = module_text},
	{.title = "Self 5s", .width = 8, .right = 1, .fmt = HP_COL_PCT, .get = recent, .arg = 0},
	{.title = "Total 5s", .width = 8, .right = 1, .fmt = HP_COL_PCT, .get = recent, .arg = 1},
	{.title = "Self", .width = 8, .right = 1, .fmt = HP_COL_PCT, .get = since_start, .arg = 0},
	{.title = "Total", .width = 8, .right = 1, .fmt = HP_COL_PCT, .get = since_start, .arg = 1},
	{.title = "CPU (self)", .width = 10, .right = 1, .fmt = HP_COL_NS, .get = cpu_time},
};

static size_t count(struct hp_console *c)
{
	return c->have_proc && c->proc.cpu ? c->proc.cpu->nfns : 0;
}

static uint64_t id(struct hp_console *c, size_t i)
{
	return cpu_key(fn(c, i));
}

static int summary(struct hp_console *c, int y, int w, int max)
{
	const struct hp_cpu_info *ci = c->have_proc ? c->proc.cpu : NULL;
	const struct hp_con_cpu *x = c->cpu;
	char line[256];
	if (!max || !ci)
		return 0;
	int s = window_start(x);
	uint64_t last = s >= 0 ? x->samples[x->cur] - x->samples[s] : 0;
	double span = s >= 0 ? (double)(x->t_ns[x->cur] - x->t_ns[s]) / 1e9 : 0;
	snprintf(line, sizeof(line),
		 "Where CPU time went: %llu samples at %u Hz since the start, %llu in the last "
		 "%.0f s%s",
		 (unsigned long long)ci->samples, ci->hz, (unsigned long long)last, span,
		 ci->lost ? "   (some expiries lost: see docs/cpu.md)" : "");
	hp_con_put(c, y, 1, w - 2, line, 0, 0);
	return 1;
}

static const char *empty(struct hp_console *c)
{
	const struct hp_cpu_info *ci = c->have_proc ? c->proc.cpu : NULL;
	if (!ci || ci->state == HP_SAMPLE_OFF)
		return "CPU sampling is off for this process (--no-sample, HOTPATH_SAMPLE=0)";
	if (ci->state == HP_SAMPLE_ASIDE)
		return "CPU sampling stepped aside: the program uses SIGPROF itself";
	if (ci->state == HP_SAMPLE_NO_UNWIND)
		return "CPU sampling is off: libunwind could not be loaded";
	return "no CPU sample yet (a process that sleeps is not sampled)";
}

const struct hp_pane_ops hp_pane_cpu = {
	.name = "CPU",
	HP_PANE_COLS(cols),
	.count = count,
	.label = label,
	.id = id,
	.summary = summary,
	.empty = empty,
	.default_sort = 2,
};
