/* funcs.c - function timing: the -finstrument-functions hooks, the per-thread shadow stack and
 * the per-thread statistics rows they update.
 *
 * Hot path (enter + exit): one tick read (hp_ticks) per side, a thread-local cache lookup address -> row,
 * plain stores into rows only this thread writes. No syscalls, locks, atomics or allocation.
 * Signal safety: depth is bumped before a frame is filled and dropped after it is read, so a
 * handler that runs hooks between any two instructions uses the frames above ours. */
#include <errno.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "internal.h"

__thread struct hp_tls hp_tls __attribute__((tls_model("initial-exec")));

static inline uint32_t fcache_hash(uint64_t fn, uint32_t shift)
{
	return (uint32_t)(((fn >> 2) * 0x9E3779B97F4A7C15ull) >> shift);
}

/* A tombstone in the fcache: an address no function has, skipped by lookups, never empty. */
#define HP_FCACHE_GONE 1u

/* A zeroed array of `bytes` for a cache, NULL when none can be mapped. */
static void *cache_map(uint64_t bytes)
{
	int saved = errno;
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	errno = saved;
	return m == MAP_FAILED ? NULL : m;
}

/* Remember an outgrown array (unmapped at the thread's end), unless it is the inline one. */
static void cache_retire(struct hp_tstate *ts, void *old, uint64_t bytes)
{
	if (old == (void *)ts->fcache0 || old == (void *)ts->ncache0)
		return;
	ts->old[ts->nold] = old;
	ts->old_bytes[ts->nold++] = bytes;
}

/* The address cache is 3/4 full: move it to an array twice as large. -1 when none can be had
 * (then the function is not recorded, counted as a dropped row). */
static HP_NOINLINE int fcache_grow(struct hp_tstate *ts)
{
	uint32_t n = (ts->fcache_mask + 1) * 2, shift = ts->fcache_shift - 1, used = 0;
	struct hp_fcache_ent *ot = ts->fcache, *nt;
	if (ts->nold >= HP_CACHE_OLD_MAX || !n || !(nt = cache_map((uint64_t)n * sizeof(*nt))))
		return -1;
	for (uint32_t i = 0; i <= ts->fcache_mask; i++) {
		uint64_t fn = ot[i].fn;
		if (fn <= HP_FCACHE_GONE)
			continue;
		uint32_t j = fcache_hash(fn, shift);
		while (nt[j].fn)
			j = (j + 1) & (n - 1);
		nt[j] = ot[i];
		used++;
	}
	cache_retire(ts, ot, (uint64_t)(ts->fcache_mask + 1) * sizeof(*ot));
	ts->fcache = nt;
	HP_BARRIER();
	ts->fcache_shift = shift;
	ts->fcache_mask = n - 1;
	ts->fcache_used = used;
	return 0;
}

/* The first free slot for fn in the address cache (fn is not in it). */
static uint32_t fcache_free_slot(struct hp_tstate *ts, uint64_t fn)
{
	uint32_t i = fcache_hash(fn, ts->fcache_shift);
	while (ts->fcache[i].fn)
		i = (i + 1) & ts->fcache_mask;
	return i;
}

/* Claim a statistics row for fn on this thread. Slow path: once per (thread, function).
 * `tab` is the array the lookup probed, `slot` its free slot there. */
static HP_NOINLINE struct hp_fstat *fstat_new(struct hp_tstate *ts, uint64_t fn,
					      struct hp_fcache_ent *tab, uint32_t slot)
{
	if (ts->fcache_used >= (ts->fcache_mask + 1) / 4 * 3 && tab == ts->fcache) {
		if (fcache_grow(ts) < 0) {
			__atomic_fetch_add(&hp_g.hdr->tables[HP_T_FSTATS].overflow, 1,
					   __ATOMIC_RELAXED);
			__atomic_fetch_add(&hp_g.hdr->dropped, 1, __ATOMIC_RELAXED);
			return NULL;
		}
		tab = ts->fcache;
		slot = fcache_free_slot(ts, fn);
	}
	if (HP_UNLIKELY(hp_func_excluded(fn))) {
		/* '!pattern': remembered like a full table, with a mark the hooks skip on. */
		tab[slot].rec = HP_FSTAT_EXCLUDED;
		HP_BARRIER();
		tab[slot].fn = fn;
		ts->fcache_used++;
		return HP_FSTAT_EXCLUDED;
	}
	struct hp_fstat *rec = hp_table_claim(HP_T_FSTATS, NULL);
	if (!rec) {
		/* Remember the miss so that this function does not retry the claim on every call. */
		tab[slot].rec = NULL;
		__atomic_store_n(&tab[slot].fn, fn, __ATOMIC_RELAXED);
		ts->fcache_used++;
		return NULL;
	}
	rec->thread = ts->thread_row;
	rec->kind = HP_FN_INSTRUMENTED;
	rec->epoch = ts->epoch;
	rec->min_ticks = UINT64_MAX;
	ts->trec->fstat_rows++;
	__atomic_store_n(&rec->addr, fn, __ATOMIC_RELEASE);
	/* rec before fn: a signal handler that probes this slot sees either nothing or both. */
	tab[slot].rec = rec;
	HP_BARRIER();
	tab[slot].fn = fn;
	ts->fcache_used++;
	return rec;
}

