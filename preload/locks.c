/* locks.c - pthread mutex, rwlock, condition variable and spin lock hooks: per lock object,
 * acquisitions, contended acquisitions with their wait time, hold time, condition waits.
 *
 * Fast path (mutrace's trick): try the lock first; only when that fails is the blocking call
 * timed. An uncontended lock costs the trylock, an address lookup and, with hold tracking, one
 * timestamp per side. Counters of an exclusive lock are written while it is held, so plain
 * stores suffice; shared holders (read locks) and condition variables use relaxed atomics.
 *
 * Rows live in HP_T_LOCKS; an open-addressing index keyed by the object's address (mapped at
 * start, never malloc'd) finds them without locks: a slot's address is claimed with a CAS, its
 * row number published with a release store. */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>

#include "flow.h"

/* glibc's own aliases (compat symbols, reached through .symver): the real functions before
 * hp_locks_start resolved RTLD_NEXT, so that a program whose allocator locks a mutex while
 * dlsym allocates cannot recurse into dlsym. */
#define GLIBC_ALIAS(ret, name, args)                                                               \
	extern ret hp_glibc_##name args;                                                           \
	__asm__(".symver hp_glibc_" #name ",__" #name "@GLIBC_2.2.5")
GLIBC_ALIAS(int, pthread_mutex_lock, (pthread_mutex_t *));
GLIBC_ALIAS(int, pthread_mutex_trylock, (pthread_mutex_t *));
GLIBC_ALIAS(int, pthread_mutex_unlock, (pthread_mutex_t *));
GLIBC_ALIAS(int, pthread_mutex_init, (pthread_mutex_t *, const pthread_mutexattr_t *));
GLIBC_ALIAS(int, pthread_rwlock_rdlock, (pthread_rwlock_t *));
GLIBC_ALIAS(int, pthread_rwlock_wrlock, (pthread_rwlock_t *));
GLIBC_ALIAS(int, pthread_rwlock_tryrdlock, (pthread_rwlock_t *));
GLIBC_ALIAS(int, pthread_rwlock_trywrlock, (pthread_rwlock_t *));
GLIBC_ALIAS(int, pthread_rwlock_unlock, (pthread_rwlock_t *));

static struct {
	int (*mutex_lock)(pthread_mutex_t *);
	int (*mutex_trylock)(pthread_mutex_t *);
	int (*mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
	int (*mutex_unlock)(pthread_mutex_t *);
	int (*mutex_init)(pthread_mutex_t *, const pthread_mutexattr_t *);
	int (*rw_rdlock)(pthread_rwlock_t *);
	int (*rw_wrlock)(pthread_rwlock_t *);
	int (*rw_tryrdlock)(pthread_rwlock_t *);
	int (*rw_trywrlock)(pthread_rwlock_t *);
	int (*rw_unlock)(pthread_rwlock_t *);
	int (*cond_wait)(pthread_cond_t *, pthread_mutex_t *);
	int (*cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
	int (*cond_signal)(pthread_cond_t *);
	int (*cond_broadcast)(pthread_cond_t *);
	int (*spin_lock)(pthread_spinlock_t *);
	int (*spin_trylock)(pthread_spinlock_t *);
	int (*spin_unlock)(pthread_spinlock_t *);
} real = {
	.mutex_lock = hp_glibc_pthread_mutex_lock,
	.mutex_trylock = hp_glibc_pthread_mutex_trylock,
	.mutex_unlock = hp_glibc_pthread_mutex_unlock,
	.mutex_init = hp_glibc_pthread_mutex_init,
	.rw_rdlock = hp_glibc_pthread_rwlock_rdlock,
	.rw_wrlock = hp_glibc_pthread_rwlock_wrlock,
	.rw_tryrdlock = hp_glibc_pthread_rwlock_tryrdlock,
	.rw_trywrlock = hp_glibc_pthread_rwlock_trywrlock,
	.rw_unlock = hp_glibc_pthread_rwlock_unlock,
};

/* Condition variables exist in two symbol versions; the old one (GLIBC_2.2.5) keeps a different
 * object layout and its timed wait can hang on a new-style object. */
#ifndef HP_TSAN
#define COND_VERSION "GLIBC_2.3.2"
#else
/* make tsan: go through ThreadSanitizer's interceptor (it picks the right version itself),
 * or it never sees the mutex released and re-taken inside the wait. */
#define COND_VERSION NULL
#endif

#define resolve(field, name, version)                                                              \
	do {                                                                                       \
		if (HP_UNLIKELY(!real.field))                                                      \
			real.field = hp_flow_next(name, version);                                   \
	} while (0)

/* ---- the address index ---- */

#define LIDX_BITS 15 /* 32768 slots for at most 8192 rows: short probes */
#define LIDX_SIZE (1u << LIDX_BITS)
#define ROW_NONE UINT32_MAX /* the table was full: this lock is not recorded */

struct lock_slot {
	uint64_t addr;	/* claimed with a CAS; never cleared */
	uint32_t row1;	/* row + 1 in HP_T_LOCKS, 0 while being filled, ROW_NONE when dropped */
	uint32_t reserved;
};

static struct lock_slot *lidx;

static inline uint32_t lidx_hash(uint64_t a)
{
	return (uint32_t)(((a >> 3) * 0x9E3779B97F4A7C15ull) >> (64 - LIDX_BITS));
}

static inline struct hp_lock_rec *lock_rec(uint32_t row1)
{
	return hp_table_row(hp_g.hdr, HP_T_LOCKS, row1 - 1);
}

/* A new row for the object at `a`; ROW_NONE when the table is full. */
static uint32_t lock_claim(uint64_t a, uint32_t kind, uint64_t site)
{
	uint32_t row;
	struct hp_lock_rec *r = hp_table_claim(HP_T_LOCKS, &row);
	if (!r)
		return ROW_NONE;
	r->kind = kind;
	r->init_site = site;
	__atomic_store_n(&r->addr, a, __ATOMIC_RELEASE);
	return row + 1;
}

static HP_NOINLINE struct lock_slot *lock_insert(struct lock_slot *s, uint64_t a, uint32_t kind,
						  uint64_t site)
{
	uint64_t zero = 0;
	if (__atomic_compare_exchange_n(&s->addr, &zero, a, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&s->row1, lock_claim(a, kind, site), __ATOMIC_RELEASE);
		return s;
	}
	if (zero != a)
		return NULL; /* another object took the slot: the caller probes on */
	/* The same object, first used on two threads at once: the winner is filling the row. */
	for (int spin = 0; spin < 100000 && !__atomic_load_n(&s->row1, __ATOMIC_ACQUIRE); spin++)
		__builtin_ia32_pause();
	return s;
}

/* The slot of the object at `obj`, inserted on first sight; NULL when the index is full. */
static inline struct lock_slot *lock_slot(const void *obj, uint32_t kind, uint64_t site)
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

/* The row of the object, or NULL (table full, or being filled by another thread). */
static inline struct hp_lock_rec *lock_find(const void *obj, uint32_t kind, uint64_t site)
{
	struct lock_slot *s = lock_slot(obj, kind, site);
	if (HP_UNLIKELY(!s))
		return NULL;
	uint32_t r1 = __atomic_load_n(&s->row1, __ATOMIC_ACQUIRE);
	if (HP_UNLIKELY(r1 == 0 || r1 == ROW_NONE))
		return NULL;
	return lock_rec(r1);
}

/* pthread_*_init on an object whose row was already used (destroyed and re-made at the same
 * address): start a new row while the table has room, so that distinct locks are not merged. */
static void lock_reinit(const void *obj, uint32_t kind, uint64_t site)
{
	struct lock_slot *s = lock_slot(obj, kind, site);
	if (!s)
		return;
	uint32_t r1 = __atomic_load_n(&s->row1, __ATOMIC_ACQUIRE);
	if (r1 == 0 || r1 == ROW_NONE)
		return;
	struct hp_lock_rec *r = lock_rec(r1);
	struct hp_table *t = &hp_g.hdr->tables[HP_T_LOCKS];
	if (r->kind == kind && (r->acquisitions || r->cond_waits || r->cond_signals) &&
	    __atomic_load_n(&t->claimed, __ATOMIC_RELAXED) < t->capacity / 4 * 3) {
		uint32_t n1 = lock_claim((uint64_t)obj, kind, site);
		if (n1 != ROW_NONE)
			__atomic_store_n(&s->row1, n1, __ATOMIC_RELEASE);
	} else if (!r->acquisitions) {
		r->init_site = site; /* first sight was the init: that is its call site */
	}
	r->hold_depth = 0;
}

/* ---- accounting ---- */

/* A blocking acquisition took t1 - t0 ticks (the caller holds the lock now, if exclusive). */
static HP_NOINLINE void record_contended(struct hp_lock_rec *r, uint64_t t0, uint64_t t1, int shared)
{
	uint64_t dt = t1 - t0;
	if (r) {
		if (shared) {
			__atomic_fetch_add(&r->contended, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&r->wait_ticks, dt, __ATOMIC_RELAXED);
			hp_max_relaxed(&r->max_wait_ticks, dt);
		} else {
			r->contended++;
			r->wait_ticks += dt;
			if (dt > r->max_wait_ticks)
				r->max_wait_ticks = dt;
		}
	}
	struct hp_thread_rec *tr = hp_flow_thread();
	if (tr)
		tr->lock_wait_ticks += dt;
}

/* The lock is now held exclusively by this thread. */
static inline void hold_begin(struct hp_lock_rec *r, uint64_t now)
{
	if (r->hold_depth++ == 0)
		r->held_since = now;
}

/* An exclusive acquisition of r's lock by this thread (called with the lock held: plain
 * stores). `now` is its time when the caller has read the clock, else 0: the clock is then
 * read only when hold times are kept. */
static inline void acquired(struct hp_lock_rec *r, uint64_t now)
{
	r->acquisitions++;
	if (!(hp_flow_modes & HP_MODE_NO_HOLD))
		hold_begin(r, now ? now : hp_ticks());
}

/* About to release an exclusive hold. */
static inline void hold_end(struct hp_lock_rec *r)
{
	if (r->hold_depth == 0)
		return; /* taken before we started, or through a path we do not see */
	if (--r->hold_depth)
		return;
	uint64_t dt = hp_ticks() - r->held_since;
	r->hold_ticks += dt;
	if (dt > r->max_hold_ticks)
		r->max_hold_ticks = dt;
}

#define SITE() ((uint64_t)__builtin_return_address(0))

/* ---- mutexes ---- */

static inline int mutex_acquired(int rc)
{
	return rc == 0 || rc == EOWNERDEAD;
}

HP_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return real.mutex_lock(m);
	int rc = real.mutex_trylock(m);
	if (HP_LIKELY(rc == 0)) {
		struct hp_lock_rec *r = lock_find(m, HP_LOCK_MUTEX, SITE());
		if (HP_LIKELY(r != NULL))
			acquired(r, 0);
		return 0;
	}
	if (rc != EBUSY)
		goto done; /* EOWNERDEAD, EINVAL…: what the blocking call would have said */
	uint64_t t0 = hp_ticks();
	rc = real.mutex_lock(m);
	uint64_t t1 = hp_ticks();
	if (mutex_acquired(rc)) {
		int saved = errno;
		struct hp_lock_rec *r = lock_find(m, HP_LOCK_MUTEX, SITE());
		record_contended(r, t0, t1, 0);
		if (r)
			acquired(r, t1);
		errno = saved;
	}
	return rc;
done:
	if (mutex_acquired(rc)) {
		struct hp_lock_rec *r = lock_find(m, HP_LOCK_MUTEX, SITE());
		if (r)
			acquired(r, 0);
	}
	return rc;
}

HP_EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
	int rc = real.mutex_trylock(m);
	if (mutex_acquired(rc) && hp_flow_on(HP_MODE_LOCKS)) {
		struct hp_lock_rec *r = lock_find(m, HP_LOCK_MUTEX, SITE());
		if (r)
			acquired(r, 0);
	}
	return rc;
}

HP_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	resolve(mutex_timedlock, "pthread_mutex_timedlock", NULL);
	if (!hp_flow_on(HP_MODE_LOCKS))
		return real.mutex_timedlock(m, abstime);
	int rc = real.mutex_trylock(m);
	uint64_t t0 = 0, t1 = 0;
	if (rc == EBUSY) {
		t0 = hp_ticks();
		rc = real.mutex_timedlock(m, abstime);
		t1 = hp_ticks();
	}
	int saved = errno;
	struct hp_lock_rec *r = NULL;
	if (mutex_acquired(rc) || t0)
		r = lock_find(m, HP_LOCK_MUTEX, SITE());
	if (t0) {
		if (mutex_acquired(rc)) {
			record_contended(r, t0, t1, 0);
		} else {
			/* Timed out: the wait still counts for the thread, not as an acquisition. */
			struct hp_thread_rec *tr = hp_flow_thread();
			if (tr)
				tr->lock_wait_ticks += t1 - t0;
		}
	}
	if (r && mutex_acquired(rc))
		acquired(r, t1);
	errno = saved;
	return rc;
}

