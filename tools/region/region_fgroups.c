/* region_fgroups.c - function rows merged per function, kept between reads of a live region:
 * a scan hashes each row's counters, and sums again only the groups with a changed row. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "region_fgroups.h"
#include "region_model.h"

_Static_assert(HP_HIST_BUCKETS < UINT16_MAX, "a row's bucket range is kept in 16 bits");

void hp_fgroups_init(struct hp_fgroups *fg)
{
	memset(fg, 0, sizeof(*fg));
}

void hp_fgroups_release(struct hp_fgroups *fg)
{
	free(fg->hist);
	free(fg->sums);
	free(fg->changed);
	fg->hist = NULL;
	fg->sums = NULL;
	fg->changed = NULL;
	fg->nchanged = 0;
}

void hp_fgroups_free(struct hp_fgroups *fg)
{
	hp_fgroups_release(fg);
	free(fg->g);
	free(fg->names);
	free(fg->index);
	free(fg->row_group);
	free(fg->row_sig);
	free(fg->row_recent);
	free(fg->slot);
	hp_fgroups_init(fg);
}

static size_t slot_of(const struct hp_fgroups *fg, uint64_t addr, const struct hp_module_rec *mod)
{
	size_t k = (size_t)(((addr >> 2) * 0x9E3779B97F4A7C15ull) >> 32) & (fg->icap - 1);
	while (fg->index[k] >= 0 &&
	       (fg->g[fg->index[k]].addr != addr || fg->g[fg->index[k]].module != mod))
		k = (k + 1) & (fg->icap - 1);
	return k;
}

/* Room for one more group: g, slot and the index (kept at most half full). The first time, room
 * for a group per row (`hint`): a model of 100,000 functions is built without a realloc. */