static inline struct hp_fstat *fstat_lookup(struct hp_tstate *ts, uint64_t fn)
{
	struct hp_fcache_ent *tab = ts->fcache;
	uint32_t i = fcache_hash(fn, ts->fcache_shift), mask = ts->fcache_mask;
	for (;;) {
		struct hp_fcache_ent *e = &tab[i];
		if (HP_LIKELY(e->fn == fn))
			return e->rec;
		if (!e->fn)
			return fstat_new(ts, fn, tab, i);
		i = (i + 1) & mask;
	}
}

/* The cached row of fn, NULL when not cached. */
static inline struct hp_fstat *fstat_peek(struct hp_tstate *ts, uint64_t fn)
{
	struct hp_fcache_ent *tab = ts->fcache;
	uint32_t i = fcache_hash(fn, ts->fcache_shift), mask = ts->fcache_mask;
	for (;;) {
		struct hp_fcache_ent *e = &tab[i];
		if (e->fn == fn)
			return e->rec;
		if (!e->fn)
			return NULL;
		i = (i + 1) & mask;
	}
}

/* ---- the calling-context tree (docs/semantics.md "Call tree") ---- */

static inline uint32_t ncache_hash(uint64_t fn, uint32_t parent, uint32_t shift)
{
	return (uint32_t)((((fn >> 2) ^ ((uint64_t)parent << 24)) * 0x9E3779B97F4A7C15ull) >>
			  shift);
}

/* The path cache is 3/4 full: move it to an array twice as large; -1 when none can be had. */
static HP_NOINLINE int ncache_grow(struct hp_tstate *ts)
{
	uint32_t n = (ts->ncache_mask + 1) * 2, shift = ts->ncache_shift - 1, used = 0;
	struct hp_ncache_ent *ot = ts->ncache, *nt;
	if (ts->nold >= HP_CACHE_OLD_MAX || !n || !(nt = cache_map((uint64_t)n * sizeof(*nt))))
		return -1;
	for (uint32_t i = 0; i <= ts->ncache_mask; i++) {
		uint64_t fn = ot[i].fn;
		if (fn <= HP_FCACHE_GONE)
			continue;
		uint32_t j = ncache_hash(fn, ot[i].parent, shift);
		while (nt[j].fn)
			j = (j + 1) & (n - 1);
		nt[j] = ot[i];
		used++;
	}
	cache_retire(ts, ot, (uint64_t)(ts->ncache_mask + 1) * sizeof(*ot));
	ts->ncache = nt;
	HP_BARRIER();
	ts->ncache_shift = shift;
	ts->ncache_mask = n - 1;
	ts->ncache_used = used;
	return 0;
}

/* The node for (parent, fn) on this thread: claimed, or folded into the parent. Fills *e. */
static void tree_node_for(struct hp_tstate *ts, uint64_t fn, uint32_t parent,
			  struct hp_ncache_ent *e)
{
	struct hp_region_header *h = hp_g.hdr;
	e->node = parent;
	if (!(hp_g.modes & HP_MODE_TREE)) {
		e->tn = &ts->tree_off;
		return;
	}
	e->tn = &ts->trec->tree_fold;
	if (parent) {
		/* Direct recursion stays in the caller's node: calls count there, the total is
		 * the outermost frame's. */
		struct hp_tree_node *p = hp_table_row(h, HP_T_TREE, parent - 1);
		if (p->fn == fn) {
			e->tn = p;
			return;
		}
	}
	uint32_t row;
	struct hp_tree_node *n = hp_table_claim(HP_T_TREE, &row);
	if (!n)
		return; /* full: fold into the parent, counted in the thread's tree_fold */
	n->parent = parent;
	n->thread = ts->thread_row;
	__atomic_store_n(&n->fn, fn, __ATOMIC_RELEASE);
	e->node = row + 1;
	e->tn = n;
}

/* Slow path: once per (thread, call path). Fills the cache slot, or only ts->nfull when the
 * thread's cache is full (then every such call comes here, folded; a signal handler's hook
 * between this and the caller's reading may overwrite nfull: that call then counts under the
 * handler's function, a bounded misattribution of an already degraded case). */
