/* alloc.c - the malloc family: every allocation and free of the program, counted per thread,
 * attributed to the functions on the shadow stack, with the process's live and peak bytes.
 *
 * Each block the program gets from us carries a 16-byte header in front of it (struct
 * hp_ahdr): the size the program asked for, how far the real block starts before it, the
 * statistics row that allocated it and the process generation (fork count). A free knows
 * exactly what to subtract, and a block from elsewhere (a header-less pointer from glibc, or a
 * block of our bootstrap pool) is recognised: glibc's chunk header keeps the top 16 bits of the
 * size word zero, where we keep a non-zero tag. docs/memory.md explains the choices.
 *
 * Hot path: a thread-local load, plain single-instruction adds into this thread's rows (atomic
 * with respect to signal handlers on the same thread), no locks, no syscalls. errno is the real
 * allocator's: nothing here sets it except where glibc would (overflowing sizes). */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#ifdef HP_TSAN
/* make tsan: ThreadSanitizer owns malloc (its runtime frees blocks of its own allocator
 * through the first free it finds), so that build of the library leaves the family alone. */
void hp_alloc_thread_end(void)
{
}

void hp_alloc_after_fork(void)
{
}
#else

/* ---- the real allocator, and the pool that serves dlsym before we know it ---- */

HP_NEXT_DECL(void *, malloc, (size_t));
HP_NEXT_DECL(void *, calloc, (size_t, size_t));
HP_NEXT_DECL(void *, realloc, (void *, size_t));
HP_NEXT_DECL(void, free, (void *));
HP_NEXT_DECL(int, posix_memalign, (void **, size_t, size_t));
HP_NEXT_DECL(void *, aligned_alloc, (size_t, size_t));
HP_NEXT_DECL(void *, memalign, (size_t, size_t));
HP_NEXT_DECL(void *, valloc, (size_t));
HP_NEXT_DECL(void *, pvalloc, (size_t));
HP_NEXT_DECL(size_t, malloc_usable_size, (void *));
static int resolving;

/* dlsym allocates (its error buffer) before we can call the real calloc: a bump allocator over
 * a static array serves those calls. Pool blocks are never freed. */
#define POOL_SIZE (64 * 1024)
static char pool[POOL_SIZE] __attribute__((aligned(16)));
static size_t pool_used;

static int in_pool(const void *p)
{
	return (const char *)p >= pool && (const char *)p < pool + POOL_SIZE;
}

static void *pool_alloc(size_t n)
{
	size_t need = 16 + ((n + 15) & ~(size_t)15);
	if (n > POOL_SIZE)
		return NULL;
	size_t at = __atomic_fetch_add(&pool_used, need, __ATOMIC_RELAXED);
	if (at + need > POOL_SIZE)
		return NULL;
	*(size_t *)(pool + at) = n; /* zero-filled already (static storage, never reused) */
	return pool + at + 16;
}

static size_t pool_size(const void *p)
{
	return *(const size_t *)((const char *)p - 16);
}

/* All at once and malloc last (a non-NULL hp_next_malloc says all are known), not through
 * HP_NEXT's lazy lookup: dlsym allocates before it can answer, and while `resolving` is set
 * those calls are served from the pool. */
#define LOOKUP(name) (hp_next_##name = hp_next_lookup(#name, NULL))
static void resolve(void)
{
	if (resolving)
		return;
	resolving = 1;
	LOOKUP(calloc);
	LOOKUP(free);
	LOOKUP(realloc);
	LOOKUP(posix_memalign);
	LOOKUP(aligned_alloc);
	LOOKUP(memalign);
	LOOKUP(valloc);
	LOOKUP(pvalloc);
	LOOKUP(malloc_usable_size);
	__atomic_store_n(&hp_next_malloc, hp_next_lookup("malloc", NULL), __ATOMIC_RELEASE);
	resolving = 0;
}

static inline int ready_real(void)
{
	if (HP_LIKELY(hp_next_malloc != NULL))
		return 1;
	resolve();
	return hp_next_malloc != NULL;
}

/* ---- the block header ---- */

