/* locks.c - pthread mutex, rwlock, condition variable and spin lock hooks: per lock object,
 * acquisitions, contended acquisitions with their wait time, hold time, condition waits.
 *
 * Fast path (mutrace's trick): try the lock first; only when that fails is the blocking call
 * timed (a process that never had a second thread locks directly: mutex_uncontendable). An
 * uncontended lock costs the trylock, an address lookup and, with hold tracking, one
 * timestamp per side on the holds it times (one in HP_LOCK_HOLD_DEFAULT by default). Counters
 * of an exclusive lock are written while it is held, so plain stores suffice; shared holders
 * (read locks) and condition variables use relaxed atomics.
 *
 * Rows live in HP_T_LOCKS; an open-addressing index keyed by the object's address (mapped at
 * start, never malloc'd) finds them without locks: a slot's address is claimed with a CAS, its
 * row published with a release store. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>

#include "flow.h"

/* The real functions (HP_NEXT, internal.h). The nine below start as glibc's own aliases
 * (compat symbols of the architecture's first glibc version, reached through .symver) and become the next definitions in
 * hp_locks_resolve: a program whose allocator locks a mutex while dlsym allocates must not
 * recurse into dlsym before start-up. Never NULL, so the hooks call these caches directly (no
 * HP_NEXT check on the fast path); the others are looked up on first use. */
#define GLIBC_ALIAS(ret, name, args)                                                               \
	extern ret hp_glibc_##name args;                                                           \
	__asm__(".symver hp_glibc_" #name ",__" #name "@" HP_ARCH_GLIBC_BASE);                     \
	HP_NEXT_DECL(ret, name, args) = hp_glibc_##name
GLIBC_ALIAS(int, pthread_mutex_lock, (pthread_mutex_t *));
GLIBC_ALIAS(int, pthread_mutex_trylock, (pthread_mutex_t *));
GLIBC_ALIAS(int, pthread_mutex_unlock, (pthread_mutex_t *));
GLIBC_ALIAS(int, pthread_mutex_init, (pthread_mutex_t *, const pthread_mutexattr_t *));
GLIBC_ALIAS(int, pthread_rwlock_rdlock, (pthread_rwlock_t *));
GLIBC_ALIAS(int, pthread_rwlock_wrlock, (pthread_rwlock_t *));
GLIBC_ALIAS(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *));
GLIBC_ALIAS(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *));
GLIBC_ALIAS(int, pthread_rwlock_unlock, (pthread_rwlock_t *));
HP_NEXT_DECL(int, pthread_mutex_timedlock, (pthread_mutex_t *, const struct timespec *));
HP_NEXT_DECL(int, pthread_cond_wait, (pthread_cond_t *, pthread_mutex_t *));
HP_NEXT_DECL(int, pthread_cond_timedwait,
	     (pthread_cond_t *, pthread_mutex_t *, const struct timespec *));
HP_NEXT_DECL(int, pthread_cond_signal, (pthread_cond_t *));
HP_NEXT_DECL(int, pthread_cond_broadcast, (pthread_cond_t *));
HP_NEXT_DECL(int, pthread_spin_lock, (pthread_spinlock_t *));
HP_NEXT_DECL(int, pthread_spin_trylock, (pthread_spinlock_t *));
HP_NEXT_DECL(int, pthread_spin_unlock, (pthread_spinlock_t *));
HP_NEXT_DECL(int, sem_wait, (sem_t *));
HP_NEXT_DECL(int, sem_trywait, (sem_t *));
HP_NEXT_DECL(int, sem_timedwait, (sem_t *, const struct timespec *));
HP_NEXT_DECL(int, sem_clockwait, (sem_t *, clockid_t, const struct timespec *));
HP_NEXT_DECL(int, sem_post, (sem_t *));
HP_NEXT_DECL(int, sem_init, (sem_t *, int, unsigned int));

/* Condition variables exist in two symbol versions on x86-64; the old one keeps a different
 * object layout and its timed wait can hang on a new-style object (arch.h names the new one). */
#ifndef HP_TSAN
#define COND_VERSION HP_ARCH_GLIBC_COND
#else
/* make tsan: go through ThreadSanitizer's interceptor (it picks the right version itself),
 * or it never sees the mutex released and re-taken inside the wait. */
#define COND_VERSION NULL
#endif
#define COND_NEXT(name) HP_NEXT_VERSION(name, COND_VERSION)

