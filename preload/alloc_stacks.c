/* alloc_stacks.c - allocation stacks (HP_MODE_ALLOC_STACKS, --alloc-stacks): the call stack of
 * every allocation, interned in the region's stack table (stacks.c) that the CPU sampler
 * shares, and counted per stack in HP_T_ALLOC_STACKS (row = stack id): allocations, frees,
 * temporaries, and the bytes each stack held when the process's peak was taken.
 *
 * A full unwind (libunwind, DWARF CFI, its per-thread cache of unwind info) costs about a
 * microsecond at depth 30. A hot allocation site is reached again and again along the same
 * path, with the stack at the same place: each thread keeps a cache keyed by the hook's
 * return address and stack pointer, whose entry holds, for every outer frame, the return
 * address found last time and the stack slot it was found in. A hit is one hash probe and one
 * load and compare per frame, checking that the slots still hold those return addresses: the
 * same chain of return addresses at the same places is the same stack, however it was built.
 * A frame whose slot moved (alloca, another path) misses, and the full unwind refills the
 * entry. docs/memory.md "Allocation stacks" has the measurements.
 *
 * Runs inside the malloc hooks: no locks, no malloc (the per-thread cache is mmap'd, once),
 * re-entry from a signal handler bypasses the cache, counters are relaxed atomics on shared
 * rows (a block is freed by any thread). */
#include <sys/mman.h>

#include "internal.h"
#include "stacks.h"

#define ACACHE_BITS 11
#define ACACHE_SIZE (1u << ACACHE_BITS)
#define ACACHE_DEPTH 48 /* deeper stacks are unwound every time */

struct acache_ent {
	uint64_t ra, sp;	    /* key: the hook's return address and canonical frame address */
	uint32_t id;		    /* stack id */
	uint16_t n;		    /* frames, the caller's included */
	uint16_t gen;		    /* astack_gen when filled; 0 = empty */
	uint32_t folded;	    /* recorded shorter: the stack table was full */
	uint32_t off[ACACHE_DEPTH]; /* frame i >= 1: its return address slot - sp */
	uint64_t ret[ACACHE_DEPTH]; /* frame i >= 1: the return address found there */
};

struct acache {
	struct acache_ent e[ACACHE_SIZE];
};

static __thread struct {
	struct acache *cache; /* mmap'd at the thread's first allocation; NULL: none (yet) */
	uint32_t busy;	      /* inside hp_astack_take: a nested call bypasses the cache */
	uint32_t no_cache;    /* the mmap failed: never try again on this thread */
} atls __attribute__((tls_model("initial-exec")));

static uint16_t astack_gen = 1; /* bumped in a forked child: the parent's ids are not ours */
static int snap_busy;		/* a thread is taking the peak snapshot */

static inline struct acache_ent *slot_of(struct acache *c, uint64_t ra, uint64_t sp)
{
	uint64_t k = (ra ^ (sp * 0x9E3779B97F4A7C15ull)) * 0xff51afd7ed558ccdull;
	return &c->e[k >> (64 - ACACHE_BITS)];
}

static inline int still_there(const struct acache_ent *e, uint64_t sp)
{
	for (uint32_t i = 1; i < e->n; i++)
		if (*(const uint64_t *)(sp + e->off[i]) != e->ret[i])
			return 0;
	return 1;
}

static void cache_fill(struct acache_ent *e, uint64_t ra, uint64_t sp, const uint64_t *ras,
		       const uint64_t *sps, uint32_t n, uint32_t id, int folded)
{
	e->gen = 0; /* not valid while it changes */
	for (uint32_t i = 1; i < n; i++) {
		uint64_t slot = hp_arch_ra_slot(sps[i]);
		if (slot <= sp || slot - sp > UINT32_MAX)
			return; /* another stack (a signal frame's): not cacheable */
		e->off[i] = (uint32_t)(slot - sp);
		e->ret[i] = ras[i];
	}
	e->ra = ra;
	e->sp = sp;
	e->n = (uint16_t)n;
	e->id = id;
	e->folded = (uint32_t)folded;
	e->gen = astack_gen;
}