#ifndef HP_NOP
#define HDR 16
#define TAG 0xA7C5u /* never 0: glibc's chunk size word has 0 here */
#define SIZE_MASK ((1ull << 48) - 1)
#define SIZE_MAX_REQ (1ull << 47) /* larger requests fail as glibc's would (ENOMEM) */
#define COUNTED (1ull << 63)
#define HAS_STACK (1ull << 62) /* a struct hp_ahdr_ext precedes the header */
#define SHIFT_OF(w) ((unsigned)((w) >> 48) & 0x3f)

/* Just before the pointer the program holds. `offset` = 1 << shift bytes separate the real
 * block's start from that pointer: 16 normally, the alignment for aligned requests. */
struct hp_ahdr {
	uint64_t word; /* bits 0-47 size asked for, 48-53 log2(offset), 63 counted */
	uint32_t row;  /* 1 + hp_fstat row of the innermost function at allocation, 0 none */
	uint16_t gen;  /* process generation (forks) that counted it */
	uint16_t tag;  /* TAG */
};
_Static_assert(sizeof(struct hp_ahdr) == HDR, "header is 16 bytes");

/* With allocation stacks the offset is 32 and these 16 bytes come first: the stack that made
 * the block, so that its free counts there. */
struct hp_ahdr_ext {
	uint32_t stack1; /* stack id + 1 */
	uint32_t reserved;
	uint64_t reserved2;
};

/* log2 of the offset of a plain (not aligned) block: 4, or 5 with allocation stacks. Set once
 * at start-up; blocks made before keep their own (realloc moves them). */
static unsigned hdr_shift = 4;

/* Where the program called the hook from: the return address and the stack pointer after the
 * return (arch.h), taken in the exported function itself. The allocation stack's key. */
struct site {
	uint64_t ra, sp;
};
#define HERE()                                                                                     \
	((struct site){(uint64_t)__builtin_return_address(0),                                      \
		       hp_arch_frame_cfa(__builtin_frame_address(0))})

static uint16_t alloc_gen; /* bumped in each forked child */

/* Live bytes, per thread: `delta` is what this thread allocated minus freed since it last
 * added that to hdr->live_bytes (a flush, when |delta| passes LIVE_SLACK), `seen` the total
 * that flush returned. seen + delta is the process's live bytes as far as this thread knows:
 * exact with one thread, off by at most LIVE_SLACK per other thread. Its maximum goes to the
 * thread row (peak_live_est); flushes raise hdr->peak_live_bytes. No shared cache line is
 * touched between flushes. */
static __thread struct {
	int64_t delta;
	int64_t seen;
	int started; /* seen was taken from the process total at the thread's first count */
	const void *last_block; /* allocation stacks: this thread's last block (temporaries) */
} live __attribute__((tls_model("initial-exec")));
/* 64 KiB; 4 KiB with allocation stacks, whose peak snapshot is taken at flushes. */
static int64_t live_slack = 64 * 1024;

/* Counts made before start-up finished (one thread then): added to orphan_alloc later. */
static struct hp_alloc_counts early;

/* A single add instruction (arch.h): atomic with respect to a signal handler on this thread
 * (not to other threads: use it only on single-writer fields). */
static inline void sig_add(uint64_t *p, uint64_t v)
{
	hp_arch_add_local(p, v);
}

static inline void sig_add_i64(int64_t *p, int64_t v)
{
	hp_arch_add_local((uint64_t *)p, (uint64_t)v);
}

static inline struct hp_ahdr *hdr_of(void *p)
{
	return (struct hp_ahdr *)p - 1;
}

static inline struct hp_ahdr_ext *ext_of(void *p)
{
	return (struct hp_ahdr_ext *)((struct hp_ahdr *)p - 1) - 1;
}

/* The stack id + 1 of a block, 0 when it has none. */
static inline uint32_t stack_of(void *p, const struct hp_ahdr *ah)
{
	return ah->word & HAS_STACK ? ext_of(p)->stack1 : 0;
}

static inline int is_ours(const struct hp_ahdr *h)
{
	return h->tag == TAG;
}

static inline void *base_of(void *p, const struct hp_ahdr *h)
{
	return (char *)p - ((size_t)1 << SHIFT_OF(h->word));
}

/* ---- live and peak bytes ---- */