/* ---- the address index ---- */

#define LIDX_BITS 15 /* 32768 slots for at most 8192 rows: short probes */
#define LIDX_SIZE (1u << LIDX_BITS)
/* A slot's row while it is being filled (NULL) or when the table was full (LOCK_DROPPED:
 * this lock is not recorded). */
#define LOCK_DROPPED ((struct hp_lock_rec *)1)

struct lock_slot {
	uint64_t addr;		 /* claimed with a CAS; never cleared */
	struct hp_lock_rec *rec; /* its row in HP_T_LOCKS, published with a release store */
};

static struct lock_slot *lidx;

static inline uint32_t lidx_hash(uint64_t a)
{
	return (uint32_t)(((a >> 3) * 0x9E3779B97F4A7C15ull) >> (64 - LIDX_BITS));
}

/* A new row for the object at `a`; LOCK_DROPPED when the table is full. */
static struct hp_lock_rec *lock_claim(uint64_t a, uint32_t kind, uint64_t site)
{
	uint32_t row;
	struct hp_lock_rec *r = hp_table_claim(HP_T_LOCKS, &row);
	if (!r)
		return LOCK_DROPPED;
	r->kind = kind;
	r->init_site = site;
	__atomic_store_n(&r->addr, a, __ATOMIC_RELEASE);
	return r;
}

