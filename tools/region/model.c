/* model.c - keeping the report model (model.h): free it, sort and limit its functions, add
 * notes, read percentiles from a row's histogram, and the names of its enumerations. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hp/region.h"
#include "model.h"
#include "model_tree.h"

const char *hp_proc_state_name(int state)
{
	switch (state) {
	case HP_PS_RUNNING: return "running";
	case HP_PS_EXITED: return "exited";
	case HP_PS_SIGNALED: return "killed";
	case HP_PS_EXECED: return "execed";
	case HP_PS_VANISHED: return "vanished";
	}
	return "unknown";
}

const char *hp_profiling_mode(uint32_t modes)
{
	if (modes & HP_MODE_ALLOC)
		return modes & HP_MODE_TIMING ? "timing+alloc" : "alloc";
	return "timing";
}

const char *hp_chan_kind_name(int kind)
{
	static const char *const n[] = {NULL, "pipe", "fifo", "mqueue", "socketpair", "eventfd"};
	return kind > 0 && kind <= HP_CHAN_EVENTFD ? n[kind] : "unknown";
}

const char *hp_lock_kind_name(int kind)
{
	static const char *const n[] = {NULL, "mutex", "rwlock", "cond", "spin", "semaphore"};
	return kind > 0 && kind <= HP_LOCK_SEM ? n[kind] : "unknown";
}

const char *hp_io_kind_name(int kind)
{
	static const char *const n[] = {NULL, "file", "tcp", "udp", "unix", "tty", "pipe", "other"};
	return kind > 0 && kind < HP_IO_KINDS ? n[kind] : "unknown";
}

const char *hp_base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;
	return b && b[1] ? b + 1 : path ? path : "";
}

uint64_t hp_fn_avg_ns(const struct hp_fn_row *r)
{
	return r->completed ? (r->sum_ns + r->completed / 2) / r->completed : 0;
}

static void fn_row_free(struct hp_fn_row *r)
{
	free(r->name);
	free(r->module);
	free(r->file);
	free(r->hist);
	free(r->given);
}

struct hp_pct_given *hp_pct_given_new(void)
{
	struct hp_pct_given *g = calloc(1, sizeof(*g));
	for (int i = 0; g && i < HP_MAX_PCTS; i++)
		g->value[i] = NAN;
	return g;
}

void hp_proc_free_functions(struct hp_proc *p)
{
	for (size_t i = 0; p->fns && i < p->nfns; i++)
		fn_row_free(&p->fns[i]);
	free(p->fns);
	p->fns = NULL;
	p->nfns = 0;
}

void hp_proc_free(struct hp_proc *p)
{
	if (!p)
		return;
	for (int i = 0; p->argv && i < p->argc; i++)
		free(p->argv[i]);
	free(p->argv);
	free(p->exe);
	hp_proc_free_functions(p);
	for (size_t i = 0; p->threads && i < p->nthreads; i++) {
		free(p->threads[i].name);
		free(p->threads[i].start_routine);
		free(p->threads[i].waiting_on);
	}
	free(p->threads);
	for (size_t i = 0; p->children && i < p->nchildren; i++)
		hp_proc_free(&p->children[i]);
	free(p->children);
	for (size_t i = 0; p->notes && i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
	hp_flow_free(p);
	hp_patch_info_free(p->patch);
	hp_cpu_info_free(p->cpu); /* region_cpu.c */
	hp_tree_free(p->tree);	  /* model_tree.c */
	hp_mem_stacks_free(&p->mem);
	memset(p, 0, sizeof(*p));
}

void hp_mem_stacks_free(struct hp_mem *m)
{
	for (size_t i = 0; m->stacks && i < m->nstacks; i++) {
		for (size_t k = 0; k < m->stacks[i].nframes; k++) {
			free(m->stacks[i].frames[k].name);
			free(m->stacks[i].frames[k].module);
			free(m->stacks[i].frames[k].file);
		}
		free(m->stacks[i].frames);
	}
	free(m->stacks);
	m->stacks = NULL;
	m->nstacks = 0;
}

void hp_mem_add_leak(struct hp_mem *m, const char *name, uint64_t bytes, uint64_t count)
{
	if (m->nleaks >= HP_MEM_LEAKS || !bytes)
		return;
	struct hp_mem_leak *l = &m->leaks[m->nleaks++];
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->bytes = bytes;
	l->count = count;
}

void hp_proc_add_note(struct hp_proc *p, const char *fmt, ...)
{
	va_list ap;
	char *s, **notes;

	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	notes = realloc(p->notes, (p->nnotes + 1) * sizeof(*notes));
	if (!notes) {
		free(s);
		return;
	}
	notes[p->nnotes++] = s;
	p->notes = notes;
}