static void peak_raise(struct hp_region_header *h, int64_t v)
{
	int64_t peak = __atomic_load_n(&h->peak_live_bytes, __ATOMIC_RELAXED);
	while (v > peak && !__atomic_compare_exchange_n(&h->peak_live_bytes, &peak, v, 1,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Add this thread's delta to the process total (exchange: a signal handler may add to it
 * meanwhile). `est` is the thread's peak estimate, or 0. */
static HP_NOINLINE void live_flush(struct hp_region_header *h, int64_t est)
{
	int64_t d = __atomic_exchange_n(&live.delta, 0, __ATOMIC_RELAXED);
	live.seen = __atomic_add_fetch(&h->live_bytes, d, __ATOMIC_RELAXED);
	live.started = 1;
	peak_raise(h, est > live.seen ? est : live.seen);
	if (hp_g.modes & HP_MODE_ALLOC_STACKS)
		hp_astack_peak(h, __atomic_load_n(&h->peak_live_bytes, __ATOMIC_RELAXED), 0);
}

static HP_NOINLINE void live_start(struct hp_region_header *h)
{
	live.seen = __atomic_load_n(&h->live_bytes, __ATOMIC_RELAXED);
	live.started = 1;
}

static inline void live_up(struct hp_region_header *h, struct hp_thread_rec *tr, uint64_t n)
{
	if (HP_UNLIKELY(!live.started))
		live_start(h);
	sig_add_i64(&live.delta, (int64_t)n);
	int64_t d = live.delta, est = live.seen + d;
	if (est > tr->peak_live_est)
		tr->peak_live_est = est;
	if (HP_UNLIKELY(d > live_slack))
		live_flush(h, tr->peak_live_est);
}

static inline void live_down(struct hp_region_header *h, struct hp_thread_rec *tr, uint64_t n)
{
	sig_add_i64(&live.delta, -(int64_t)n);
	if (HP_UNLIKELY(live.delta < -live_slack))
		live_flush(h, tr->peak_live_est);
}

/* ---- counting ---- */

/* Headers are added until start-up tells whether allocations are tracked; afterwards only in
 * alloc mode (free tells the two kinds apart by the tag). */
static inline int tracking(void)
{
	return !hp_g.ready || (hp_g.modes & HP_MODE_ALLOC);
}

static inline int counted_here(const struct hp_ahdr *ah)
{
	return (ah->word & COUNTED) && ah->gen == alloc_gen && tracking();
}

static inline struct hp_fstat *row_ptr(struct hp_region_header *h, uint32_t row)
{
	if (!row || row > h->tables[HP_T_FSTATS].capacity)
		return NULL;
	return hp_table_row(h, HP_T_FSTATS, row - 1);
}

static inline uint32_t row_index(struct hp_region_header *h, const struct hp_fstat *rec)
{
	const char *base = (const char *)h + h->tables[HP_T_FSTATS].offset;
	return (uint32_t)(((const char *)rec - base) / sizeof(struct hp_fstat)) + 1;
}

/* An allocation or free that no thread row can take. Rare: atomics are fine. */
static HP_NOINLINE void count_orphan(int is_free, uint64_t n)
{
	struct hp_region_header *h = hp_g.hdr;
	if (!hp_g.ready || !h) {
		/* Start-up: one thread, no region yet. */
		*(is_free ? &early.free_count : &early.alloc_count) += 1;
		*(is_free ? &early.free_bytes : &early.alloc_bytes) += n;
		return;
	}
	struct hp_alloc_counts *o = &h->orphan_alloc;
	__atomic_fetch_add(is_free ? &o->free_count : &o->alloc_count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(is_free ? &o->free_bytes : &o->alloc_bytes, n, __ATOMIC_RELAXED);
	int64_t d = is_free ? -(int64_t)n : (int64_t)n;
	sig_add_i64(&live.delta, d);
	live_flush(h, 0);
}

/* This thread's state for counting, or NULL: then the call is an orphan (*orphan = 1) or not
 * counted at all (our own code: *orphan = 0). */
static inline struct hp_tstate *counting_thread(int *orphan)
{
	struct hp_tls *tl = &hp_tls;
	struct hp_tstate *ts = tl->ts;
	*orphan = 0;
	if (HP_LIKELY(ts && !tl->guard))
		return ts;
	if (tl->guard)
		return NULL;
	if (hp_g.ready && hp_g.hdr && tl->state == HP_TLS_NEW && (ts = hp_thread_slow()))
		return ts;
	*orphan = 1;
	return NULL;
}

/* Count an allocation of n bytes and fill the header in front of user pointer p. */
static inline __attribute__((always_inline)) void count_alloc(void *p, uint64_t n, unsigned shift,
							      struct site at)
{
	struct hp_ahdr *ah = hdr_of(p);
	int orphan;
	uint64_t word = n | (uint64_t)shift << 48;
	uint32_t row = 0;
	/* Timing only: a block that realloc moves keeps a header but is not counted. */
	struct hp_tstate *ts = tracking() ? counting_thread(&orphan) : (orphan = 0, NULL);
	if (HP_LIKELY(ts != NULL)) {
		struct hp_region_header *h = hp_g.hdr;
		struct hp_thread_rec *tr = ts->trec;
		uint32_t d = ts->depth;
		sig_add(&tr->alloc_count, 1);
		sig_add(&tr->alloc_bytes, n);
		if (d == 0) {
			sig_add(&tr->outside_alloc.alloc_count, 1);
			sig_add(&tr->outside_alloc.alloc_bytes, n);
		} else if (d <= HP_STACK_MAX) {
			struct hp_fstat *rec = ts->stack[d - 1].rec;
			if (rec) {
				sig_add(&rec->own_alloc_count, 1);
				sig_add(&rec->own_alloc_bytes, n);
				if (hp_g.modes & HP_MODE_ALLOC_SELF) {
					sig_add(&rec->alloc_count, 1);
					sig_add(&rec->alloc_bytes, n);
				}
				row = row_index(h, rec);
			}
		}
		if ((hp_g.modes & HP_MODE_ALLOC_STACKS) && shift >= 5) {
			/* Before live_up: a peak snapshot there must see this block. */
			uint32_t id = hp_astack_take(at.ra, at.sp);
			hp_astack_alloc(id, n);
			ext_of(p)->stack1 = id + 1;
			word |= HAS_STACK;
			live.last_block = p;
		}
		live_up(h, tr, n);
		word |= COUNTED;
	} else if (orphan) {
		count_orphan(0, n);
		word |= COUNTED;
	}
	ah->word = word;
	ah->row = row;
	ah->gen = alloc_gen;
	ah->tag = TAG;
}

/* Count the free of a block whose header says it was counted in this process image. */
static inline __attribute__((always_inline)) void count_free(struct hp_ahdr *ah, uint32_t stack1,
							     const void *p)
{
	uint64_t n = ah->word & SIZE_MASK;
	int orphan;
	struct hp_tstate *ts = counting_thread(&orphan);
	if (HP_LIKELY(ts != NULL)) {
		struct hp_region_header *h = hp_g.hdr;
		struct hp_thread_rec *tr = ts->trec;
		uint32_t d = ts->depth;
		sig_add(&tr->free_count, 1);
		sig_add(&tr->free_bytes, n);
		if (d == 0) {
			sig_add(&tr->outside_alloc.free_count, 1);
			sig_add(&tr->outside_alloc.free_bytes, n);
		} else if (hp_g.modes & HP_MODE_ALLOC_SELF && d <= HP_STACK_MAX) {
			struct hp_fstat *rec = ts->stack[d - 1].rec;
			if (rec) {
				sig_add(&rec->free_count, 1);
				sig_add(&rec->free_bytes, n);
			}
		}
		struct hp_fstat *own = row_ptr(h, ah->row);
		if (own) {
			if (own->thread == ts->thread_row) {
				sig_add(&own->own_freed_count, 1);
				sig_add(&own->own_freed_bytes, n);
			} else {
				__atomic_fetch_add(&own->own_remote_freed_count, 1,
						   __ATOMIC_RELAXED);
				__atomic_fetch_add(&own->own_remote_freed_bytes, n,
						   __ATOMIC_RELAXED);
			}
		}
		if (stack1) {
			/* heaptrack's temporary: freed with no allocation since it was made. */
			hp_astack_free(stack1 - 1, n, p == live.last_block);
			live.last_block = NULL;
		}
		live_down(h, tr, n);
	} else if (orphan) {
		if (stack1 && hp_g.ready)
			hp_astack_free(stack1 - 1, n, 0);
		struct hp_fstat *own = hp_g.ready && hp_g.hdr ? row_ptr(hp_g.hdr, ah->row) : NULL;
		if (own) {
			__atomic_fetch_add(&own->own_remote_freed_count, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&own->own_remote_freed_bytes, n, __ATOMIC_RELAXED);
		}
		count_orphan(1, n);
	}
}

/* ---- the interposed functions ---- */

/* Our own calls go to these, never through the PLT (the executable may define malloc). */
static void *do_malloc(size_t n, struct site at)
{
	if (HP_UNLIKELY(!ready_real()))
		return pool_alloc(n);
	if (!tracking())
		return hp_next_malloc(n);
	if (HP_UNLIKELY(n > SIZE_MAX_REQ)) {
		errno = ENOMEM;
		return NULL;
	}
	size_t off = (size_t)1 << hdr_shift;
	char *b = hp_next_malloc(n + off);
	if (HP_UNLIKELY(!b))
		return NULL;
	count_alloc(b + off, n, hdr_shift, at);
	return b + off;
}

static void do_free(void *p)
{
	if (HP_UNLIKELY(!p || in_pool(p)))
		return;
	if (HP_UNLIKELY(!ready_real()))
		return; /* cannot happen: p came from somewhere */
	struct hp_ahdr *ah = hdr_of(p);
	if (HP_UNLIKELY(!is_ours(ah))) {
		hp_next_free(p);
		return;
	}
	void *base = base_of(p, ah);
	if (counted_here(ah))
		count_free(ah, stack_of(p, ah), p);
	ah->tag = 0; /* a second free of p is glibc's to diagnose, not ours to misread */
	hp_next_free(base);
}

HP_EXPORT void *malloc(size_t n)
{
	return do_malloc(n, HERE());
}

HP_EXPORT void free(void *p)
{
	do_free(p);
}

HP_EXPORT void *calloc(size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	if (HP_UNLIKELY(!ready_real()))
		return pool_alloc(n); /* static storage: already zero */
	if (!tracking())
		return hp_next_calloc(nmemb, size);
	if (HP_UNLIKELY(n > SIZE_MAX_REQ)) {
		errno = ENOMEM;
		return NULL;
	}
	size_t off = (size_t)1 << hdr_shift;
	char *b = hp_next_calloc(1, n + off);
	if (HP_UNLIKELY(!b))
		return NULL;
	count_alloc(b + off, n, hdr_shift, HERE());
	return b + off;
}

/* A new tracked block of n bytes holding the first `keep` bytes of old; NULL on failure. */
static void *move_block(const void *old, size_t keep, size_t n, struct site at)
{
	void *q = do_malloc(n, at);
	if (q && keep)
		memcpy(q, old, keep < n ? keep : n);
	return q;
}

HP_EXPORT void *realloc(void *p, size_t n)
{
	struct site at = HERE();
	if (HP_UNLIKELY(!ready_real())) {
		void *q = pool_alloc(n);
		if (q && p && in_pool(p))
			hp_memcpy(q, p, pool_size(p) < n ? pool_size(p) : n);
		return q;
	}
	if (!p) {
		if (!tracking())
			return hp_next_realloc(NULL, n);
		if (HP_UNLIKELY(n > SIZE_MAX_REQ)) {
			errno = ENOMEM;
			return NULL;
		}
		size_t off = (size_t)1 << hdr_shift;
		char *b = hp_next_realloc(NULL, n + off);
		if (!b)
			return NULL;
		count_alloc(b + off, n, hdr_shift, at);
		return b + off;
	}
	if (in_pool(p))
		return n ? move_block(p, pool_size(p), n, at) : NULL;
	struct hp_ahdr *ah = hdr_of(p);
	if (!is_ours(ah))
		return hp_next_realloc(p, n);
	void *base = base_of(p, ah);
	if (n == 0) {
		/* glibc frees the block and returns NULL. */
		do_free(p);
		return NULL;
	}
	if (HP_UNLIKELY(n > SIZE_MAX_REQ)) {
		errno = ENOMEM;
		return NULL;
	}
	unsigned shift = SHIFT_OF(ah->word);
	if (shift != hdr_shift) {
		/* Aligned block (glibc's realloc would not keep the alignment either), or one
		 * made before start-up chose the offset. */
		void *q = move_block(p, ah->word & SIZE_MASK, n, at);
		if (q)
			do_free(p);
		return q;
	}
	struct hp_ahdr old = *ah;
	uint32_t stack1 = stack_of(p, ah);
	size_t off = (size_t)1 << shift;
	char *b = hp_next_realloc(base, n + off);
	if (!b)
		return NULL; /* the old block and its header are untouched */
	if (counted_here(&old))
		count_free(&old, stack1, p);
	count_alloc(b + off, n, shift, at);
	return b + off;
}

HP_EXPORT void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n);
}

enum { K_POSIX, K_ALIGNED, K_MEMALIGN, K_VALLOC, K_PVALLOC };

static unsigned log2_ceil(size_t v)
{
	unsigned s = 0;
	while (((size_t)1 << s) < v)
		s++;
	return s;
}

/* The aligned family: the real function of the same kind, asked for `offset` more bytes, where
 * offset (>= 16) is the alignment rounded up to a power of two; the program's pointer is the
 * real block + offset, so it has the alignment and room for the header before it. */
static void *aligned_common(int kind, size_t align, size_t n, int *err, struct site at)
{
	*err = 0;
	if (HP_UNLIKELY(!ready_real())) {
		*err = ENOMEM;
		return NULL;
	}
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (kind == K_VALLOC || kind == K_PVALLOC)
		align = page;
	size_t least = (size_t)1 << hdr_shift;
	unsigned shift = log2_ceil(align > least ? align : least);
	if (!tracking() || shift >= 48) {
		switch (kind) {
		case K_POSIX: {
			void *q = NULL;
			*err = hp_next_posix_memalign(&q, align, n);
			return q;
		}
		case K_ALIGNED: return hp_next_aligned_alloc(align, n);
		case K_MEMALIGN: return hp_next_memalign(align, n);
		case K_VALLOC: return hp_next_valloc(n);
		default: return hp_next_pvalloc(n);
		}
	}
	size_t off = (size_t)1 << shift, total;
	if (n > SIZE_MAX_REQ || __builtin_add_overflow(n, off, &total)) {
		*err = ENOMEM;
		if (kind != K_POSIX)
			errno = ENOMEM;
		return NULL;
	}
	char *b = NULL;
	switch (kind) {
	case K_POSIX: *err = hp_next_posix_memalign((void **)&b, align, total); break;
	case K_ALIGNED: b = hp_next_aligned_alloc(align, total); break;
	case K_MEMALIGN: b = hp_next_memalign(align, total); break;
	case K_VALLOC: b = hp_next_valloc(total); break;
	default: b = hp_next_pvalloc(total); break;
	}
	if (!b)
		return NULL;
	count_alloc(b + off, n, shift, at);
	return b + off;
}

HP_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	int err;
	void *q = aligned_common(K_POSIX, align, n, &err, HERE());
	if (q)
		*out = q;
	return q ? 0 : err;
}