static struct lock_slot *lock_insert(struct lock_slot *s, uint64_t a, uint32_t kind, uint64_t site)
{
	uint64_t zero = 0;
	if (__atomic_compare_exchange_n(&s->addr, &zero, a, 0, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		__atomic_store_n(&s->rec, lock_claim(a, kind, site), __ATOMIC_RELEASE);
		return s;
	}
	if (zero != a)
		return NULL; /* another object took the slot: the caller probes on */
	/* The same object, first used on two threads at once: the winner is filling the row. */
	for (int spin = 0; spin < 100000 && !__atomic_load_n(&s->rec, __ATOMIC_ACQUIRE); spin++)
		hp_arch_cpu_relax();
	return s;
}

/* The slot of the object at `obj`, inserted on first sight; NULL when the index is full. */
static struct lock_slot *lock_slot(const void *obj, uint32_t kind, uint64_t site)
{
	uint64_t a = (uint64_t)obj;
	uint32_t i = lidx_hash(a);
	for (uint32_t n = 0; n < 64; n++, i = (i + 1) & (LIDX_SIZE - 1)) {
		struct lock_slot *s = &lidx[i];
		uint64_t k = __atomic_load_n(&s->addr, __ATOMIC_ACQUIRE);
		if (HP_LIKELY(k == a))
			return s;
		if (!k) {
			struct hp_table *t = &hp_g.hdr->tables[HP_T_LOCKS];
			if (__atomic_load_n(&t->claimed, __ATOMIC_RELAXED) >= t->capacity)
				return NULL; /* no rows left: do not fill the index with dead slots */
			s = lock_insert(s, a, kind, site);
			if (s)
				return s;
		}
	}
	return NULL;
}

static inline struct hp_lock_rec *slot_rec(const struct lock_slot *s)
{
	struct hp_lock_rec *r = __atomic_load_n(&s->rec, __ATOMIC_ACQUIRE);
	return HP_LIKELY((uintptr_t)r > (uintptr_t)LOCK_DROPPED) ? r : NULL;
}

/* lock_find past its first probe: a collision, a lock seen for the first time. */
static HP_NOINLINE struct hp_lock_rec *lock_find_slow(const void *obj, uint32_t kind, uint64_t site)
{
	struct lock_slot *s = lock_slot(obj, kind, site);
	return s ? slot_rec(s) : NULL;
}

/* The row of the object, or NULL (table full, or being filled by another thread). The lock
 * hooks' fast path: one probe of the index, inline; the rest out of line. */
static inline struct hp_lock_rec *lock_find(const void *obj, uint32_t kind, uint64_t site)
{
	const struct lock_slot *s = &lidx[lidx_hash((uint64_t)obj)];
	if (HP_LIKELY(__atomic_load_n(&s->addr, __ATOMIC_ACQUIRE) == (uint64_t)obj)) {
		struct hp_lock_rec *r = slot_rec(s);
		if (HP_LIKELY(r != NULL))
			return r;
	}
	return lock_find_slow(obj, kind, site);
}

/* pthread_*_init on an object whose row was already used (destroyed and re-made at the same
 * address): start a new row while the table has room, so that distinct locks are not merged. */
static void lock_reinit(const void *obj, uint32_t kind, uint64_t site)
{
	struct lock_slot *s = lock_slot(obj, kind, site);
	struct hp_lock_rec *r = s ? slot_rec(s) : NULL;
	if (!r)
		return;
	struct hp_table *t = &hp_g.hdr->tables[HP_T_LOCKS];
	if ((r->kind != kind || r->acquisitions || r->cond_waits || r->cond_signals) &&
	    __atomic_load_n(&t->claimed, __ATOMIC_RELAXED) < t->capacity / 4 * 3) {
		struct hp_lock_rec *n = lock_claim((uint64_t)obj, kind, site);
		if (n != LOCK_DROPPED)
			__atomic_store_n(&s->rec, n, __ATOMIC_RELEASE);
	} else if (!r->acquisitions) {
		r->init_site = site; /* first sight was the init: that is its call site */
	}
	r->hold_depth = 0;
	r->hold_owner = 0;
}

/* ---- hold times (docs/dataflow.md "Hold time") ----
 * Acquisitions and contention are counted on every call; the hold is timed on the first
 * exclusive acquisition of each lock and then on every hold_every-th (a countdown in the row,
 * written by the holder like the other counters), so an unlock that ends no timed hold reads
 * nothing but this thread's count of open timed holds. hold_every 1 times every hold, 0 none. */

static uint32_t hold_every;

/* Who holds a timed hold: the address of this thread's hp_tls (never 0). */
static inline uint64_t hold_me(void)
{
	return (uint64_t)(uintptr_t)&hp_tls;
}

/* A timed hold of r by this thread starts at `now` (0: read the clock), or resumes after a
 * condition wait. */
static HP_NOINLINE void timed_hold_begin(struct hp_lock_rec *r, uint64_t now)
{
	r->hold_depth = 1;
	r->hold_owner = hold_me();
	hp_tls.timed_holds++;
	r->held_since = now ? now : hp_ticks();
}

/* The timed hold's clock stops: its time so far counts; `done` when the hold ends (a
 * condition wait only pauses it). */
static void timed_hold_stop(struct hp_lock_rec *r, int done)
{
	uint64_t dt = hp_ticks() - r->held_since;
	r->hold_ticks += dt;
	if (dt > r->max_hold_ticks)
		r->max_hold_ticks = dt;
	r->hold_samples += (uint64_t)done;
	r->hold_depth = 0;
	r->hold_owner = 0;
	hp_tls.timed_holds--;
}

static inline void hold_begin(struct hp_lock_rec *r, uint64_t n, uint64_t now);

/* An exclusive acquisition while r's row says a timed hold is open: this thread re-locking a
 * recursive mutex, or a hold whose end we never saw (the lock released on another thread, its
 * thread gone): that one is dropped. */
static HP_NOINLINE void hold_nested(struct hp_lock_rec *r, uint64_t n, uint64_t now)
{
	if (r->hold_owner == hold_me()) {
		r->hold_depth++;
		return;
	}
	r->hold_depth = 0;
	r->hold_owner = 0;
	hold_begin(r, n, now);
}

/* The turn of a hold to be timed has come: the count passed hold_next. */
static HP_NOINLINE void hold_turn(struct hp_lock_rec *r, uint64_t n, uint64_t now)
{
	if (!hold_every) {
		r->hold_next = UINT64_MAX; /* holds are not timed */
		return;
	}
	r->hold_next = n + hold_every;
	timed_hold_begin(r, now);
}

/* The lock is now held exclusively by this thread (the row is its to write), its n-th hold
 * (1 for the first): time it when its turn has come. `now` is the time when the caller read
 * the clock, else 0. The fast path only reads the row. */
static inline void hold_begin(struct hp_lock_rec *r, uint64_t n, uint64_t now)
{
	if (HP_UNLIKELY(r->hold_depth))
		hold_nested(r, n, now);
	else if (HP_UNLIKELY(n >= r->hold_next))
		hold_turn(r, n, now);
}

/* About to release r's lock: the end of this thread's timed hold, if one is open. */
static inline void hold_end(struct hp_lock_rec *r)
{
	if (!r->hold_depth || r->hold_owner != hold_me())
		return; /* untimed, taken before we started, or through a path we do not see */
	if (--r->hold_depth)
		return;
	timed_hold_stop(r, 1);
}

/* An unlock of the object at `obj` while this thread has timed holds open (off the fast
 * path: an unlock with none open does not look its lock up). */
static HP_NOINLINE void hold_end_at(const void *obj, uint32_t kind, uint64_t site)
{
	struct hp_lock_rec *r = lock_find(obj, kind, site);
	if (r)
		hold_end(r);
}

/* Whether an unlock must look for a timed hold to end. */
static inline int unlock_ends_hold(void)
{
	return HP_UNLIKELY(hp_tls.timed_holds != 0) && hp_flow_on(HP_MODE_LOCKS);
}

/* ---- accounting ---- */

/* An exclusive acquisition of r's lock by this thread (called with the lock held: plain
 * stores). `now` is its time when the caller has read the clock, else 0. */
static inline void acquired(struct hp_lock_rec *r, uint64_t now)
{
	hold_begin(r, ++r->acquisitions, now);
}

/* A write lock taken: shared counters (readers count with atomics too), an exclusive hold
 * counted in holds. */
static inline void writer_acquired(struct hp_lock_rec *r, uint64_t now)
{
	__atomic_fetch_add(&r->acquisitions, 1, __ATOMIC_RELAXED);
	hold_begin(r, ++r->holds, now);
}

/* The thread is about to block on the object at `obj` (HP_WAIT_LOCK or HP_WAIT_COND): its row
 * says so until wait_end, so that a reader counts a wait still in progress at exit. Returns the
 * start in ticks. */
static inline uint64_t wait_begin(const void *obj, uint32_t kind)
{
	uint64_t t0 = hp_ticks();
	struct hp_thread_rec *tr = hp_flow_thread();
	if (tr) {
		tr->wait_object = (uint64_t)obj;
		tr->wait_kind = kind;
		__atomic_store_n(&tr->wait_since_ticks, t0, __ATOMIC_RELEASE);
	}
	return t0;
}

static inline uint64_t wait_end(void)
{
	uint64_t t1 = hp_ticks();
	struct hp_thread_rec *tr = hp_flow_thread();
	if (tr)
		__atomic_store_n(&tr->wait_since_ticks, 0, __ATOMIC_RELEASE);
	return t1;
}

/* How a blocking call left the lock (after_wait). */
enum held { HELD_EXCLUSIVE, HELD_SHARED, HELD_WRITER, HELD_NOT /* timed out */ };

/* A blocking call on the lock at `obj` waited t1 - t0 ticks and left it `how`: count the wait
 * against the lock's row and the thread's blocked time. Off the fast path, inside our own
 * bracket; the thread's row is claimed before it opens (a claim from inside our own code is
 * refused). An exclusive holder writes its row with plain stores. */
static HP_NOINLINE void after_wait(const void *obj, uint32_t kind, uint64_t site, uint64_t t0,
				   uint64_t t1, enum held how)
{
	uint64_t dt = t1 - t0;
	struct hp_thread_rec *tr = hp_flow_thread();
	struct hp_own own = hp_own_begin();
	if (tr)
		tr->lock_wait_ticks += dt;
	struct hp_lock_rec *r = lock_find(obj, kind, site);
	if (r && how == HELD_EXCLUSIVE) {
		r->contended++;
		r->wait_ticks += dt;
		if (dt > r->max_wait_ticks)
			r->max_wait_ticks = dt;
		acquired(r, t1);
	} else if (r && how != HELD_NOT) {
		__atomic_fetch_add(&r->contended, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&r->wait_ticks, dt, __ATOMIC_RELAXED);
		hp_max_relaxed(&r->max_wait_ticks, dt);
		if (how == HELD_WRITER)
			writer_acquired(r, t1);
		else
			__atomic_fetch_add(&r->acquisitions, 1, __ATOMIC_RELAXED);
	}
	hp_own_end(own);
}

#define SITE() ((uint64_t)__builtin_return_address(0))

/* ---- mutexes ---- */

static inline int mutex_acquired(int rc)
{
	return rc == 0 || rc == EOWNERDEAD;
}

/* An acquisition that did not wait (a trylock, or a lock call's own answer). */
static inline void mutex_taken(pthread_mutex_t *m, uint64_t site)
{
	struct hp_lock_rec *r = lock_find(m, HP_LOCK_MUTEX, site);
	if (HP_LIKELY(r != NULL))
		acquired(r, 0);
}

/* pthread_mutex_lock after its try returned rc != 0: out of the fast path's way. */
static HP_NOINLINE int mutex_lock_slow(pthread_mutex_t *m, int rc, uint64_t site)
{
	if (rc != EBUSY) {
		/* EOWNERDEAD, EINVAL…: what the blocking call would have said */
		if (mutex_acquired(rc))
			mutex_taken(m, site);
		return rc;
	}
	uint64_t t0 = wait_begin(m, HP_WAIT_LOCK);
	rc = hp_next_pthread_mutex_lock(m);
	uint64_t t1 = wait_end();
	if (mutex_acquired(rc))
		after_wait(m, HP_LOCK_MUTEX, site, t0, t1, HELD_EXCLUSIVE);
	return rc;
}

/* glibc's mutex kind bits (nptl/pthreadP.h; ABI, since mutexes live in shared memory across
 * glibc versions): robust 16, priority inheritance 32, priority protection 64, shared 128. */
#define GLIBC_MUTEX_NOT_PLAIN (16 | 32 | 64 | 128)

/* Whether nothing but this thread can hold m: a process that never had a second thread
 * (glibc's __libc_single_threaded, cleared by the first pthread_create) and a free, private,
 * plain mutex. glibc's own lock then takes it with a plain store, no atomic
 * (lll_mutex_lock_optimized, glibc 2.34+), and a try first would cost an atomic
 * compare-and-swap more than the program's lock: 8.3 against 4.2 ns here. The lock cannot
 * be contended, so calling the lock itself keeps the count exact. A held mutex (a recursive
 * relock, a child forked while another thread held it) takes the try path as before. */
static inline int mutex_uncontendable(const pthread_mutex_t *m)
{
	return __atomic_load_n(&__libc_single_threaded, __ATOMIC_RELAXED) &&
	       !(__atomic_load_n(&m->__data.__kind, __ATOMIC_RELAXED) & GLIBC_MUTEX_NOT_PLAIN) &&
	       __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) == 0;
}