static HP_NOINLINE const struct hp_ncache_ent *ncache_new(struct hp_tstate *ts, uint64_t fn,
							  uint32_t parent,
							  struct hp_ncache_ent *tab, uint32_t slot)
{
	struct hp_ncache_ent *tmp = &ts->nfull;
	if (ts->ncache_used >= (ts->ncache_mask + 1) / 4 * 3 && tab == ts->ncache &&
	    ncache_grow(ts) == 0) {
		tab = ts->ncache;
		slot = ncache_hash(fn, parent, ts->ncache_shift);
		while (tab[slot].fn)
			slot = (slot + 1) & ts->ncache_mask;
	}
	tmp->fn = fn;
	tmp->parent = parent;
	tmp->rec = fstat_lookup(ts, fn);
	if (ts->ncache_used >= (ts->ncache_mask + 1) / 4 * 3 || tab != ts->ncache) {
		tmp->node = parent;
		tmp->tn = (hp_g.modes & HP_MODE_TREE) ? &ts->trec->tree_fold : &ts->tree_off;
		return tmp;
	}
	if (tmp->rec == HP_FSTAT_EXCLUDED) {
		tmp->node = parent; /* never entered: no node (the hooks return on the mark) */
		tmp->tn = &ts->tree_off;
	} else {
		tree_node_for(ts, fn, parent, tmp);
	}
	struct hp_ncache_ent *e = &tab[slot];
	/* Everything before the key: a signal handler that probes this slot sees either
	 * nothing or all of it. */
	e->parent = parent;
	e->node = tmp->node;
	e->rec = tmp->rec;
	e->tn = tmp->tn;
	HP_BARRIER();
	e->fn = fn;
	ts->ncache_used++;
	return e;
}

static inline const struct hp_ncache_ent *ncache_lookup(struct hp_tstate *ts, uint64_t fn,
							uint32_t parent)
{
	struct hp_ncache_ent *tab = ts->ncache;
	uint32_t i = ncache_hash(fn, parent, ts->ncache_shift), mask = ts->ncache_mask;
	for (;;) {
		const struct hp_ncache_ent *e = &tab[i];
		if (HP_LIKELY(e->fn == fn && e->parent == parent))
			return e;
		if (!e->fn)
			return ncache_new(ts, fn, parent, tab, i);
		i = (i + 1) & mask;
	}
}

/* ---- threads that end hand their state on (docs/region.md "Threads that end") ----
 * A thread's statistics rows, tree nodes and the caches that find them outlive it: its state
 * goes to `retired`, and the next thread that starts adopts it and counts on in the same rows,
 * so a pool that recycles threads uses as many row sets as it has threads alive at once. Its
 * thread row is kept while the table is less than half full; past that, it is added to the
 * fold row and reused. Every structure here is lock-free: a hook in a signal handler may be a
 * thread's first. */
#define HP_RETIRED_MAX 1024
static struct hp_tstate *retired[HP_RETIRED_MAX];
static uint32_t nretired;  /* states in retired[]: lets a thread start skip the scan */
static uint64_t free_rows; /* thread rows to reuse: a stack, (tag << 32) | (row + 1), linked
			    * through the free rows' start_routine; the tag defeats ABA */

static void tstate_unmap_old(struct hp_tstate *ts)
{
	for (uint32_t i = 0; i < ts->nold; i++)
		munmap(ts->old[i], ts->old_bytes[i]);
	ts->nold = 0;
}

/* A state nobody uses any more, with its caches. */
static void tstate_unmap(struct hp_tstate *ts)
{
	tstate_unmap_old(ts);
	if (ts->fcache != ts->fcache0)
		munmap(ts->fcache, (uint64_t)(ts->fcache_mask + 1) * sizeof(*ts->fcache));
	if (ts->ncache != ts->ncache0)
		munmap(ts->ncache, (uint64_t)(ts->ncache_mask + 1) * sizeof(*ts->ncache));
	munmap(ts, sizeof(*ts));
}

static struct hp_tstate *retired_pop(void)
{
	if (!__atomic_load_n(&nretired, __ATOMIC_ACQUIRE))
		return NULL;
	for (uint32_t i = 0; i < HP_RETIRED_MAX; i++) {
		if (!__atomic_load_n(&retired[i], __ATOMIC_RELAXED))
			continue;
		struct hp_tstate *ts = __atomic_exchange_n(&retired[i], NULL, __ATOMIC_ACQUIRE);
		if (ts) {
			__atomic_fetch_sub(&nretired, 1, __ATOMIC_RELAXED);
			return ts;
		}
	}
	return NULL;
}

static int retired_push(struct hp_tstate *ts)
{
	for (uint32_t i = 0; i < HP_RETIRED_MAX; i++) {
		struct hp_tstate *none = NULL;
		if (!__atomic_load_n(&retired[i], __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&retired[i], &none, ts, 0, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED)) {
			__atomic_fetch_add(&nretired, 1, __ATOMIC_RELEASE);
			return 1;
		}
	}
	return 0;
}