HP_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	int err;
	return aligned_common(K_ALIGNED, align, n, &err, HERE());
}

HP_EXPORT void *memalign(size_t align, size_t n)
{
	int err;
	return aligned_common(K_MEMALIGN, align, n, &err, HERE());
}

HP_EXPORT void *valloc(size_t n)
{
	int err;
	return aligned_common(K_VALLOC, 0, n, &err, HERE());
}

HP_EXPORT void *pvalloc(size_t n)
{
	int err;
	return aligned_common(K_PVALLOC, 0, n, &err, HERE());
}

HP_EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (in_pool(p))
		return pool_size(p);
	if (!ready_real())
		return 0;
	struct hp_ahdr *ah = hdr_of(p);
	if (!is_ours(ah))
		return hp_next_malloc_usable_size(p);
	size_t off = (size_t)1 << SHIFT_OF(ah->word);
	return hp_next_malloc_usable_size(base_of(p, ah)) - off;
}

/* ---- life cycle (called from init.c and funcs.c) ---- */

/* The calling thread ends: hand its live-bytes delta to the process total. */
void hp_alloc_thread_end(void)
{
	struct hp_tstate *ts = hp_tls.ts;
	struct hp_region_header *h = hp_g.hdr;
	if (h && ts && (hp_g.modes & HP_MODE_ALLOC))
		live_flush(h, ts->trec->peak_live_est);
	if (h && (hp_g.modes & HP_MODE_ALLOC_STACKS)) {
		/* The peak is now (nothing freed since): take it exactly. */
		int64_t peak = __atomic_load_n(&h->peak_live_bytes, __ATOMIC_RELAXED);
		if (__atomic_load_n(&h->live_bytes, __ATOMIC_RELAXED) >= peak)
			hp_astack_peak(h, peak, 1);
		hp_astack_thread_end();
	}
}