HP_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return hp_next_pthread_mutex_lock(m);
	if (mutex_uncontendable(m)) {
		int rc = hp_next_pthread_mutex_lock(m);
		if (HP_LIKELY(mutex_acquired(rc)))
			mutex_taken(m, SITE());
		return rc;
	}
	int rc = hp_next_pthread_mutex_trylock(m);
	if (HP_UNLIKELY(rc != 0))
		return mutex_lock_slow(m, rc, SITE());
	mutex_taken(m, SITE());
	return 0;
}

HP_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
	int rc = hp_next_pthread_mutex_trylock(m);
	if (mutex_acquired(rc) && hp_flow_on(HP_MODE_LOCKS))
		mutex_taken(m, SITE());
	return rc;
}

HP_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return HP_NEXT(pthread_mutex_timedlock)(m, abstime);
	int rc = hp_next_pthread_mutex_trylock(m);
	if (rc != EBUSY) {
		if (mutex_acquired(rc))
			mutex_taken(m, SITE());
		return rc;
	}
	uint64_t t0 = wait_begin(m, HP_WAIT_LOCK);
	rc = HP_NEXT(pthread_mutex_timedlock)(m, abstime);
	uint64_t t1 = wait_end();
	/* Timed out: the wait still counts for the thread, not as an acquisition. */
	after_wait(m, HP_LOCK_MUTEX, SITE(), t0, t1,
		   mutex_acquired(rc) ? HELD_EXCLUSIVE : HELD_NOT);
	return rc;
}

