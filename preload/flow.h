/* flow.h - what locks.c, chan.c and thread_names.c share: the switches of the data-flow and
 * concurrency hooks and the per-thread blocked-time helper.
 *
 * Every hook passes straight through to the real function until hp_flow_start has run (after
 * hp_g.ready), while hp_g.ready is down (a forked child swapping regions), and while our own
 * code runs (hp_tls.guard). Errno and return values are never changed. */
#ifndef HP_FLOW_H
#define HP_FLOW_H

#include <dlfcn.h>
#include <sys/types.h>

#include "internal.h"

/* HP_MODE_CHANNELS / HP_MODE_LOCKS / HP_MODE_NO_HOLD once the tables exist, else 0. */
extern uint32_t hp_flow_modes;

static inline int hp_flow_on(uint32_t bit)
{
#ifdef HP_NOP
	(void)bit;
	return 0; /* libhotpath-nop.so: interposed, recording nothing */
#else
	return HP_LIKELY(hp_flow_modes & bit) && HP_LIKELY(hp_g.ready) && HP_LIKELY(!hp_tls.guard);
#endif
}

/* The calling thread's row, claiming it on first use; NULL when unavailable. Slow paths only. */
static inline struct hp_thread_rec *hp_flow_thread(void)
{
	struct hp_tstate *ts = hp_tls.ts;
	if (HP_UNLIKELY(!ts))
		ts = hp_thread_slow();
	return ts ? ts->trec : NULL;
}

static inline void hp_max_relaxed(uint64_t *p, uint64_t v)
{
	uint64_t cur = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (v > cur &&
	       !__atomic_compare_exchange_n(p, &cur, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* locks.c */
int hp_locks_start(void);    /* 1 when the lock index is mapped */
void hp_locks_resolve(void); /* the next definitions, also when lock tracking is off */
void hp_locks_after_fork(void);
/* chan.c */
int hp_chan_start(void); /* 1 when the fd map is mapped */
void hp_chan_after_fork(void);
/* A read (out 0) or write (out 1) on fd starts: notes the wait in the thread row, returns t0. */
uint64_t hp_io_begin(int fd, int out);
/* It returned rc (bytes moved: `bytes`; asked: `asked`); the thread's blocked time gets the
 * call's duration only when thread_time is set (a call on two fds accounts twice). */
void hp_io_account(int fd, int out, ssize_t rc, uint64_t bytes, size_t asked, uint64_t t0,
		   int thread_time);
/* stdio.c: count the FILE streams' reads and writes (libc's jump tables), once, at start. */
void hp_stdio_start(void);

#endif