static int fn_cmp(const void *a, const void *b)
{
	const struct hp_fn_row *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static int by_alloc_bytes(const void *a, const void *b, void *proc)
{
	const struct hp_fn_row *x = &((const struct hp_proc *)proc)->fns[*(const size_t *)a];
	const struct hp_fn_row *y = &((const struct hp_proc *)proc)->fns[*(const size_t *)b];
	if (x->alloc_bytes != y->alloc_bytes)
		return x->alloc_bytes > y->alloc_bytes ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Keep fns[0..limit) (sorted by time) and the `limit` rows that allocated the most bytes; the
 * rest are freed. Kept rows stay in time order. */
static void cut_rows(struct hp_proc *p, size_t limit)
{
	size_t *order = malloc(p->nfns * sizeof(*order));
	unsigned char *keep = calloc(p->nfns, 1);
	size_t na = 0;
	for (size_t i = 0; order && i < p->nfns; i++)
		if (p->fns[i].alloc_count || p->fns[i].alloc_bytes)
			order[na++] = i;
	if (order && keep) {
		qsort_r(order, na, sizeof(*order), by_alloc_bytes, p);
		for (size_t i = 0; i < na && i < limit; i++)
			keep[order[i]] = 1;
	}
	if (na > p->nfns_alloc_total)
		p->nfns_alloc_total = na;
	size_t k = 0;
	for (size_t i = 0; i < p->nfns; i++) {
		if (i < limit || (keep && keep[i]))
			p->fns[k++] = p->fns[i];
		else
			fn_row_free(&p->fns[i]);
	}
	p->nfns = k;
	p->nfns_timed = limit;
	p->alloc_shown = na > limit ? limit : 0;
	free(order);
	free(keep);
}

void hp_proc_finish(struct hp_proc *p, int limit)
{
	if (p->nfns > 1)
		qsort(p->fns, p->nfns, sizeof(*p->fns), fn_cmp);
	/* A loaded report may have been cut already: keep the larger count. */
	if (p->nfns_total < p->nfns)
		p->nfns_total = p->nfns;
	if (limit > 0 && p->nfns > (size_t)limit)
		cut_rows(p, (size_t)limit);
	for (size_t i = 0; i < p->nfns; i++)
		p->fns[i].percent_total = p->wall_ns ? (double)p->fns[i].total_ns * 100.0 /
							       (double)p->wall_ns
						     : 0;
	for (size_t i = 0; p->children && i < p->nchildren; i++)
		hp_proc_finish(&p->children[i], limit);
}

double hp_fn_percentile(const struct hp_fn_row *r, double pct, const struct hp_report_opts *o)
{
	(void)o;
	for (int i = 0; r->given && i < HP_MAX_PCTS; i++)
		if (r->given->pct[i] > 0 && fabs(r->given->pct[i] - pct) < 1e-9 &&
		    !isnan(r->given->value[i]))
			return r->given->value[i];
	if (!r->hist || !r->nhist)
		return NAN;

	uint64_t n = r->completed, seen = 0, rank;
	if (!n)
		for (size_t i = 0; i < r->nhist; i++)
			n += r->hist[i].count;
	if (!n)
		return NAN;
	if (!(pct > 0))
		pct = 0;
	if (pct > 100)
		pct = 100;
	/* pct * n / 100 is inexact in the last bits: forgive them so a whole rank stays whole. */
	double x = pct * (double)n / 100.0;
	x = ceil(x - x * 1e-12);
	rank = x < 1 ? 1 : x >= (double)n ? n : (uint64_t)x;

	const struct hp_hbucket *b = &r->hist[r->nhist - 1]; /* fewer counts than calls: the last */
	for (size_t i = 0; i < r->nhist; i++) {
		seen += r->hist[i].count;
		if (seen >= rank) {
			b = &r->hist[i];
			break;
		}
	}
	double v = b->lo_ns == b->hi_ns ? b->lo_ns : (b->lo_ns + b->hi_ns) / 2;
	if (r->completed && r->min_ns <= r->max_ns) {
		if (v < (double)r->min_ns)
			v = (double)r->min_ns;
		if (v > (double)r->max_ns)
			v = (double)r->max_ns;
	}
	return v;
}

void hp_flow_free(struct hp_proc *p)
{
	for (size_t i = 0; p->chans && i < p->nchans; i++) {
		free(p->chans[i].label);
		free(p->chans[i].site);
	}
	free(p->chans);
	for (size_t i = 0; p->locks && i < p->nlocks; i++)
		free(p->locks[i].label);
	free(p->locks);
	free(p->io);
	p->chans = NULL;
	p->locks = NULL;
	p->io = NULL;
	p->nchans = p->nlocks = p->nio = 0;
}

void hp_flow_hide(struct hp_proc *p, unsigned bits)
{
	p->flow_hide = bits;
	for (size_t i = 0; p->children && i < p->nchildren; i++)
		hp_flow_hide(&p->children[i], bits);
}

void hp_patch_info_free(struct hp_patch_info *pi)
{
	if (!pi)
		return;
	for (size_t i = 0; pi->fns && i < pi->nfns; i++) {
		free(pi->fns[i].name);
		free(pi->fns[i].module);
		free(pi->fns[i].detail);
	}
	free(pi->fns);
	for (size_t i = 0; pi->modules && i < pi->nmodules; i++)
		free(pi->modules[i]);
	free(pi->modules);
	free(pi);
}

void *hp_calloc_big(size_t n, size_t size)
{
	const size_t huge = 2u << 20; /* x86-64's transparent huge page */
	size_t bytes;
	if (__builtin_mul_overflow(n ? n : 1, size, &bytes))
		return NULL;
	if (bytes < 2 * huge)
		return calloc(1, bytes);
	size_t whole = (bytes + huge - 1) & ~(huge - 1);
	void *p = aligned_alloc(huge, whole);
	if (!p)
		return NULL;
	madvise(p, whole, MADV_HUGEPAGE); /* a hint: without THP, 4 KiB pages as before */
	memset(p, 0, bytes);
	return p;
}