HP_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (!(hp_flow_modes & HP_MODE_NO_HOLD) && hp_flow_on(HP_MODE_LOCKS)) {
		struct hp_lock_rec *r = lock_find(m, HP_LOCK_MUTEX, SITE());
		if (r)
			hold_end(r);
	}
	return real.mutex_unlock(m);
}

HP_EXPORT int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	int rc = real.mutex_init(m, attr);
	if (rc == 0 && hp_flow_on(HP_MODE_LOCKS))
		lock_reinit(m, HP_LOCK_MUTEX, SITE());
	return rc;
}

/* ---- read-write locks ---- */

HP_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return real.rw_rdlock(l);
	int rc = real.rw_tryrdlock(l);
	if (HP_LIKELY(rc == 0)) {
		struct hp_lock_rec *r = lock_find(l, HP_LOCK_RWLOCK, SITE());
		if (r)
			__atomic_fetch_add(&r->acquisitions, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (rc != EBUSY)
		return real.rw_rdlock(l); /* EAGAIN (too many readers), EDEADLK…: its own answer */
	uint64_t t0 = hp_ticks();
	rc = real.rw_rdlock(l);
	uint64_t t1 = hp_ticks();
	if (rc == 0) {
		int saved = errno;
		struct hp_lock_rec *r = lock_find(l, HP_LOCK_RWLOCK, SITE());
		record_contended(r, t0, t1, 1);
		if (r)
			__atomic_fetch_add(&r->acquisitions, 1, __ATOMIC_RELAXED);
		errno = saved;
	}
	return rc;
}

HP_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	if (!hp_flow_on(HP_MODE_LOCKS))
		return real.rw_wrlock(l);
	int rc = real.rw_trywrlock(l);
	uint64_t t0 = 0, t1 = 0;
	if (rc == EBUSY) {
		t0 = hp_ticks();
		rc = real.rw_wrlock(l);
		t1 = hp_ticks();
	} else if (rc != 0) {
		return real.rw_wrlock(l);
	}
	if (rc == 0) {
		int saved = errno;
		struct hp_lock_rec *r = lock_find(l, HP_LOCK_RWLOCK, SITE());
		if (t0)
			record_contended(r, t0, t1, 1);
		if (r) {
			__atomic_fetch_add(&r->acquisitions, 1, __ATOMIC_RELAXED);
			if (!(hp_flow_modes & HP_MODE_NO_HOLD))
				hold_begin(r, t1 ? t1 : hp_ticks());
		}
		errno = saved;
	}
	return rc;
}