static int grow_groups(struct hp_fgroups *fg, size_t hint)
{
	if (fg->ng == fg->capg) {
		size_t ncap = fg->capg ? fg->capg * 2 : hint > 64 ? hint : 64;
		struct hp_fgroup *ng = fg->g ? realloc(fg->g, ncap * sizeof(*ng))
					     : hp_calloc_big(ncap, sizeof(*ng));
		if (!ng)
			return -ENOMEM;
		fg->g = ng;
		int32_t *ns = realloc(fg->slot, ncap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		fg->slot = ns;
		fg->capg = ncap;
	}
	if ((fg->ng + 1) * 2 <= fg->icap)
		return 0;
	size_t ncap = fg->icap ? fg->icap * 2 : 128;
	while (ncap < fg->capg * 2)
		ncap *= 2;
	int32_t *ni = malloc(ncap * sizeof(*ni));
	if (!ni)
		return -ENOMEM;
	free(fg->index);
	fg->index = ni;
	fg->icap = ncap;
	memset(ni, -1, ncap * sizeof(*ni));
	for (size_t i = 0; i < fg->ng; i++)
		ni[slot_of(fg, fg->g[i].addr, fg->g[i].module)] = (int32_t)i;
	return 0;
}

/* The group of (addr, module generation: see hp_region_module), created on first sight;
 * -ENOMEM. */
static int32_t group_of(struct hp_fgroups *fg, const struct hp_rregion *r, const struct hp_fstat *f,
			uint64_t addr)
{
	const struct hp_module_rec *mod = hp_region_module(r, addr, f->epoch);
	if (fg->icap) {
		size_t k = slot_of(fg, addr, mod);
		if (fg->index[k] >= 0)
			return fg->index[k];
	}
	if (grow_groups(fg, fg->nrows) < 0)
		return -ENOMEM;
	struct hp_fgroup *x = &fg->g[fg->ng];
	memset(x, 0, sizeof(*x));
	x->addr = addr;
	x->module = mod;
	x->epoch = f->epoch;
	x->kind = (int)f->kind;
	x->name = UINT32_MAX;
	fg->slot[fg->ng] = -1;
	fg->index[slot_of(fg, addr, mod)] = (int32_t)fg->ng;
	return (int32_t)fg->ng++;
}

const char *hp_fgroup_name(const struct hp_fgroups *fg, size_t i)
{
	return i < fg->ng && fg->g[i].name != UINT32_MAX ? fg->names + fg->g[i].name : NULL;
}

int hp_fgroup_set_name(struct hp_fgroups *fg, size_t i, const char *name)
{
	size_t len = strlen(name) + 1;
	if (i >= fg->ng || fg->nlen + len > UINT32_MAX)
		return -ENOMEM;
	if (fg->nlen + len > fg->ncap) {
		size_t ncap = fg->ncap ? fg->ncap : 4096;
		while (ncap < fg->nlen + len)
			ncap *= 2;
		char *nb = realloc(fg->names, ncap);
		if (!nb)
			return -ENOMEM;
		fg->names = nb;
		fg->ncap = ncap;
	}
	memcpy(fg->names + fg->nlen, name, len);
	fg->g[i].name = (uint32_t)fg->nlen;
	fg->nlen += len;
	return 0;
}

/* Room for n rows; the new ones have no group yet. */
static int grow_rows(struct hp_fgroups *fg, uint32_t n)
{
	if (n > fg->caprows) {
		uint32_t ncap = fg->caprows ? fg->caprows : 256;
		while (ncap < n)
			ncap = ncap > UINT32_MAX / 2 ? n : ncap * 2;
		int32_t *g = realloc(fg->row_group, ncap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		fg->row_group = g;
		uint64_t *s = realloc(fg->row_sig, ncap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		fg->row_sig = s;
		uint8_t *c = realloc(fg->row_recent, ncap);
		if (!c)
			return -ENOMEM;
		fg->row_recent = c;
		fg->caprows = ncap;
	}
	for (uint32_t i = fg->nrows; i < n; i++) {
		fg->row_group[i] = -1;
		fg->row_sig[i] = 0;
		fg->row_recent[i] = 0;
	}
	fg->nrows = n;
	return 0;
}

/* A hash of every counter of a row that the model shows. */
static uint64_t row_sig(const struct hp_fstat *f)
{
	const uint64_t v[] = {f->calls,	      f->completed,  f->sum_ticks, f->total_ticks,
			      f->self_ticks,  f->min_ticks,  f->max_ticks, f->alloc_count,
			      f->alloc_bytes, f->free_count, f->free_bytes};
	uint64_t h = 0x9E3779B97F4A7C15ull;
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		h = (h ^ v[k]) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}

/* First pass: rows to groups (new ones created), and slot[g] = 0 for each group to read again.
 * -EAGAIN when a row changed address (rows are never given to another function by the
 * writer: this region is not what we read before). */
static int mark_rows(struct hp_fgroups *fg, const struct hp_rregion *r, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_fstat *f = hp_rregion_row(r, HP_T_FSTATS, i);
		int32_t gi = fg->row_group[i];
		if (!f)
			continue;
		if (gi < 0) {
			uint64_t addr = __atomic_load_n(&f->addr, __ATOMIC_ACQUIRE);
			if (!addr)
				continue;
			if ((gi = group_of(fg, r, f, addr)) < 0)
				return -ENOMEM;
			fg->row_group[i] = gi;
		} else if (__atomic_load_n(&f->addr, __ATOMIC_RELAXED) != fg->g[gi].addr) {
			return -EAGAIN;
		}
		uint64_t sig = row_sig(f);
		int changed = sig != fg->row_sig[i];
		if (changed || fg->row_recent[i])
			fg->slot[gi] = 0;
		fg->row_recent[i] = (uint8_t)changed;
		fg->row_sig[i] = sig;
	}
	return 0;
}

/* List the groups marked by mark_rows (all of them when `all`), with an empty sum each. */
static int list_changed(struct hp_fgroups *fg, int all)
{
	size_t n = 0;
	for (size_t i = 0; i < fg->ng; i++)
		n += all || fg->slot[i] == 0;
	fg->changed = malloc((n ? n : 1) * sizeof(*fg->changed));
	fg->sums = hp_calloc_big(n, sizeof(*fg->sums));
	if (!fg->changed || !fg->sums)
		return -ENOMEM;
	for (size_t i = 0; i < fg->ng; i++) {
		if (!all && fg->slot[i] != 0) {
			fg->slot[i] = -1;
			continue;
		}
		fg->slot[i] = (int32_t)fg->nchanged;
		fg->sums[fg->nchanged].min = UINT64_MAX;
		fg->sums[fg->nchanged].blo = HP_HIST_BUCKETS;
		fg->changed[fg->nchanged++] = (uint32_t)i;
	}
	return 0;
}

/* Buckets [*lo, *hi) that can hold a row's calls: a duration lands in the bucket of its value,
 * and min <= every completed duration <= max. Reading only these touches a page or two of a
 * row's histogram instead of all of it. A live row whose max has not been raised yet shows its
 * newest call on the next read. */
static void row_range(const struct hp_fstat *f, uint16_t *lo, uint16_t *hi)
{
	uint64_t mn = f->min_ticks, mx = f->max_ticks;
	*lo = *hi = 0;
	if (!f->completed)
		return;
	if (mn > mx)
		mn = mx; /* torn: the first call's min not visible yet */
	*lo = (uint16_t)hp_hist_bucket(mn);
	*hi = (uint16_t)(hp_hist_bucket(mx) + 1);
}

/* Second pass: the counters of the listed groups, and the bucket range of each of their rows. */
static void sum_rows(struct hp_fgroups *fg, const struct hp_rregion *r, uint32_t n, uint16_t *rlo,
		     uint16_t *rhi)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_fstat *f = hp_rregion_row(r, HP_T_FSTATS, i);
		int32_t gi = fg->row_group[i];
		rlo[i] = rhi[i] = 0;
		if (!f || gi < 0 || fg->slot[gi] < 0)
			continue;
		struct hp_fgroup_sum *x = &fg->sums[fg->slot[gi]];
		x->calls += f->calls;
		x->completed += f->completed;
		x->sum += f->sum_ticks;
		x->total += f->total_ticks;
		x->self += f->self_ticks;
		if (f->completed && f->min_ticks < x->min)
			x->min = f->min_ticks;
		if (f->max_ticks > x->max)
			x->max = f->max_ticks;
		x->alloc.alloc_count += f->alloc_count;
		x->alloc.alloc_bytes += f->alloc_bytes;
		x->alloc.free_count += f->free_count;
		x->alloc.free_bytes += f->free_bytes;
		row_range(f, &rlo[i], &rhi[i]);
		if (rhi[i] > rlo[i] && rlo[i] < x->blo)
			x->blo = rlo[i];
		if (rhi[i] > x->bhi)
			x->bhi = rhi[i];
	}
}

