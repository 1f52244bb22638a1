/* region_astacks.c - allocation stacks -> model (HP_MODE_ALLOC_STACKS; part of
 * hp_proc_from_region): the per-stack counters of HP_T_ALLOC_STACKS with their stacks from the
 * shared stack table, every address symbolized once with its file:line, libhotpath's own
 * frames left out, and stacks that read the same (two call sites on one line) merged.
 * docs/memory.md "Allocation stacks". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "region_model.h"

/* address -> symbolized frame, open addressing (grows at 1/2) */
struct amap {
	uint64_t *keys;
	struct hp_mem_frame *vals;
	size_t cap, n;
};

static size_t amap_slot(const struct amap *m, uint64_t a)
{
	size_t i = (size_t)((a * 0x9E3779B97F4A7C15ull) >> 20) & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != a)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int amap_grow(struct amap *m)
{
	struct amap g = {.cap = m->cap ? m->cap * 2 : 1024};
	g.keys = calloc(g.cap, sizeof(*g.keys));
	g.vals = calloc(g.cap, sizeof(*g.vals));
	if (!g.keys || !g.vals) {
		free(g.keys);
		free(g.vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			size_t j = amap_slot(&g, m->keys[i]);
			g.keys[j] = m->keys[i];
			g.vals[j] = m->vals[i];
		}
	g.n = m->n;
	free(m->keys);
	free(m->vals);
	*m = g;
	return 0;
}

static void amap_free(struct amap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			free(m->vals[i].name);
			free(m->vals[i].module);
			free(m->vals[i].file);
		}
	free(m->keys);
	free(m->vals);
}

/* Frames of libhotpath itself (the malloc hooks, the wrapper that starts main). */
static int is_ours(const char *module)
{
	const char *b = module ? strrchr(module, '/') : NULL;
	b = b ? b + 1 : module;
	return b && !strncmp(b, "libhotpath", 10);
}