HP_EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	int rc = real.rw_tryrdlock(l);
	if (rc == 0 && hp_flow_on(HP_MODE_LOCKS)) {
		struct hp_lock_rec *r = lock_find(l, HP_LOCK_RWLOCK, SITE());
		if (r)
			__atomic_fetch_add(&r->acquisitions, 1, __ATOMIC_RELAXED);
	}
	return rc;
}

HP_EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	int rc = real.rw_trywrlock(l);
	if (rc == 0 && hp_flow_on(HP_MODE_LOCKS)) {
		struct hp_lock_rec *r = lock_find(l, HP_LOCK_RWLOCK, SITE());
		if (r) {
			__atomic_fetch_add(&r->acquisitions, 1, __ATOMIC_RELAXED);
			if (!(hp_flow_modes & HP_MODE_NO_HOLD))
				hold_begin(r, hp_ticks());
		}
	}
	return rc;
}

HP_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	if (!(hp_flow_modes & HP_MODE_NO_HOLD) && hp_flow_on(HP_MODE_LOCKS)) {
		struct hp_lock_rec *r = lock_find(l, HP_LOCK_RWLOCK, SITE());
		/* hold_depth is non-zero only while a writer holds it: readers leave it alone. */
		if (r && r->hold_depth)
			hold_end(r);
	}
	return real.rw_unlock(l);
}