HP_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (unlock_ends_hold())
		hold_end_at(m, HP_LOCK_MUTEX, SITE());
	return hp_next_pthread_mutex_unlock(m);
}

HP_EXPORT int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	int rc = hp_next_pthread_mutex_init(m, attr);
	if (rc == 0 && hp_flow_on(HP_MODE_LOCKS))
		lock_reinit(m, HP_LOCK_MUTEX, SITE());
	return rc;
}

/* ---- read-write locks ---- */

static inline void reader_taken(pthread_rwlock_t *l, uint64_t site)
{
	struct hp_lock_rec *r = lock_find(l, HP_LOCK_RWLOCK, site);
	if (r)
		__atomic_fetch_add(&r->acquisitions, 1, __ATOMIC_RELAXED);
}

static inline void writer_taken(pthread_rwlock_t *l, uint64_t site)
{
	struct hp_lock_rec *r = lock_find(l, HP_LOCK_RWLOCK, site);
	if (r)
		writer_acquired(r, 0);
}

HP_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return hp_next_pthread_rwlock_rdlock(l);
	int rc = hp_next_pthread_rwlock_tryrdlock(l);
	if (HP_LIKELY(rc == 0)) {
		reader_taken(l, SITE());
		return 0;
	}
	if (rc != EBUSY) /* EAGAIN (too many readers), EDEADLK…: its own answer */
		return hp_next_pthread_rwlock_rdlock(l);
	uint64_t t0 = wait_begin(l, HP_WAIT_LOCK);
	rc = hp_next_pthread_rwlock_rdlock(l);
	uint64_t t1 = wait_end();
	if (rc == 0)
		after_wait(l, HP_LOCK_RWLOCK, SITE(), t0, t1, HELD_SHARED);
	return rc;
}