static void thread_row_clear(struct hp_thread_rec *tr)
{
	uint64_t *w = (uint64_t *)tr;
	for (size_t i = 0; i < sizeof(*tr) / sizeof(*w); i++)
		__atomic_store_n(&w[i], 0, __ATOMIC_RELAXED);
}

/* A cleared row goes on the free stack. */
static void thread_row_free(struct hp_thread_rec *tr, uint32_t row)
{
	uint64_t head = __atomic_load_n(&free_rows, __ATOMIC_RELAXED), next;
	do {
		/* atomic: a popper holding a stale head may read the link meanwhile */
		__atomic_store_n(&tr->start_routine, (uint32_t)head, __ATOMIC_RELAXED);
		next = ((head >> 32) + 1) << 32 | (row + 1);
	} while (!__atomic_compare_exchange_n(&free_rows, &head, next, 1, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

/* A thread row for a starting thread: a reused one, else a new claim; NULL when full. */
static struct hp_thread_rec *thread_row_get(uint32_t *row)
{
	struct hp_region_header *h = hp_g.hdr;
	uint64_t head = __atomic_load_n(&free_rows, __ATOMIC_ACQUIRE);
	while ((uint32_t)head) {
		uint32_t r = (uint32_t)head - 1;
		struct hp_thread_rec *tr = hp_table_row(h, HP_T_THREADS, r);
		uint64_t link = __atomic_load_n(&tr->start_routine, __ATOMIC_RELAXED);
		uint64_t next = ((head >> 32) + 1) << 32 | (uint32_t)link;
		if (__atomic_compare_exchange_n(&free_rows, &head, next, 1, __ATOMIC_ACQUIRE,
						__ATOMIC_ACQUIRE)) {
			__atomic_store_n(&tr->start_routine, 0, __ATOMIC_RELAXED);
			*row = r;
			return tr;
		}
	}
	return hp_table_claim(HP_T_THREADS, row);
}

/* The fold row: the row of the first thread that folds, which becomes it (its counters are
 * already there). Not a new claim: a table filled by live threads would have no room for one,
 * and ended threads would then keep their rows forever. NULL when `tr` became the fold row. */
static struct hp_thread_rec *fold_row(struct hp_thread_rec *tr, uint32_t row)
{
	struct hp_region_header *h = hp_g.hdr;
	uint32_t f = __atomic_load_n(&h->thread_fold_row, __ATOMIC_ACQUIRE);
	if (f)
		return hp_table_row(h, HP_T_THREADS, f - 1);
	if (!__atomic_compare_exchange_n(&h->thread_fold_row, &f, row + 1, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return hp_table_row(h, HP_T_THREADS, f - 1); /* another thread's won */
	hp_strlcpy(tr->name, "(ended threads)", sizeof(tr->name));
	__atomic_store_n(&tr->start_routine, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&tr->state, HP_THREAD_FOLDED, __ATOMIC_RELEASE);
	__atomic_store_n(&tr->tid, -1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&h->threads_folded, 1, __ATOMIC_RELAXED);
	return NULL;
}

#define HP_FOLD_ADD(f, tr, field) __atomic_fetch_add(&(f)->field, (tr)->field, __ATOMIC_RELAXED)

/* The ended thread of row `row` once the table is half full: its counters into the fold row,
 * its CPU sample rows moved there, the row cleared and freed. Readers may see it in neither
 * for a moment (live only). */
static void thread_row_fold(struct hp_thread_rec *tr, uint32_t row)
{
	struct hp_region_header *h = hp_g.hdr;
	struct hp_table *t = &h->tables[HP_T_THREADS];
	if (__atomic_load_n(&t->claimed, __ATOMIC_RELAXED) < t->capacity / 2)
		return;
	struct hp_thread_rec *f = fold_row(tr, row);
	if (!f || f == tr)
		return;
	__atomic_store_n(&tr->tid, 0, __ATOMIC_RELEASE);
	HP_FOLD_ADD(f, tr, cpu_user_ns);
	HP_FOLD_ADD(f, tr, cpu_sys_ns);
	HP_FOLD_ADD(f, tr, cpu_ns);
	HP_FOLD_ADD(f, tr, cpu_samples);
	HP_FOLD_ADD(f, tr, alloc_count);
	HP_FOLD_ADD(f, tr, alloc_bytes);
	HP_FOLD_ADD(f, tr, free_count);
	HP_FOLD_ADD(f, tr, free_bytes);
	HP_FOLD_ADD(f, tr, outside_alloc.alloc_count);
	HP_FOLD_ADD(f, tr, outside_alloc.alloc_bytes);
	HP_FOLD_ADD(f, tr, outside_alloc.free_count);
	HP_FOLD_ADD(f, tr, outside_alloc.free_bytes);
	HP_FOLD_ADD(f, tr, lock_wait_ticks);
	HP_FOLD_ADD(f, tr, io_block_ticks);
	HP_FOLD_ADD(f, tr, fstat_rows);
	HP_FOLD_ADD(f, tr, calls);
	HP_FOLD_ADD(f, tr, tree_fold.calls);
	HP_FOLD_ADD(f, tr, tree_fold.total_ticks);
	int64_t peak = __atomic_load_n(&f->peak_live_est, __ATOMIC_RELAXED);
	while (tr->peak_live_est > peak &&
	       !__atomic_compare_exchange_n(&f->peak_live_est, &peak, tr->peak_live_est, 1,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	/* Its sample rows to the fold row: a scan of the table, only for a thread that has
	 * some (a row is claimed with the thread's first sample of its stack; most threads of a
	 * pool of short tasks have none). */
	if ((hp_g.modes & HP_MODE_SAMPLE) && tr->cpu_samples) {
		struct hp_table *st = &h->tables[HP_T_CPU_SAMPLES];
		uint32_t n = st->claimed < st->capacity ? st->claimed : st->capacity;
		uint32_t to = (uint32_t)(f -
					 (struct hp_thread_rec *)hp_table_row(h, HP_T_THREADS, 0));
		for (uint32_t i = 0; i < n; i++) {
			struct hp_cpu_sample_rec *s = hp_table_row(h, HP_T_CPU_SAMPLES, i);
			if (s->thread == row && s->stack1)
				s->thread = to;
		}
	}
	__atomic_fetch_add(&h->threads_folded, 1, __ATOMIC_RELAXED);
	thread_row_clear(tr);
	thread_row_free(tr, row);
}

/* First hook on a thread: adopt an ended thread's state or map a new one, and take a thread
 * row. NULL while start-up has not finished, inside our own code, after the thread ended, or
 * when the region is unavailable. */
struct hp_tstate *hp_thread_slow(void)
{
	struct hp_tls *tl = &hp_tls;
	if (!hp_g.ready || !hp_g.hdr || tl->state != HP_TLS_NEW || tl->guard)
		return NULL;
	struct hp_own own = hp_own_begin();
	struct hp_tstate *ts = NULL;
	uint32_t row;
	struct hp_thread_rec *tr = thread_row_get(&row);
	if (!tr) {
		tl->state = HP_TLS_OFF;
		goto out;
	}
	ts = retired_pop();
	if (!ts) {
		void *m = mmap(NULL, sizeof(*ts), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED) {
			tl->state = HP_TLS_OFF;
			thread_row_free(tr, row);
			goto out;
		}
		ts = m;
		ts->epoch = __atomic_load_n(&hp_g.hdr->module_epoch, __ATOMIC_ACQUIRE);
		ts->fcache = ts->fcache0;
		ts->fcache_mask = HP_FCACHE_SIZE - 1;
		ts->fcache_shift = 64 - HP_FCACHE_BITS;
		ts->ncache = ts->ncache0;
		ts->ncache_mask = HP_NCACHE_SIZE - 1;
		ts->ncache_shift = 64 - HP_NCACHE_BITS;
	}
	ts->trec = tr;
	ts->thread_row = row;
	int tid = hp_gettid();
	__atomic_store_n(&tr->start_routine, tl->start_routine, __ATOMIC_RELAXED);
	tr->start_mono_ns = hp_mono_ns();
	tr->state = HP_THREAD_RUNNING;
	prctl(PR_GET_NAME, tr->name, 0, 0, 0);
	__atomic_store_n(&tr->tid, tid, __ATOMIC_RELEASE);
	tl->ts = ts;
	tl->state = HP_TLS_ACTIVE;
out:
	hp_own_end(own);
	return ts;
}

/* Slow path of hist_count: the first call of row `rec` in octave chunk o claims the chunk
 * (once per row and octave). A signal handler's hook that claims the same chunk between our
 * check and our store loses its one count to an unreferenced chunk: bounded, and only then.
 * Returns the chunk's row + 1, or HP_HIST_CHUNK_NONE when the chunk table is full. */
static HP_NOINLINE uint32_t hist_chunk_new(struct hp_fstat *rec, uint32_t o)
{
	uint32_t row;
	uint32_t c = hp_table_claim(HP_T_HIST, &row) ? row + 1 : HP_HIST_CHUNK_NONE;
	if (rec->hist_chunk[o]) /* a handler claimed it meanwhile */
		return rec->hist_chunk[o];
	__atomic_store_n(&rec->hist_chunk[o], c, __ATOMIC_RELEASE);
	return c;
}

/* One completed call of `dt` ticks into rec's histogram. */
static inline __attribute__((always_inline)) void hist_count(struct hp_fstat *rec, uint64_t dt)
{
	uint32_t b = hp_hist_bucket(dt), c = rec->hist_chunk[b / HP_HIST_CHUNK];
	if (HP_UNLIKELY(!c))
		c = hist_chunk_new(rec, b / HP_HIST_CHUNK);
	if (HP_LIKELY(c != HP_HIST_CHUNK_NONE))
		hp_g.hist[c - 1].count[b % HP_HIST_CHUNK]++;
}

/* The call in frame k (index on the shadow stack) returned at t1. */
static inline __attribute__((always_inline)) void record_exit(struct hp_tstate *ts, uint32_t k,
							      uint64_t t1)
{
	struct hp_frame *fr = &ts->stack[k];
	uint64_t dt = t1 - fr->t0;
	if (fr->tn)
		fr->tn->total_ticks += dt;
	if (HP_LIKELY(k > 0))
		ts->stack[k - 1].child_ticks += dt;
	struct hp_fstat *rec = fr->rec;
	if (HP_UNLIKELY(!rec))
		return;
	rec->completed++;
	rec->sum_ticks += dt;
	rec->self_ticks += dt - fr->child_ticks;
	hist_count(rec, dt);
	if (dt < rec->min_ticks)
		rec->min_ticks = dt;
	if (dt > rec->max_ticks)
		rec->max_ticks = dt;
	if (--rec->active == 0) {
		rec->total_ticks += dt;
		if (hp_g.modes & HP_MODE_ALLOC && !(hp_g.modes & HP_MODE_ALLOC_SELF)) {
			/* Cumulative attribution: what the thread allocated while the outermost
			 * frame of this function was live. */
			const struct hp_thread_rec *now = ts->trec;
			const struct hp_alloc_counts *then = &fr->alloc_mark;
			rec->alloc_count += now->alloc_count - then->alloc_count;
			rec->alloc_bytes += now->alloc_bytes - then->alloc_bytes;
			rec->free_count += now->free_count - then->free_count;
			rec->free_bytes += now->free_bytes - then->free_bytes;
		}
	}
}

/* The enter hook's work for fn, whose frame is at sp (jumps.c): the frame it pushed, or NULL
 * (no thread state, an excluded function, a full shadow stack). */
static inline __attribute__((always_inline)) struct hp_frame *func_enter(void *fn, uint64_t sp)
{
	struct hp_tstate *ts = hp_tls.ts;
	if (HP_UNLIKELY(!ts)) {
		ts = hp_thread_slow();
		if (!ts)
			return NULL;
	}
	if (HP_UNLIKELY(ts->epoch != __atomic_load_n(&hp_g.hdr->module_epoch, __ATOMIC_RELAXED)))
		hp_funcs_forget_unloaded(ts);
	uint32_t d = ts->depth;
	ts->depth = d + 1;
	HP_BARRIER();
	if (HP_UNLIKELY(d >= HP_STACK_MAX)) {
		__atomic_fetch_add(&hp_g.hdr->depth_overflow, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	struct hp_frame *fr = &ts->stack[d];
	uint32_t parent = d ? ts->stack[d - 1].node : 0;
	const struct hp_ncache_ent *e = ncache_lookup(ts, (uint64_t)fn, parent);
	struct hp_fstat *rec = e->rec;
	if (HP_UNLIKELY(rec == HP_FSTAT_EXCLUDED)) {
		/* '!pattern': no frame, no timestamp; the exit hook skips it too */
		HP_BARRIER();
		ts->depth = d;
		return NULL;
	}
	fr->fn = (uint64_t)fn;
	fr->rec = rec;
	fr->node = e->node;
	fr->tn = e->node != parent ? e->tn : NULL;
	fr->child_ticks = 0;
	fr->sp = sp;
	e->tn->calls++;
	if (HP_LIKELY(rec != NULL)) {
		rec->calls++;
		rec->active++;
		ts->trec->calls++;
	}
	if (hp_g.modes & HP_MODE_ALLOC)
		fr->alloc_mark = hp_thread_alloc(ts->trec);
	HP_BARRIER();
	fr->t0 = hp_ticks();
	return fr;
}

HP_EXPORT void __cyg_profile_func_enter(void *fn, void *site)
{
#ifdef HP_NOP
	/* libhotpath-nop.so: the same exported hooks, recording nothing (overhead baseline). */
	(void)fn, (void)site;
	return;
#endif
	(void)site;
	func_enter(fn, (uint64_t)__builtin_frame_address(0));
}

void hp_func_enter_patched(void *fn, uint64_t sp)
{
	struct hp_frame *fr = func_enter(fn, sp);
	if (HP_LIKELY(fr != NULL) && fr->rec && HP_UNLIKELY(fr->rec->kind != HP_FN_PATCHED))
		fr->rec->kind = HP_FN_PATCHED;
}

/* The top frame is not fn: calls above were left by longjmp (or an exception through code
 * without hooks). Drop them down to fn's frame; returns the new depth, or 0 if fn is not on
 * the stack at all. */
/* Frames k..d-1 were left without a return: they end at `now` in the tree and in self time
 * (so a node's total still covers its children), but are not completed calls. */
static void drop_frames(struct hp_tstate *ts, uint32_t k, uint32_t d, uint64_t now)
{
	for (uint32_t i = d; i > k; i--) {
		struct hp_frame *fr = &ts->stack[i - 1];
		uint64_t dt = now - fr->t0;
		if (fr->tn)
			fr->tn->total_ticks += dt;
		if (i > 1)
			ts->stack[i - 2].child_ticks += dt;
		if (fr->rec) {
			fr->rec->self_ticks += dt - fr->child_ticks;
			fr->rec->active--;
		}
	}
}

static HP_NOINLINE uint32_t resync(struct hp_tstate *ts, uint64_t fn, uint32_t d, uint64_t now)
{
	uint32_t k = d;
	while (k > 0 && ts->stack[k - 1].fn != fn)
		k--;
	if (k == 0) {
		__atomic_fetch_add(&hp_g.hdr->unmatched_exits, 1, __ATOMIC_RELAXED);
		return 0;
	}
	drop_frames(ts, k, d, now);
	return k;
}

void hp_funcs_drop_below(uint64_t limit, uint64_t now)
{
	struct hp_tstate *ts = hp_tls.ts;
	if (!ts)
		return;
	uint32_t d = ts->depth < HP_STACK_MAX ? ts->depth : HP_STACK_MAX, k = d;
	if (ts->depth > HP_STACK_MAX)
		return; /* frames beyond the stack are not stored: leave it to the exits */
	while (k > 0 && ts->stack[k - 1].sp < limit)
		k--;
	if (k == d)
		return;
	drop_frames(ts, k, d, now);
	HP_BARRIER();
	ts->depth = k;
}

HP_EXPORT void __cyg_profile_func_exit(void *fn, void *site)
{
#ifdef HP_NOP
	(void)fn, (void)site;
	return;
#endif
	uint64_t t1 = hp_ticks();
	struct hp_tstate *ts = hp_tls.ts;
	if (HP_UNLIKELY(!ts))
		return;
	uint32_t d = ts->depth;
	if (HP_UNLIKELY(d == 0 || d > HP_STACK_MAX)) {
		if (d)
			ts->depth = d - 1;
		return;
	}
	struct hp_frame *fr = &ts->stack[d - 1];
	if (HP_UNLIKELY(fr->fn != (uint64_t)fn)) {
		if (fstat_peek(ts, (uint64_t)fn) == HP_FSTAT_EXCLUDED)
			return; /* its entry pushed nothing */
		d = resync(ts, (uint64_t)fn, d, t1);
		if (!d)
			return;
		fr = &ts->stack[d - 1];
	}
	record_exit(ts, d - 1, t1);
	HP_BARRIER();
	ts->depth = d - 1;
	(void)site;
}

/* patch.c's trampolines call the hooks directly, not through the PLT. */
extern __typeof__(__cyg_profile_func_enter) hp_func_enter
	__attribute__((alias("__cyg_profile_func_enter"), visibility("hidden")));
extern __typeof__(__cyg_profile_func_exit) hp_func_exit
	__attribute__((alias("__cyg_profile_func_exit"), visibility("hidden")));

/* Libraries were unloaded since this thread last looked (dlclose): forget its cache entries
 * for their addresses, so that a library loaded at the same place gets rows of its own
 * (tagged with the new epoch) instead of adding its calls to the old one's. Rare: one pass
 * over the cache per dlclose that unloaded something, on each thread that then runs a hook. */
HP_NOINLINE void hp_funcs_forget_unloaded(struct hp_tstate *ts)
{
	struct hp_region_header *h = hp_g.hdr;
	uint32_t now = __atomic_load_n(&h->module_epoch, __ATOMIC_ACQUIRE);
	struct hp_table *t = &h->tables[HP_T_MODULES];
	uint32_t n = t->claimed < t->capacity ? t->claimed : t->capacity;
	for (uint32_t m = 0; m < n; m++) {
		struct hp_module_rec *mod = hp_table_row(h, HP_T_MODULES, m);
		uint32_t gone = __atomic_load_n(&mod->unload_epoch, __ATOMIC_ACQUIRE);
		if (!gone || gone <= ts->epoch)
			continue;
		for (uint32_t i = 0; i <= ts->fcache_mask; i++) {
			uint64_t fn = ts->fcache[i].fn;
			if (fn >= mod->start && fn < mod->end)
				ts->fcache[i].fn = HP_FCACHE_GONE;
		}
		for (uint32_t i = 0; i <= ts->ncache_mask; i++) { /* the tree's cache too */
			uint64_t fn = ts->ncache[i].fn;
			if (fn >= mod->start && fn < mod->end)
				ts->ncache[i].fn = HP_FCACHE_GONE;
		}
	}
	ts->epoch = now;
}

/* Record every open frame of this thread as ending at `now` (exit(), thread exit). */
void hp_close_frames(struct hp_tstate *ts, uint64_t now)
{
	uint32_t d = ts->depth < HP_STACK_MAX ? ts->depth : HP_STACK_MAX;
	while (d > 0) {
		record_exit(ts, d - 1, now);
		d--;
		ts->depth = d;
	}
}

/* The calling thread is ending: close its frames, record its CPU time, hand its state on (or
 * release it). Hooks that run after this on the thread (TLS destructors) pass through. */
void hp_thread_end(void)
{
	struct hp_tls *tl = &hp_tls;
	struct hp_tstate *ts = tl->ts;
	if (!ts)
		return;
	struct hp_own own = hp_own_begin();
	hp_close_frames(ts, hp_ticks());
	hp_alloc_thread_end();
	hp_patch_thread_end();
	struct hp_thread_rec *tr = ts->trec;
	hp_thread_cpu_final(tr);
	tr->end_mono_ns = hp_mono_ns();
	__atomic_store_n(&tr->state, HP_THREAD_EXITED, __ATOMIC_RELEASE);
	tl->ts = NULL;
	tl->state = HP_TLS_OFF;
	HP_BARRIER();
	thread_row_fold(tr, ts->thread_row);
	ts->trec = NULL;
	ts->depth = 0;
	tstate_unmap_old(ts); /* no lookup of this thread can be in them now */
	if (!retired_push(ts))
		tstate_unmap(ts);
	hp_own_end(own);
}

/* In a forked child (one thread, a fresh region): the parent's rows are gone, so give this
 * thread new rows and re-attach the frames it is still inside. */
void hp_funcs_after_fork(void)
{
	struct hp_tls *tl = &hp_tls;
	struct hp_tstate *ts = tl->ts;
	/* The parent's ended threads' states and rows were in its region. */
	for (uint32_t i = 0; i < HP_RETIRED_MAX; i++)
		if (retired[i])
			tstate_unmap(retired[i]), retired[i] = NULL;
	nretired = 0;
	free_rows = 0;
	if (!ts)
		return;
	uint32_t row;
	struct hp_thread_rec *tr = hp_table_claim(HP_T_THREADS, &row);
	if (!tr) {
		tl->ts = NULL;
		tl->state = HP_TLS_OFF;
		return;
	}
	ts->trec = tr;
	ts->thread_row = row;
	tr->start_mono_ns = hp_mono_ns();
	tr->state = HP_THREAD_RUNNING;
	prctl(PR_GET_NAME, tr->name, 0, 0, 0);
	__atomic_store_n(&tr->tid, hp_gettid(), __ATOMIC_RELEASE);
	for (uint32_t i = 0; i <= ts->fcache_mask; i++)
		ts->fcache[i].fn = 0, ts->fcache[i].rec = NULL;
	ts->fcache_used = 0;
	ts->epoch = hp_g.hdr->module_epoch;
	for (uint32_t i = 0; i <= ts->ncache_mask; i++)
		ts->ncache[i].fn = 0;
	ts->ncache_used = 0;
	/* The child's life starts at the fork (main_start_ticks): each open frame is one call of
	 * the child's that starts there (else main showed 0 calls and more time than the child
	 * lived). */
	uint32_t d = ts->depth < HP_STACK_MAX ? ts->depth : HP_STACK_MAX;
	uint64_t now = hp_g.hdr->main_start_ticks;
	for (uint32_t i = 0; i < d; i++) {
		/* The frames still open get nodes in the new tree, without a call: the child
		 * did not enter them, but their time until they return is the child's. */
		struct hp_frame *fr = &ts->stack[i];
		uint32_t parent = i ? ts->stack[i - 1].node : 0;
		const struct hp_ncache_ent *e = ncache_lookup(ts, fr->fn, parent);
		fr->rec = e->rec;
		fr->node = e->node;
		fr->tn = e->node != parent ? e->tn : NULL;
		fr->child_ticks = 0;
		fr->t0 = now;
		e->tn->calls++;
		if (fr->rec) {
			fr->rec->active++;
			fr->rec->calls++;
			tr->calls++;
		}
		fr->alloc_mark = (struct hp_alloc_counts){0};
	}
}