/* ---- condition variables ---- */

/* Around a wait the mutex is released and re-taken inside glibc: its hold ends and restarts,
 * and the re-acquisition is not counted as one of the program's acquisitions. */
static inline struct hp_lock_rec *cond_wait_begin(pthread_mutex_t *m)
{
	if (hp_flow_modes & HP_MODE_NO_HOLD)
		return NULL;
	struct hp_lock_rec *mr = lock_find(m, HP_LOCK_MUTEX, 0);
	if (mr && mr->hold_depth == 1)
		hold_end(mr);
	else
		mr = NULL;
	return mr;
}

static void cond_wait_end(pthread_cond_t *c, struct hp_lock_rec *mr, uint64_t t0, uint64_t t1,
			  uint64_t site)
{
	int saved = errno;
	uint64_t dt = t1 - t0;
	struct hp_lock_rec *r = lock_find(c, HP_LOCK_COND, site);
	if (r) {
		__atomic_fetch_add(&r->cond_waits, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&r->cond_wait_ticks, dt, __ATOMIC_RELAXED);
		hp_max_relaxed(&r->max_wait_ticks, dt);
	}
	struct hp_thread_rec *tr = hp_flow_thread();
	if (tr)
		tr->lock_wait_ticks += dt;
	if (mr)
		hold_begin(mr, t1);
	errno = saved;
}