HP_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return hp_next_pthread_rwlock_wrlock(l);
	int rc = hp_next_pthread_rwlock_trywrlock(l);
	if (rc == 0) {
		writer_taken(l, SITE());
		return 0;
	}
	if (rc != EBUSY)
		return hp_next_pthread_rwlock_wrlock(l);
	uint64_t t0 = wait_begin(l, HP_WAIT_LOCK);
	rc = hp_next_pthread_rwlock_wrlock(l);
	uint64_t t1 = wait_end();
	if (rc == 0)
		after_wait(l, HP_LOCK_RWLOCK, SITE(), t0, t1, HELD_WRITER);
	return rc;
}

HP_EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	int rc = hp_next_pthread_rwlock_tryrdlock(l);
	if (rc == 0 && hp_flow_on(HP_MODE_LOCKS))
		reader_taken(l, SITE());
	return rc;
}

HP_EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	int rc = hp_next_pthread_rwlock_trywrlock(l);
	if (rc == 0 && hp_flow_on(HP_MODE_LOCKS))
		writer_taken(l, SITE());
	return rc;
}

HP_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	/* hold_depth is non-zero only while a writer holds it: readers leave it alone. */
	if (unlock_ends_hold())
		hold_end_at(l, HP_LOCK_RWLOCK, SITE());
	return hp_next_pthread_rwlock_unlock(l);
}

/* ---- condition variables ---- */

/* Around a wait the mutex is released and re-taken inside glibc: its hold ends and restarts,
 * and the re-acquisition is not counted as one of the program's acquisitions. */
static inline struct hp_lock_rec *cond_wait_begin(pthread_mutex_t *m)
{
	if (!hp_tls.timed_holds)
		return NULL; /* no timed hold of m open */
	struct hp_lock_rec *mr = lock_find(m, HP_LOCK_MUTEX, 0);
	if (mr && mr->hold_depth == 1 && mr->hold_owner == hold_me())
		timed_hold_stop(mr, 0);
	else
		mr = NULL;
	return mr;
}

/* After a wait on c (inside our own bracket, the thread's row claimed first: after_wait). */
static HP_NOINLINE void cond_wait_end(struct hp_lock_rec *r, struct hp_lock_rec *mr, uint64_t t0,
				      uint64_t t1)
{
	uint64_t dt = t1 - t0;
	struct hp_thread_rec *tr = hp_flow_thread();
	struct hp_own own = hp_own_begin();
	if (r) {
		__atomic_fetch_add(&r->cond_waits, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&r->cond_wait_ticks, dt, __ATOMIC_RELAXED);
		hp_max_relaxed(&r->max_wait_ticks, dt);
	}
	if (tr)
		tr->lock_wait_ticks += dt;
	if (mr)
		timed_hold_begin(mr, t1); /* the same hold, resumed */
	hp_own_end(own);
}

HP_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	__auto_type real = COND_NEXT(pthread_cond_wait);
	if (!hp_flow_on(HP_MODE_LOCKS))
		return real(c, m);
	/* The condition's row exists before the wait: a wait still in progress at exit has one. */
	struct hp_lock_rec *r = lock_find(c, HP_LOCK_COND, SITE());
	struct hp_lock_rec *mr = cond_wait_begin(m);
	uint64_t t0 = wait_begin(c, HP_WAIT_COND);
	int rc = real(c, m);
	cond_wait_end(r, mr, t0, wait_end());
	return rc;
}