/* Add row f's buckets [lo, hi) to dst, whose first element is bucket `base`: one lookup of the
 * chunk row per chunk (hp_rregion_hist per bucket was a seventh of a /metrics scrape). */
static void add_row_hist(const struct hp_rregion *r, const struct hp_fstat *f, uint32_t lo,
			 uint32_t hi, uint64_t *dst, uint32_t base)
{
	if (hi > HP_HIST_BUCKETS)
		hi = HP_HIST_BUCKETS;
	for (uint32_t b = lo; b < hi;) {
		uint32_t ci = b / HP_HIST_CHUNK, end = (ci + 1) * HP_HIST_CHUNK;
		uint32_t c = __atomic_load_n(&f->hist_chunk[ci], __ATOMIC_ACQUIRE);
		const struct hp_hist_chunk *k = c ? hp_rregion_row(r, HP_T_HIST, c - 1) : NULL;
		if (end > hi)
			end = hi;
		for (; k && b < end; b++)
			dst[b - base] += k->count[b % HP_HIST_CHUNK];
		b = end;
	}
}

/* Third pass: each listed group's histogram, sized to the union of its rows' ranges, all of
 * them in one array (one allocation, not one per function). */
static int sum_histograms(struct hp_fgroups *fg, const struct hp_rregion *r, uint32_t n,
			  const uint16_t *rlo, const uint16_t *rhi)
{
	size_t total = 0;
	for (size_t k = 0; k < fg->nchanged; k++)
		total += fg->sums[k].bhi > fg->sums[k].blo ? fg->sums[k].bhi - fg->sums[k].blo : 0;
	if (!(fg->hist = hp_calloc_big(total, sizeof(uint64_t))))
		return -ENOMEM;
	total = 0;
	for (size_t k = 0; k < fg->nchanged; k++) {
		struct hp_fgroup_sum *x = &fg->sums[k];
		if (x->bhi > x->blo) {
			x->hist = fg->hist + total;
			total += x->bhi - x->blo;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		if (rhi[i] <= rlo[i])
			continue;
		const struct hp_fstat *f = hp_rregion_row(r, HP_T_FSTATS, i);
		struct hp_fgroup_sum *x = &fg->sums[fg->slot[fg->row_group[i]]];
		if (f)
			add_row_hist(r, f, rlo[i], rhi[i], x->hist, x->blo);
	}
	return 0;
}

/* Mark, list and sum; the number of new groups or -errno. */
static int scan(struct hp_fgroups *fg, const struct hp_rregion *r, uint32_t n)
{
	size_t before = fg->ng;
	int rc = grow_rows(fg, n);
	for (size_t i = 0; rc == 0 && i < fg->ng; i++)
		fg->slot[i] = -1;
	if (rc == 0)
		rc = mark_rows(fg, r, n);
	if (rc == 0)
		rc = list_changed(fg, fg->ng > before);
	if (rc < 0 || !fg->nchanged)
		return rc < 0 ? rc : 0;
	uint16_t *rlo = malloc((size_t)n * 2 * sizeof(uint16_t) + 1);
	if (!rlo)
		return -ENOMEM;
	sum_rows(fg, r, n, rlo, rlo + n);
	rc = sum_histograms(fg, r, n, rlo, rlo + n);
	free(rlo);
	return rc < 0 ? rc : (int)(fg->ng - before);
}

/* Forget everything but the setting. */
static void reset(struct hp_fgroups *fg)
{
	int keep = fg->keep_names;
	hp_fgroups_free(fg);
	fg->keep_names = keep;
}

int hp_fgroups_scan(struct hp_fgroups *fg, const struct hp_rregion *r)
{
	uint32_t n = hp_rregion_rows(r, HP_T_FSTATS);
	hp_fgroups_release(fg);
	if (n < fg->nrows)
		reset(fg); /* fewer rows than before: not the region we read */
	int rc = scan(fg, r, n);
	if (rc == -EAGAIN) {
		reset(fg);
		rc = scan(fg, r, n);
	}
	return rc == -EAGAIN ? -EBADMSG : rc;
}