HP_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	resolve(cond_wait, "pthread_cond_wait", COND_VERSION);
	if (!hp_flow_on(HP_MODE_LOCKS))
		return real.cond_wait(c, m);
	struct hp_lock_rec *mr = cond_wait_begin(m);
	uint64_t t0 = hp_ticks();
	int rc = real.cond_wait(c, m);
	cond_wait_end(c, mr, t0, hp_ticks(), SITE());
	return rc;
}

HP_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
				     const struct timespec *abstime)
{
	resolve(cond_timedwait, "pthread_cond_timedwait", COND_VERSION);
	if (!hp_flow_on(HP_MODE_LOCKS))
		return real.cond_timedwait(c, m, abstime);
	struct hp_lock_rec *mr = cond_wait_begin(m);
	uint64_t t0 = hp_ticks();
	int rc = real.cond_timedwait(c, m, abstime);
	cond_wait_end(c, mr, t0, hp_ticks(), SITE());
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
	resolve(cond_signal, "pthread_cond_signal", COND_VERSION);
	count_signal(c, SITE());
	return real.cond_signal(c);
}

HP_EXPORT int pthread_cond_broadcast(pthread_cond_t *c)
{
	resolve(cond_broadcast, "pthread_cond_broadcast", COND_VERSION);
	count_signal(c, SITE());
	return real.cond_broadcast(c);
}

/* ---- spin locks: counted the same way; the hook costs more than the lock itself ---- */