/* The symbolized frame of `addr` (owned by the map); NULL on allocation failure. */
static const struct hp_mem_frame *frame_of(struct amap *m, const struct hp_rregion *r,
					   struct hp_symbolizer *sym, int want_lines, uint64_t addr)
{
	if ((m->n + 1) * 2 > m->cap && amap_grow(m) < 0)
		return NULL;
	size_t i = amap_slot(m, addr);
	if (m->keys[i])
		return &m->vals[i];
	struct hp_sym_info si;
	const char *module = NULL;
	char *name = hp_region_symbol(r, sym, addr, &module, want_lines ? &si : NULL);
	if (!name)
		return NULL;
	struct hp_mem_frame *f = &m->vals[i];
	f->name = name;
	f->module = module ? strndup(module, HP_PATH_MAX) : NULL;
	if (want_lines && si.file[0]) {
		f->file = strdup(si.file);
		f->line = si.line;
	}
	m->keys[i] = addr;
	m->n++;
	return f;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Copy the frames of region stack `id` (outermost first, ours left out) into s. */
static int stack_frames(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			struct amap *m, uint32_t id, struct hp_mem_stack *s)
{
	const struct hp_stack_rec *st = hp_rregion_row(r, HP_T_STACKS, id);
	uint32_t depth = st && id ? st->depth : 0;
	if (depth > HP_STACK_DEPTH_MAX)
		depth = 0;
	s->frames = calloc(depth + 1, sizeof(*s->frames));
	if (!s->frames)
		return -ENOMEM;
	for (uint32_t k = 0; k < depth; k++) {
		const uint64_t *fr = hp_rregion_row(r, HP_T_STACK_FRAMES, st->first + k);
		if (!fr)
			break;
		const struct hp_mem_frame *f = frame_of(m, r, sym, want_lines, *fr);
		if (!f)
			return -ENOMEM;
		if (is_ours(f->module))
			continue;
		struct hp_mem_frame *d = &s->frames[s->nframes++];
		d->name = strdup(f->name);
		d->module = dup_or_null(f->module);
		d->file = dup_or_null(f->file);
		d->line = f->line;
	}
	if (!s->nframes) /* stack 0: the table was full and no prefix was known */
		s->frames[s->nframes++].name = strdup("(stack table full)");
	return 0;
}

/* Stacks that read the same, adjacent after sorting by frames. */
static int same_frames(const struct hp_mem_stack *a, const struct hp_mem_stack *b)
{
	if (a->nframes != b->nframes)
		return 0;
	for (size_t k = 0; k < a->nframes; k++) {
		const struct hp_mem_frame *x = &a->frames[k], *y = &b->frames[k];
		if (strcmp(x->name, y->name) || x->line != y->line ||
		    strcmp(x->file ? x->file : "", y->file ? y->file : "") ||
		    strcmp(x->module ? x->module : "", y->module ? y->module : ""))
			return 0;
	}
	return 1;
}

static int by_frames(const void *pa, const void *pb)
{
	const struct hp_mem_stack *a = pa, *b = pb;
	size_t n = a->nframes < b->nframes ? a->nframes : b->nframes;
	for (size_t k = 0; k < n; k++) {
		const struct hp_mem_frame *x = &a->frames[k], *y = &b->frames[k];
		int c = strcmp(x->name, y->name);
		if (!c)
			c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
		if (!c)
			c = x->line - y->line;
		if (!c)
			c = strcmp(x->module ? x->module : "", y->module ? y->module : "");
		if (c)
			return c;
	}
	return a->nframes < b->nframes ? -1 : a->nframes > b->nframes;
}

static int by_alloc_bytes(const void *pa, const void *pb)
{
	const struct hp_mem_stack *a = pa, *b = pb;
	if (a->alloc_bytes != b->alloc_bytes)
		return a->alloc_bytes > b->alloc_bytes ? -1 : 1;
	if (a->alloc_count != b->alloc_count)
		return a->alloc_count > b->alloc_count ? -1 : 1;
	return by_frames(pa, pb);
}

static void stack_drop(struct hp_mem_stack *s)
{
	for (size_t k = 0; k < s->nframes; k++) {
		free(s->frames[k].name);
		free(s->frames[k].module);
		free(s->frames[k].file);
	}
	free(s->frames);
	memset(s, 0, sizeof(*s));
}

static void merge_same(struct hp_mem *m)
{
	size_t o = 0;
	if (m->nstacks > 1)
		qsort(m->stacks, m->nstacks, sizeof(*m->stacks), by_frames);
	for (size_t i = 0; i < m->nstacks; i++) {
		struct hp_mem_stack *s = &m->stacks[i];
		if (o && same_frames(&m->stacks[o - 1], s)) {
			struct hp_mem_stack *d = &m->stacks[o - 1];
			d->alloc_count += s->alloc_count;
			d->alloc_bytes += s->alloc_bytes;
			d->free_count += s->free_count;
			d->free_bytes += s->free_bytes;
			d->live_count += s->live_count;
			d->live_bytes += s->live_bytes;
			d->peak_bytes += s->peak_bytes;
			d->temporary_count += s->temporary_count;
			stack_drop(s);
			continue;
		}
		if (o != i)
			m->stacks[o] = *s;
		o++;
	}
	m->nstacks = o;
	if (m->nstacks > 1)
		qsort(m->stacks, m->nstacks, sizeof(*m->stacks), by_alloc_bytes);
}

static void counts_of(const struct hp_alloc_stack_rec *a, struct hp_mem_stack *s)
{
	s->alloc_count = __atomic_load_n(&a->alloc_count, __ATOMIC_RELAXED);
	s->alloc_bytes = __atomic_load_n(&a->alloc_bytes, __ATOMIC_RELAXED);
	s->free_count = __atomic_load_n(&a->free_count, __ATOMIC_RELAXED);
	s->free_bytes = __atomic_load_n(&a->free_bytes, __ATOMIC_RELAXED);
	s->temporary_count = __atomic_load_n(&a->temporary_count, __ATOMIC_RELAXED);
	int64_t peak = __atomic_load_n(&a->peak_bytes, __ATOMIC_RELAXED);
	s->peak_bytes = peak > 0 ? (uint64_t)peak : 0;
	/* A live reader may see a free before its allocation's count (other threads). */
	s->live_count = s->alloc_count > s->free_count ? s->alloc_count - s->free_count : 0;
	s->live_bytes = s->alloc_bytes > s->free_bytes ? s->alloc_bytes - s->free_bytes : 0;
}

int hp_astacks_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			   struct hp_proc *p)
{
	const struct hp_region_header *h = r->h;
	struct hp_mem *m = &p->mem;
	struct amap map = {0};
	int rc = 0;
	if (!(h->modes & HP_MODE_ALLOC_STACKS) || !m->valid)
		return 0;
	m->has_stacks = 1;
	m->stacks_dropped = __atomic_load_n(&h->alloc_stacks_dropped, __ATOMIC_RELAXED);
	uint32_t n = hp_rregion_rows(r, HP_T_STACKS), na = hp_rregion_rows(r, HP_T_ALLOC_STACKS);
	if (n > na)
		n = na;
	size_t cap = 0;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		const struct hp_alloc_stack_rec *a = hp_rregion_row(r, HP_T_ALLOC_STACKS, i);
		if (!a || !__atomic_load_n(&a->alloc_count, __ATOMIC_RELAXED))
			continue;
		if (m->nstacks == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *ns = realloc(m->stacks, ncap * sizeof(*m->stacks));
			if (!ns) {
				rc = -ENOMEM;
				break;
			}
			m->stacks = ns;
			cap = ncap;
		}
		struct hp_mem_stack *s = &m->stacks[m->nstacks++];
		memset(s, 0, sizeof(*s));
		counts_of(a, s);
		rc = stack_frames(r, sym, want_lines, &map, i, s);
	}
	amap_free(&map);
	if (rc < 0)
		return rc;
	merge_same(m);
	if (m->stacks_dropped)
		hp_proc_add_note(
			p,
			"%llu allocations were recorded with a shorter stack because the "
			"stack table was full; a region_size above 256 (MiB) gives a larger one",
			(unsigned long long)m->stacks_dropped);
	return 0;
}
