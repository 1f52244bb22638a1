/* region_mem.c - the memory totals of a region into the model (HP_MODE_ALLOC; part of
 * hp_proc_from_region): thread rows and orphan counters, peak and live bytes, the functions
 * whose blocks are still live. Counting rules: docs/json.md ("memory"), docs/memory.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "region_model.h"

#define OUTSIDE_NAME "(outside measured functions)"

struct live_fn {
	uint64_t addr, bytes, count;
};

static int live_cmp(const void *a, const void *b)
{
	const struct live_fn *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Functions whose blocks are still live, merged over threads: own allocations minus the frees
 * of those blocks from any thread. The rest of the live bytes were allocated outside. */
static void find_leaks(const struct hp_rregion *r, struct hp_symbolizer *sym, struct hp_proc *p)
{
	struct hp_mem *m = &p->mem;
	uint32_t n = hp_rregion_rows(r, HP_T_FSTATS);
	struct live_fn *v = calloc((size_t)n + 1, sizeof(*v));
	size_t nv = 0;
	uint64_t in_fns = 0, in_fns_count = 0;
	if (!v)
		return;
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_fstat *f = hp_rregion_row(r, HP_T_FSTATS, i);
		uint64_t addr = f ? __atomic_load_n(&f->addr, __ATOMIC_ACQUIRE) : 0;
		if (!addr)
			continue;
		uint64_t freed = f->own_freed_bytes + f->own_remote_freed_bytes;
		uint64_t freed_n = f->own_freed_count + f->own_remote_freed_count;
		if (f->own_alloc_bytes <= freed && f->own_alloc_count <= freed_n)
			continue;
		size_t k = 0;
		while (k < nv && v[k].addr != addr)
			k++;
		if (k == nv)
			v[nv++].addr = addr;
		/* Another thread may have freed this row's blocks: wrap-safe per row sums. */
		v[k].bytes += f->own_alloc_bytes - freed;
		v[k].count += f->own_alloc_count - freed_n;
	}
	for (size_t k = 0; k < nv; k++) {
		in_fns += v[k].bytes;
		in_fns_count += v[k].count;
	}
	uint64_t live_count = m->alloc_count > m->free_count ? m->alloc_count - m->free_count : 0;
	struct live_fn outside = {0,
				  m->live_bytes_at_exit > in_fns ? m->live_bytes_at_exit - in_fns
								 : 0,
				  live_count > in_fns_count ? live_count - in_fns_count : 0};
	if (outside.bytes)
		v[nv++] = outside; /* v has n + 1 slots */
	qsort(v, nv, sizeof(*v), live_cmp);
	for (size_t k = 0; k < nv && m->nleaks < HP_MEM_LEAKS; k++) {
		if (!v[k].addr) {
			hp_mem_add_leak(m, OUTSIDE_NAME, v[k].bytes, v[k].count);
			continue;
		}
		const char *name = NULL;
		for (size_t i = 0; i < p->nfns && !name; i++)
			if (p->fns[i].addr == v[k].addr)
				name = p->fns[i].name;
		if (name) {
			hp_mem_add_leak(m, name, v[k].bytes, v[k].count);
		} else {
			char *s = hp_region_symbol(r, sym, v[k].addr, NULL, NULL);
			hp_mem_add_leak(m, s ? s : "?", v[k].bytes, v[k].count);
			free(s);
		}
	}
	free(v);
}

void hp_mem_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int leaks,
			struct hp_proc *p)
{
	const struct hp_region_header *h = r->h;
	struct hp_mem *m = &p->mem;
	memset(m, 0, sizeof(*m));
	if (!(h->modes & HP_MODE_ALLOC))
		return;
	m->valid = 1;
	m->alloc_count = h->orphan_alloc.alloc_count;
	m->alloc_bytes = h->orphan_alloc.alloc_bytes;
	m->free_count = h->orphan_alloc.free_count;
	m->free_bytes = h->orphan_alloc.free_bytes;
	m->outside = h->orphan_alloc;
	int64_t peak = h->peak_live_bytes;
	uint32_t nt = hp_rregion_rows(r, HP_T_THREADS);
	for (uint32_t i = 0; i < nt; i++) {
		const struct hp_thread_rec *t = hp_rregion_row(r, HP_T_THREADS, i);
		if (!t || !__atomic_load_n(&t->tid, __ATOMIC_ACQUIRE))
			continue;
		m->alloc_count += t->alloc_count;
		m->alloc_bytes += t->alloc_bytes;
		m->free_count += t->free_count;
		m->free_bytes += t->free_bytes;
		m->outside.alloc_count += t->outside_alloc.alloc_count;
		m->outside.alloc_bytes += t->outside_alloc.alloc_bytes;
		m->outside.free_count += t->outside_alloc.free_count;
		m->outside.free_bytes += t->outside_alloc.free_bytes;
		if (t->peak_live_est > peak)
			peak = t->peak_live_est;
	}
	m->live_bytes_at_exit = m->alloc_bytes > m->free_bytes ? m->alloc_bytes - m->free_bytes : 0;
	m->peak_live_bytes = peak > 0 ? (uint64_t)peak : 0;
	if (m->peak_live_bytes < m->live_bytes_at_exit)
		m->peak_live_bytes = m->live_bytes_at_exit;
	if (leaks)
		find_leaks(r, sym, p);
}