HP_EXPORT int pthread_spin_lock(pthread_spinlock_t *l)
{
	resolve(spin_lock, "pthread_spin_lock", NULL);
	resolve(spin_trylock, "pthread_spin_trylock", NULL);
	if (!hp_flow_on(HP_MODE_LOCKS))
		return real.spin_lock(l);
	int rc = real.spin_trylock(l);
	uint64_t t0 = 0, t1 = 0;
	if (rc == EBUSY) {
		t0 = hp_ticks();
		rc = real.spin_lock(l);
		t1 = hp_ticks();
	}
	if (rc == 0) {
		int saved = errno;
		struct hp_lock_rec *r = lock_find((const void *)l, HP_LOCK_SPIN, SITE());
		if (t0)
			record_contended(r, t0, t1, 0);
		if (r)
			acquired(r, t1);
		errno = saved;
	}
	return rc;
}

HP_EXPORT int pthread_spin_trylock(pthread_spinlock_t *l)
{
	resolve(spin_trylock, "pthread_spin_trylock", NULL);
	int rc = real.spin_trylock(l);
	if (rc == 0 && hp_flow_on(HP_MODE_LOCKS)) {
		struct hp_lock_rec *r = lock_find((const void *)l, HP_LOCK_SPIN, SITE());
		if (r)
			acquired(r, 0);
	}
	return rc;
}

HP_EXPORT int pthread_spin_unlock(pthread_spinlock_t *l)
{
	resolve(spin_unlock, "pthread_spin_unlock", NULL);
	if (!(hp_flow_modes & HP_MODE_NO_HOLD) && hp_flow_on(HP_MODE_LOCKS)) {
		struct hp_lock_rec *r = lock_find((const void *)l, HP_LOCK_SPIN, SITE());
		if (r)
			hold_end(r);
	}
	return real.spin_unlock(l);
}

/* ---- start-up and fork ---- */

/* Resolve the next definitions (RTLD_NEXT) of everything we hook. Called once from
 * hp_flow_start (one thread, guard held), also when lock tracking is off: passing straight to
 * glibc's aliases would skip another library preloaded after ours that wraps these functions
 * (or ThreadSanitizer's interceptors). The glibc aliases stay where dlsym finds nothing. */
#define NEXT(field, name)                                                                          \
	do {                                                                                       \
		void *p_ = dlsym(RTLD_NEXT, name);                                                 \
		if (p_)                                                                            \
			real.field = p_;                                                           \
	} while (0)

void hp_locks_resolve(void)
{
	NEXT(mutex_lock, "pthread_mutex_lock");
	NEXT(mutex_trylock, "pthread_mutex_trylock");
	NEXT(mutex_unlock, "pthread_mutex_unlock");
	NEXT(mutex_init, "pthread_mutex_init");
	NEXT(rw_rdlock, "pthread_rwlock_rdlock");
	NEXT(rw_wrlock, "pthread_rwlock_wrlock");
	NEXT(rw_tryrdlock, "pthread_rwlock_tryrdlock");
	NEXT(rw_trywrlock, "pthread_rwlock_trywrlock");
	NEXT(rw_unlock, "pthread_rwlock_unlock");
	resolve(mutex_timedlock, "pthread_mutex_timedlock", NULL);
	resolve(cond_wait, "pthread_cond_wait", COND_VERSION);
	resolve(cond_timedwait, "pthread_cond_timedwait", COND_VERSION);
	resolve(cond_signal, "pthread_cond_signal", COND_VERSION);
	resolve(cond_broadcast, "pthread_cond_broadcast", COND_VERSION);
	resolve(spin_lock, "pthread_spin_lock", NULL);
	resolve(spin_trylock, "pthread_spin_trylock", NULL);
	resolve(spin_unlock, "pthread_spin_unlock", NULL);
}

/* hp_locks_resolve, then map the address index; 1 when lock tracking can start. */
int hp_locks_start(void)
{
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
	if (!lidx)
		return;
	if (mmap(lidx, sizeof(struct lock_slot) * LIDX_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		hp_flow_modes &= ~(uint32_t)HP_MODE_LOCKS;
}