/* In a forked child with its new region: blocks from the parent's image are not counted again
 * (a new generation), and this thread's delta belonged to the parent. */
void hp_alloc_after_fork(void)
{
	alloc_gen++;
	live.delta = live.seen = 0;
	live.last_block = NULL;
	hp_astack_after_fork();
	live.started = 1; /* the child's total starts at 0 */
}

/* After the constructor made the region: carry the start-up counts over, and note whether the
 * executable brings its own malloc (then its calls never reach us). */
__attribute__((constructor(102))) static void alloc_init(void)
{
	struct hp_region_header *h = hp_g.hdr;
	if (!h || !(hp_g.modes & HP_MODE_ALLOC))
		return;
	struct hp_own own = hp_own_begin();
	if (hp_g.modes & HP_MODE_ALLOC_STACKS) {
		hdr_shift = 5;
		live_slack = 4096;
		hp_astack_init();
	}
	struct hp_alloc_counts *o = &h->orphan_alloc;
	__atomic_fetch_add(&o->alloc_count, early.alloc_count, __ATOMIC_RELAXED);
	__atomic_fetch_add(&o->alloc_bytes, early.alloc_bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&o->free_count, early.free_count, __ATOMIC_RELAXED);
	__atomic_fetch_add(&o->free_bytes, early.free_bytes, __ATOMIC_RELAXED);
	live.delta += (int64_t)(early.alloc_bytes - early.free_bytes);
	live_flush(h, 0);
	early = (struct hp_alloc_counts){0};
	/* Not ours and a real definition: a non-PIE executable that takes malloc's address has a
	 * canonical PLT entry (an undefined symbol with a value) that dlsym returns. */
	void *m = dlsym(RTLD_DEFAULT, "malloc");
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	if (m && dladdr1(m, &info, (void **)&sym, RTLD_DL_SYMENT) && info.dli_fname &&
	    hp_g.lib_path[0] && hp_strcmp(info.dli_fname, hp_g.lib_path) != 0 &&
	    (!sym || sym->st_shndx != SHN_UNDEF)) {
		__atomic_fetch_or(&h->flags, HP_FLAG_OWN_MALLOC, __ATOMIC_RELAXED);
		hp_debug("malloc is defined by %s: its allocations are not seen", info.dli_fname);
	}
	hp_own_end(own);
}

#else  /* HP_NOP: a bare interposer, the baseline for the overhead of the hooks themselves */

HP_EXPORT void *malloc(size_t n)
{
	return HP_LIKELY(ready_real()) ? hp_next_malloc(n) : pool_alloc(n);
}

HP_EXPORT void free(void *p)
{
	if (p && !in_pool(p) && ready_real())
		hp_next_free(p);
}

HP_EXPORT void *calloc(size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return HP_LIKELY(ready_real()) ? hp_next_calloc(nmemb, size) : pool_alloc(n);
}

HP_EXPORT void *realloc(void *p, size_t n)
{
	if (HP_UNLIKELY(!ready_real()) || (p && in_pool(p))) {
		void *q = ready_real() ? hp_next_malloc(n) : pool_alloc(n);
		if (q && p)
			hp_memcpy(q, p, pool_size(p) < n ? pool_size(p) : n);
		return q;
	}
	return hp_next_realloc(p, n);
}

void hp_alloc_thread_end(void)
{
}

void hp_alloc_after_fork(void)
{
}
#endif /* HP_NOP */
#endif /* HP_TSAN */
