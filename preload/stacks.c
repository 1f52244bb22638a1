/* stacks.c - the stack table: call stacks interned into the region (HP_T_STACKS), shared by
 * the CPU sampler (sample.c, from a signal handler) and the allocation stacks.
 *
 * A bounded, lock-free hash from a frame array to a stack id. An insert claims a stack row and
 * its frames with fetch-adds, fills them, publishes the row (release store of its hash), then
 * links it into the index with one compare-and-swap on an empty slot. Nobody ever waits for
 * anybody: a thread that loses the race to an identical stack uses the winner's id and leaves
 * its own row unreferenced (readers reach stacks only through the ids that counting rows hold).
 * So a signal handler may intern while the thread it interrupted was itself half-way through
 * an insert. No allocation, no locks, no syscalls. */
#include "internal.h"
#include "stacks.h"

static uint64_t stack_hash(const uint64_t *f, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;
	for (uint32_t i = 0; i < n; i++) {
		h ^= f[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h | 1;
}

static int same_frames(struct hp_region_header *hd, const struct hp_stack_rec *s, uint64_t h,
		       const uint64_t *f, uint32_t n)
{
	if (__atomic_load_n(&s->hash, __ATOMIC_ACQUIRE) != h || s->depth != n)
		return 0;
	struct hp_table *ft = &hd->tables[HP_T_STACK_FRAMES];
	if ((uint64_t)s->first + n > ft->capacity)
		return 0;
	const uint64_t *g = hp_table_row(hd, HP_T_STACK_FRAMES, s->first);
	for (uint32_t i = 0; i < n; i++)
		if (g[i] != f[i])
			return 0;
	return 1;
}

/* Claim and fill a new (not yet indexed) stack row; UINT32_MAX when a table is full. */
static uint32_t stack_new(struct hp_region_header *hd, const uint64_t *f, uint32_t n, uint64_t h,
			  uint16_t flags)
{
	struct hp_table *st = &hd->tables[HP_T_STACKS], *ft = &hd->tables[HP_T_STACK_FRAMES];
	/* Check before claiming, so that a full table does not count one overflow per sample. */
	if (__atomic_load_n(&st->claimed, __ATOMIC_RELAXED) >= st->capacity ||
	    __atomic_load_n(&ft->claimed, __ATOMIC_RELAXED) + n > ft->capacity)
		return UINT32_MAX;
	uint32_t first = __atomic_fetch_add(&ft->claimed, n, __ATOMIC_RELAXED);
	if ((uint64_t)first + n > ft->capacity) {
		__atomic_fetch_add(&ft->overflow, 1, __ATOMIC_RELAXED);
		return UINT32_MAX;
	}
	uint32_t row = __atomic_fetch_add(&st->claimed, 1, __ATOMIC_RELAXED);
	if (row >= st->capacity) {
		__atomic_fetch_add(&st->overflow, 1, __ATOMIC_RELAXED);
		return UINT32_MAX;
	}
	/* Pages are reserved as the tables fill (region.c): /dev/shm full ends them here. */
	if (hp_table_reserve(HP_T_STACK_FRAMES, first + n) < 0 ||
	    hp_table_reserve(HP_T_STACKS, row + 1) < 0)
		return UINT32_MAX;
	uint64_t *g = hp_table_row(hd, HP_T_STACK_FRAMES, first);
	for (uint32_t i = 0; i < n; i++)
		g[i] = f[i];
	struct hp_stack_rec *s = hp_table_row(hd, HP_T_STACKS, row);
	s->first = first;
	s->depth = (uint16_t)n;
	s->flags = flags;
	__atomic_store_n(&s->hash, h, __ATOMIC_RELEASE);
	return row;
}

/* Find the stack, or (insert) add it. UINT32_MAX when absent and it could not be added. */
static uint32_t stack_find(struct hp_region_header *hd, const uint64_t *f, uint32_t n,
			   uint16_t flags, int insert)
{
	struct hp_table *it = &hd->tables[HP_T_STACK_INDEX], *st = &hd->tables[HP_T_STACKS];
	uint32_t mask = it->capacity - 1, mine = UINT32_MAX;
	if (hp_table_reserve(HP_T_STACK_INDEX, it->capacity) < 0) /* all of it: hashed */
		return UINT32_MAX;
	uint32_t *index = hp_table_row(hd, HP_T_STACK_INDEX, 0);
	uint64_t h = stack_hash(f, n);
	uint32_t i = (uint32_t)(h >> 17) & mask;
	for (uint32_t probe = 0; probe <= mask; probe++, i = (i + 1) & mask) {
		uint32_t v = __atomic_load_n(&index[i], __ATOMIC_ACQUIRE);
		if (!v) {
			if (!insert)
				return UINT32_MAX;
			if (mine == UINT32_MAX)
				mine = stack_new(hd, f, n, h, flags);
			if (mine == UINT32_MAX)
				return UINT32_MAX;
			if (__atomic_compare_exchange_n(&index[i], &v, mine + 1, 0,
							__ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
				return mine;
			/* v now holds the stack that took the slot: compare with it below. */
		}
		if (v - 1 < st->capacity &&
		    same_frames(hd, hp_table_row(hd, HP_T_STACKS, v - 1), h, f, n))
			return v - 1;
	}
	return UINT32_MAX;
}

uint32_t hp_stack_intern(const uint64_t *frames, uint32_t n, uint16_t flags, int from_signal)
{
	int folded;
	(void)from_signal; /* every path here is async-signal-safe */
	uint32_t id = hp_stack_intern_folded(frames, n, flags, &folded);
	if (folded && hp_g.hdr) /* the CPU sampler's count; allocations count their own */
		__atomic_fetch_add(&hp_g.hdr->stacks_folded, 1, __ATOMIC_RELAXED);
	return id;
}

uint32_t hp_stack_intern_folded(const uint64_t *frames, uint32_t n, uint16_t flags, int *folded)
{
	struct hp_region_header *hd = hp_g.hdr;
	*folded = 0;
	if (!hd || !n)
		return 0;
	if (n > HP_STACK_DEPTH_MAX)
		n = HP_STACK_DEPTH_MAX;
	uint32_t id = stack_find(hd, frames, n, flags, 1);
	if (HP_LIKELY(id != UINT32_MAX))
		return id;
	/* Full: the longest prefix (outermost frames) already known stands for the stack. */
	*folded = 1;
	for (uint32_t m = n - 1; m > 0; m--) {
		id = stack_find(hd, frames, m, 0, 0);
		if (id != UINT32_MAX)
			return id;
	}
	return 0;
}