static struct acache *cache_get(void)
{
	if (HP_LIKELY(atls.cache != NULL) || atls.no_cache)
		return atls.cache;
	struct hp_own own = hp_own_begin();
	void *m = mmap(NULL, sizeof(struct acache), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hp_own_end(own);
	if (m == MAP_FAILED) {
		atls.no_cache = 1;
		return NULL;
	}
	atls.cache = m;
	return atls.cache;
}

/* The full unwind, interned; `e` (may be NULL) is refilled. */
static HP_NOINLINE uint32_t take_slow(uint64_t ra, uint64_t sp, struct acache_ent *e, int *folded)
{
	uint64_t ras[HP_STACK_DEPTH_MAX], sps[HP_STACK_DEPTH_MAX];
	uint16_t flags;
	uint32_t n = hp_unwind_caller(ra, sp, ras, sps, HP_STACK_DEPTH_MAX, &flags);
	int reentered = n == 1 && (flags & HP_STACK_CUT);
	if (e && !reentered && n <= ACACHE_DEPTH) {
		/* Fill the offsets now (sps is reused for the frames below); the id comes last. */
		cache_fill(e, ra, sp, ras, sps, n, 0, 0);
	}
	/* Outermost first, each a return address minus one: the call instruction's line. */
	for (uint32_t i = 0; i < n; i++)
		sps[i] = ras[n - 1 - i] - 1;
	uint32_t id = hp_stack_intern_folded(sps, n, flags, folded);
	if (e && e->gen == astack_gen && e->ra == ra && e->sp == sp) {
		e->id = id;
		e->folded = (uint32_t)*folded;
	}
	return id;
}

uint32_t hp_astack_take(uint64_t ra, uint64_t sp)
{
	struct hp_region_header *h = hp_g.hdr;
	int folded = 0;
	uint32_t id;
	if (HP_UNLIKELY(!h))
		return 0;
	if (HP_LIKELY(atls.busy++ == 0)) {
		struct acache *c = cache_get();
		struct acache_ent *e = c ? slot_of(c, ra, sp) : NULL;
		if (e && e->ra == ra && e->sp == sp && e->gen == astack_gen && still_there(e, sp)) {
			id = e->id;
			folded = (int)e->folded;
		} else {
			id = take_slow(ra, sp, e, &folded);
		}
	} else {
		id = take_slow(ra, sp, NULL, &folded);
	}
	atls.busy--;
	if (HP_UNLIKELY(folded))
		__atomic_fetch_add(&h->alloc_stacks_dropped, 1, __ATOMIC_RELAXED);
	return id;
}

static inline struct hp_alloc_stack_rec *srow(struct hp_region_header *h, uint32_t id)
{
	if (id >= h->tables[HP_T_ALLOC_STACKS].capacity)
		return NULL;
	return hp_table_row(h, HP_T_ALLOC_STACKS, id);
}

void hp_astack_alloc(uint32_t id, uint64_t n)
{
	struct hp_alloc_stack_rec *r = srow(hp_g.hdr, id);
	if (!r)
		return;
	__atomic_fetch_add(&r->alloc_count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->alloc_bytes, n, __ATOMIC_RELAXED);
}

void hp_astack_free(uint32_t id, uint64_t n, int temporary)
{
	struct hp_region_header *h = hp_g.hdr;
	struct hp_alloc_stack_rec *r = h ? srow(h, id) : NULL;
	if (!r)
		return;
	__atomic_fetch_add(&r->free_count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->free_bytes, n, __ATOMIC_RELAXED);
	if (temporary)
		__atomic_fetch_add(&r->temporary_count, 1, __ATOMIC_RELAXED);
}

/* The process's live bytes reached `peak`, a new high: when it passes the last snapshot by a
 * 64th (at least 4 KiB), every stack's live bytes become its peak_bytes. One thread at a time
 * (a thread that finds another at it skips: the next rise takes it); `force` takes it on any
 * rise (at exit, when the peak is now). The cost is one pass over
 * the stacks per rise, a few hundred passes from nothing to gigabytes. */
void hp_astack_peak(struct hp_region_header *h, int64_t peak, int force)
{
	int64_t snap = __atomic_load_n(&h->stacks_peak_live, __ATOMIC_RELAXED);
	int64_t step = snap / 64 > 4096 ? snap / 64 : 4096;
	if ((force ? peak <= snap : peak < snap + step) ||
	    __atomic_exchange_n(&snap_busy, 1, __ATOMIC_ACQUIRE))
		return;
	uint32_t n = __atomic_load_n(&h->tables[HP_T_STACKS].claimed, __ATOMIC_RELAXED);
	uint32_t cap = h->tables[HP_T_ALLOC_STACKS].capacity;
	if (n > cap)
		n = cap;
	for (uint32_t i = 0; i < n; i++) {
		struct hp_alloc_stack_rec *r = hp_table_row(h, HP_T_ALLOC_STACKS, i);
		int64_t live = (int64_t)(__atomic_load_n(&r->alloc_bytes, __ATOMIC_RELAXED) -
					 __atomic_load_n(&r->free_bytes, __ATOMIC_RELAXED));
		if (live < 0)
			live = 0; /* a free counted before its allocation, on another thread */
		if (__atomic_load_n(&r->peak_bytes, __ATOMIC_RELAXED) != live)
			__atomic_store_n(&r->peak_bytes, live, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&h->stacks_peak_live, peak, __ATOMIC_RELAXED);
	__atomic_store_n(&snap_busy, 0, __ATOMIC_RELEASE);
}

/* Start-up, after the region exists: libunwind's per-thread caching. */
void hp_astack_init(void)
{
	if (hp_unwind_init() < 0)
		hp_debug("libunwind unusable: allocation stacks hold the calling frame only");
}

void hp_astack_thread_end(void)
{
	struct acache *c = atls.cache;
	if (c) {
		atls.cache = NULL;
		atls.no_cache = 1; /* allocations of the thread's last moments: full unwinds */
		HP_BARRIER();
		struct hp_own own = hp_own_begin();
		munmap(c, sizeof(*c));
		hp_own_end(own);
	}
}

/* Forked child: the stack ids in the cache are the parent's region's. */
void hp_astack_after_fork(void)
{
	if (!++astack_gen)
		astack_gen = 1;
	snap_busy = 0;
	atls.busy = 0;
}