HP_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
				     const struct timespec *abstime)
{
	__auto_type real = COND_NEXT(pthread_cond_timedwait);
	if (!hp_flow_on(HP_MODE_LOCKS))
		return real(c, m, abstime);
	struct hp_lock_rec *r = lock_find(c, HP_LOCK_COND, SITE());
	struct hp_lock_rec *mr = cond_wait_begin(m);
	uint64_t t0 = wait_begin(c, HP_WAIT_COND);
	int rc = real(c, m, abstime);
	cond_wait_end(r, mr, t0, wait_end());
	return rc;
}

/* A signal or broadcast on c, counted against its row; `site` is the caller's. */
static void count_signal(pthread_cond_t *c, uint64_t site)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return;
	struct hp_lock_rec *r = lock_find(c, HP_LOCK_COND, site);
	if (r)
		__atomic_fetch_add(&r->cond_signals, 1, __ATOMIC_RELAXED);
}

HP_EXPORT int pthread_cond_signal(pthread_cond_t *c)
{
	__auto_type real = COND_NEXT(pthread_cond_signal);
	count_signal(c, SITE());
	return real(c);
}

HP_EXPORT int pthread_cond_broadcast(pthread_cond_t *c)
{
	__auto_type real = COND_NEXT(pthread_cond_broadcast);
	count_signal(c, SITE());
	return real(c);
}

/* ---- spin locks: counted the same way; the hook costs more than the lock itself ---- */

static inline void spin_taken(pthread_spinlock_t *l, uint64_t site)
{
	struct hp_lock_rec *r = lock_find((const void *)l, HP_LOCK_SPIN, site);
	if (r)
		acquired(r, 0);
}

HP_EXPORT int pthread_spin_lock(pthread_spinlock_t *l)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return HP_NEXT(pthread_spin_lock)(l);
	int rc = HP_NEXT(pthread_spin_trylock)(l);
	if (rc == 0) {
		spin_taken(l, SITE());
		return 0;
	}
	if (rc != EBUSY)
		return rc;
	uint64_t t0 = wait_begin((const void *)l, HP_WAIT_LOCK);
	rc = HP_NEXT(pthread_spin_lock)(l);
	uint64_t t1 = wait_end();
	if (rc == 0)
		after_wait((const void *)l, HP_LOCK_SPIN, SITE(), t0, t1, HELD_EXCLUSIVE);
	return rc;
}

HP_EXPORT int pthread_spin_trylock(pthread_spinlock_t *l)
{
	int rc = HP_NEXT(pthread_spin_trylock)(l);
	if (rc == 0 && hp_flow_on(HP_MODE_LOCKS))
		spin_taken(l, SITE());
	return rc;
}

HP_EXPORT int pthread_spin_unlock(pthread_spinlock_t *l)
{
	if (unlock_ends_hold())
		hold_end_at((const void *)l, HP_LOCK_SPIN, SITE());
	return HP_NEXT(pthread_spin_unlock)(l);
}

/* ---- POSIX semaphores: Python's threading.Lock is one. Counted like a shared lock: the
 * hook tries first (sem_trywait) and times the blocking call only when that fails; no hold
 * time (any thread may post); posts are counted in cond_signals. ---- */

static inline void sem_taken(sem_t *s, uint64_t site)
{
	struct hp_lock_rec *r = lock_find(s, HP_LOCK_SEM, site);
	if (r)
		__atomic_fetch_add(&r->acquisitions, 1, __ATOMIC_RELAXED);
}

/* The try of sem_wait / sem_timedwait / sem_clockwait: 0 when it took the semaphore, else
 * 1 with errno as it was (the try's EAGAIN is ours, not the program's). */
static inline int sem_try_first(sem_t *s, uint64_t site)
{
	int saved = errno;
	if (HP_NEXT(sem_trywait)(s) == 0) {
		sem_taken(s, site);
		return 0;
	}
	errno = saved;
	return 1;
}

/* A blocking wait returned rc: an acquisition that waited, or (timeout, EINTR) the thread's
 * wait only. errno stays the call's (after_wait's bracket keeps it). */
#define SEM_BLOCKING(s, call)                                                                      \
	({                                                                                         \
		uint64_t t0_ = wait_begin(s, HP_WAIT_LOCK);                                        \
		int rc_ = (call);                                                                  \
		uint64_t t1_ = wait_end();                                                         \
		after_wait(s, HP_LOCK_SEM, SITE(), t0_, t1_, rc_ == 0 ? HELD_SHARED : HELD_NOT);   \
		rc_;                                                                               \
	})

HP_EXPORT int sem_wait(sem_t *s)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return HP_NEXT(sem_wait)(s);
	if (!sem_try_first(s, SITE()))
		return 0;
	return SEM_BLOCKING(s, HP_NEXT(sem_wait)(s));
}

HP_EXPORT int sem_timedwait(sem_t *s, const struct timespec *abstime)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return HP_NEXT(sem_timedwait)(s, abstime);
	if (!sem_try_first(s, SITE()))
		return 0;
	return SEM_BLOCKING(s, HP_NEXT(sem_timedwait)(s, abstime));
}

HP_EXPORT int sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *abstime)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return HP_NEXT(sem_clockwait)(s, clock, abstime);
	if (!sem_try_first(s, SITE()))
		return 0;
	return SEM_BLOCKING(s, HP_NEXT(sem_clockwait)(s, clock, abstime));
}

HP_EXPORT int sem_trywait(sem_t *s)
{
	int rc = HP_NEXT(sem_trywait)(s);
	if (rc == 0 && hp_flow_on(HP_MODE_LOCKS))
		sem_taken(s, SITE());
	return rc;
}

HP_EXPORT int sem_post(sem_t *s)
{
	if (hp_flow_on(HP_MODE_LOCKS)) {
		struct hp_lock_rec *r = lock_find(s, HP_LOCK_SEM, SITE());
		if (r)
			__atomic_fetch_add(&r->cond_signals, 1, __ATOMIC_RELAXED);
	}
	return HP_NEXT(sem_post)(s);
}

HP_EXPORT int sem_init(sem_t *s, int pshared, unsigned int value)
{
	int rc = HP_NEXT(sem_init)(s, pshared, value);
	if (rc == 0 && hp_flow_on(HP_MODE_LOCKS))
		lock_reinit(s, HP_LOCK_SEM, SITE());
	return rc;
}

/* ---- start-up and fork ---- */

/* Resolve the next definitions (RTLD_NEXT) of everything we hook. Called once from
 * hp_flow_start (one thread, inside the constructor's bracket), also when lock tracking is off:
 * passing straight to glibc's aliases would skip another library preloaded after ours that
 * wraps these functions (or ThreadSanitizer's interceptors). The glibc aliases stay where
 * dlsym finds nothing. */
static void next_over_alias(void **cache, const char *name)
{
	void *p = hp_next_lookup(name, NULL);
	if (p)
		*cache = p;
}
#define OVER_ALIAS(name) next_over_alias((void **)&hp_next_##name, #name)

void hp_locks_resolve(void)
{
	OVER_ALIAS(pthread_mutex_lock);
	OVER_ALIAS(pthread_mutex_trylock);
	OVER_ALIAS(pthread_mutex_unlock);
	OVER_ALIAS(pthread_mutex_init);
	OVER_ALIAS(pthread_rwlock_rdlock);
	OVER_ALIAS(pthread_rwlock_wrlock);
	OVER_ALIAS(pthread_rwlock_tryrdlock);
	OVER_ALIAS(pthread_rwlock_trywrlock);
	OVER_ALIAS(pthread_rwlock_unlock);
	(void)HP_NEXT(pthread_mutex_timedlock);
	(void)COND_NEXT(pthread_cond_wait);
	(void)COND_NEXT(pthread_cond_timedwait);
	(void)COND_NEXT(pthread_cond_signal);
	(void)COND_NEXT(pthread_cond_broadcast);
	(void)HP_NEXT(pthread_spin_lock);
	(void)HP_NEXT(pthread_spin_trylock);
	(void)HP_NEXT(pthread_spin_unlock);
}

/* hp_locks_resolve, then map the address index; 1 when lock tracking can start. */
int hp_locks_start(void)
{
	hold_every = hp_g.lock_hold_every;
	hp_locks_resolve();
	if (!lidx) {
		void *m = mmap(NULL, sizeof(struct lock_slot) * LIDX_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED)
			lidx = m;
	}
	return lidx != NULL;
}

/* Forked child: the rows were the parent's region's; start an empty index. Only this thread
 * exists, so plain stores are enough. */
void hp_locks_after_fork(void)
{
	hp_tls.timed_holds = 0; /* they were rows of the parent's region */
	if (!lidx)
		return;
	if (mmap(lidx, sizeof(struct lock_slot) * LIDX_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		hp_flow_modes &= ~(uint32_t)HP_MODE_LOCKS;
}
