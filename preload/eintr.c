/* eintr.c - the calls that SA_RESTART does not restart (signal(7)): sleeps, fd multiplexing,
 * signal waits, System V IPC. When one of them fails with EINTR and our sampling signal was
 * handled on this thread during the call, it is called again with the time that remains, so
 * the program sees no EINTR that it would not have seen without hotpath.
 *
 * The test is a per-thread count of our signals (sample.c) taken before and after the call.
 * Left open: if a signal of the program and ours both arrive during one call, the call is
 * resumed although the program's handler ran (see docs/cpu.md). A thread's CPU-time timer
 * cannot expire while the thread sleeps, so ours can only land at the edges of a call. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/msg.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "sample.h"

HP_NEXT_DECL(int, nanosleep, (const struct timespec *, struct timespec *));
HP_NEXT_DECL(int, clock_nanosleep, (clockid_t, int, const struct timespec *, struct timespec *));
HP_NEXT_DECL(int, poll, (struct pollfd *, nfds_t, int));
HP_NEXT_DECL(int, ppoll, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *));
HP_NEXT_DECL(int, select, (int, fd_set *, fd_set *, fd_set *, struct timeval *));
HP_NEXT_DECL(int, pselect,
	     (int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *));
HP_NEXT_DECL(int, epoll_wait, (int, struct epoll_event *, int, int));
HP_NEXT_DECL(int, epoll_pwait, (int, struct epoll_event *, int, int, const sigset_t *));
HP_NEXT_DECL(int, sigtimedwait, (const sigset_t *, siginfo_t *, const struct timespec *));
HP_NEXT_DECL(int, sigwaitinfo, (const sigset_t *, siginfo_t *));
HP_NEXT_DECL(int, sigsuspend, (const sigset_t *));
HP_NEXT_DECL(int, pause, (void));
HP_NEXT_DECL(ssize_t, msgrcv, (int, void *, size_t, long, int));
HP_NEXT_DECL(int, msgsnd, (int, const void *, size_t, int));
HP_NEXT_DECL(int, semop, (int, struct sembuf *, size_t));
HP_NEXT_DECL(int, semtimedop, (int, struct sembuf *, size_t, const struct timespec *));

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec t;
	if (ns < 0)
		ns = 0;
	t.tv_sec = (time_t)(ns / 1000000000);
	t.tv_nsec = (long)(ns % 1000000000);
	return t;
}

/* ---- the resume loop: one call tried until it ends for a reason other than our signal ----
 * resume_try before each try, resume_after (or resume_again) after it. Between tries our own
 * code runs inside the hp_own bracket, and each try starts with the errno the program had
 * when it made the call; the call's own result and errno are what the program gets. */
struct resume {
	struct hp_own entry; /* the program's errno when it made the call */
	uint64_t signals;    /* our signals on this thread before the current try */
	int timed;	     /* a timeout that we count down (deadline, left) */
	int tries;
	const struct timespec *timeout; /* the caller's (the first try gets it as it is) */
	int64_t deadline;		/* CLOCK_MONOTONIC ns */
	struct timespec left;		/* the time left for the next try */
};

/* timeout: NULL for none, or one the kernel does not count down (select's, nanosleep's). */
static struct resume resume_begin(const struct timespec *timeout, int count_down)
{
	struct resume r = {.entry = hp_own_begin(), .timeout = timeout};
	r.timed = timeout && count_down;
	if (r.timed)
		r.deadline = now_ns() + (int64_t)timeout->tv_sec * 1000000000 + timeout->tv_nsec;
	hp_own_end(r.entry);
	return r;
}

/* poll and epoll: a timeout in ms, negative for none. */
static struct resume resume_begin_ms(int ms)
{
	struct timespec t = ts_of((int64_t)ms * 1000000);
	struct resume r = resume_begin(ms > 0 ? &t : NULL, 1);
	r.timeout = NULL; /* t ends here: resume_try_ms gives the first try `ms` itself */
	return r;
}

/* Before a try: the timeout it gets. */
static const struct timespec *resume_try(struct resume *r)
{
	r->signals = hp_sample_signals();
	return r->tries++ && r->timed ? &r->left : r->timeout;
}

static int resume_try_ms(struct resume *r, int ms)
{
	resume_try(r);
	if (r->tries == 1 || !r->timed)
		return ms;
	return (int)(((int64_t)r->left.tv_sec * 1000000000 + r->left.tv_nsec + 999999) / 1000000);
}

/* After a try that failed with `err` (an errno value, 0 when it did not fail): 1 to try again,
 * when our signal alone interrupted it. */
static int resume_after(struct resume *r, int err)
{
	struct hp_own now = hp_own_begin();
	int again = err == EINTR && hp_sample_signals() != r->signals;
	if (again && r->timed)
		r->left = ts_of(r->deadline - now_ns());
	hp_own_end(again ? r->entry : now); /* the next try starts with the program's errno */
	return again;
}

/* The same for a call that returns -1 (or a negative count) and sets errno. */
static int resume_again(struct resume *r, long rc)
{
	return rc < 0 && resume_after(r, errno);
}

/* A resumed call whose timeout is used up. */
static int resume_expired(const struct resume *r)
{
	return r->timed && !r->left.tv_sec && !r->left.tv_nsec;
}

/* ---- sleeps ---- */

HP_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!hp_sample_active() || !req)
		return HP_NEXT(nanosleep)(req, rem);
	struct resume r = resume_begin(NULL, 0); /* the kernel counts down in `rest` */
	struct timespec left = *req, rest;
	for (;;) {
		resume_try(&r);
		int rc = HP_NEXT(nanosleep)(&left, &rest);
		if (!resume_again(&r, rc)) {
			if (rc < 0 && errno == EINTR && rem)
				*rem = rest;
			return rc;
		}
		left = rest;
	}
}

HP_EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
			      struct timespec *rem)
{
	if (!hp_sample_active() || !req)
		return HP_NEXT(clock_nanosleep)(clk, flags, req, rem);
	struct resume r = resume_begin(NULL, 0);
	struct timespec left = *req, rest;
	for (;;) {
		resume_try(&r);
		int rc = HP_NEXT(clock_nanosleep)(clk, flags, &left, &rest); /* an errno value */
		if (!resume_after(&r, rc)) {
			if (rc == EINTR && rem && !(flags & TIMER_ABSTIME))
				*rem = rest;
			return rc;
		}
		if (!(flags & TIMER_ABSTIME))
			left = rest;
	}
}

/* glibc's usleep and sleep call nanosleep internally, not through the PLT: ours too. */
HP_EXPORT int usleep(useconds_t us)
{
	struct timespec t = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
	return nanosleep(&t, NULL);
}

HP_EXPORT unsigned int sleep(unsigned int seconds)
{
	struct timespec t = {(time_t)seconds, 0}, rem;
	if (nanosleep(&t, &rem) < 0) {
		if (errno != EINTR)
			return seconds;
		/* glibc rounds the time left to the nearest second */
		return (unsigned int)rem.tv_sec + (rem.tv_nsec >= 500000000L);
	}
	return 0; /* errno as the program left it: a resumed nanosleep restores it */
}

/* ---- fd multiplexing ---- */

HP_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (!hp_sample_active() || timeout == 0)
		return HP_NEXT(poll)(fds, n, timeout);
	struct resume r = resume_begin_ms(timeout);
	for (;;) {
		int ms = resume_try_ms(&r, timeout);
		int rc = HP_NEXT(poll)(fds, n, ms);
		if (!resume_again(&r, rc))
			return rc;
		if (resume_expired(&r))
			return 0;
	}
}

HP_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *t, const sigset_t *mask)
{
	if (!hp_sample_active())
		return HP_NEXT(ppoll)(fds, n, t, mask);
	struct resume r = resume_begin(t, 1);
	for (;;) {
		const struct timespec *left = resume_try(&r);
		int rc = HP_NEXT(ppoll)(fds, n, left, mask);
		if (!resume_again(&r, rc))
			return rc;
		if (resume_expired(&r))
			return 0;
	}
}

/* select's fd sets: the kernel overwrites them, each try gets the caller's again. */
struct fd_sets {
	fd_set *set[3];
	fd_set kept[3];
};

static void fd_sets_keep(struct fd_sets *s, fd_set *rd, fd_set *wr, fd_set *ex)
{
	s->set[0] = rd, s->set[1] = wr, s->set[2] = ex;
	for (int i = 0; i < 3; i++)
		if (s->set[i])
			s->kept[i] = *s->set[i];
}

static void fd_sets_restore(const struct fd_sets *s)
{
	for (int i = 0; i < 3; i++)
		if (s->set[i])
			*s->set[i] = s->kept[i];
}

HP_EXPORT int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	if (!hp_sample_active())
		return HP_NEXT(select)(nfds, rd, wr, ex, tv);
	struct resume r = resume_begin(NULL, 0);
	struct fd_sets sets;
	fd_sets_keep(&sets, rd, wr, ex);
	for (;;) {
		resume_try(&r);
		/* Linux leaves the time not slept in *tv: calling again with it resumes. */
		int rc = HP_NEXT(select)(nfds, rd, wr, ex, tv);
		if (!resume_again(&r, rc))
			return rc;
		fd_sets_restore(&sets);
	}
}

HP_EXPORT int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *t,
		      const sigset_t *mask)
{
	if (!hp_sample_active())
		return HP_NEXT(pselect)(nfds, rd, wr, ex, t, mask);
	struct resume r = resume_begin(t, 1);
	struct fd_sets sets;
	fd_sets_keep(&sets, rd, wr, ex);
	for (;;) {
		const struct timespec *left = resume_try(&r);
		int rc = HP_NEXT(pselect)(nfds, rd, wr, ex, left, mask);
		if (!resume_again(&r, rc))
			return rc;
		fd_sets_restore(&sets);
	}
}

HP_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	if (!hp_sample_active() || timeout == 0)
		return HP_NEXT(epoll_wait)(epfd, ev, max, timeout);
	struct resume r = resume_begin_ms(timeout);
	for (;;) {
		int ms = resume_try_ms(&r, timeout);
		int rc = HP_NEXT(epoll_wait)(epfd, ev, max, ms);
		if (!resume_again(&r, rc))
			return rc;
		if (resume_expired(&r))
			return 0;
	}
}

HP_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
			  const sigset_t *mask)
{
	if (!hp_sample_active() || timeout == 0)
		return HP_NEXT(epoll_pwait)(epfd, ev, max, timeout, mask);
	struct resume r = resume_begin_ms(timeout);
	for (;;) {
		int ms = resume_try_ms(&r, timeout);
		int rc = HP_NEXT(epoll_pwait)(epfd, ev, max, ms, mask);
		if (!resume_again(&r, rc))
			return rc;
		if (resume_expired(&r))
			return 0;
	}
}

/* ---- waiting for signals ---- */

HP_EXPORT int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *t)
{
	if (!hp_sample_active())
		return HP_NEXT(sigtimedwait)(set, info, t);
	struct resume r = resume_begin(t, 1);
	for (;;) {
		const struct timespec *left = resume_try(&r);
		int rc = HP_NEXT(sigtimedwait)(set, info, left);
		if (!resume_again(&r, rc))
			return rc;
		if (resume_expired(&r)) {
			errno = EAGAIN; /* the timeout expired */
			return -1;
		}
	}
}

HP_EXPORT int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	if (!hp_sample_active())
		return HP_NEXT(sigwaitinfo)(set, info);
	struct resume r = resume_begin(NULL, 0);
	int rc;
	do {
		resume_try(&r);
		rc = HP_NEXT(sigwaitinfo)(set, info);
	} while (resume_again(&r, rc));
	return rc;
}

HP_EXPORT int sigsuspend(const sigset_t *mask)
{
	if (!hp_sample_active())
		return HP_NEXT(sigsuspend)(mask);
	struct resume r = resume_begin(NULL, 0);
	int rc;
	do {
		resume_try(&r);
		rc = HP_NEXT(sigsuspend)(mask);
	} while (resume_again(&r, rc));
	return rc;
}

HP_EXPORT int pause(void)
{
	if (!hp_sample_active())
		return HP_NEXT(pause)();
	struct resume r = resume_begin(NULL, 0);
	int rc;
	do {
		resume_try(&r);
		rc = HP_NEXT(pause)();
	} while (resume_again(&r, rc));
	return rc;
}

/* ---- System V IPC ---- */

HP_EXPORT ssize_t msgrcv(int id, void *msg, size_t size, long type, int flags)
{
	if (!hp_sample_active())
		return HP_NEXT(msgrcv)(id, msg, size, type, flags);
	struct resume r = resume_begin(NULL, 0);
	ssize_t rc;
	do {
		resume_try(&r);
		rc = HP_NEXT(msgrcv)(id, msg, size, type, flags);
	} while (resume_again(&r, rc));
	return rc;
}

HP_EXPORT int msgsnd(int id, const void *msg, size_t size, int flags)
{
	if (!hp_sample_active())
		return HP_NEXT(msgsnd)(id, msg, size, flags);
	struct resume r = resume_begin(NULL, 0);
	int rc;
	do {
		resume_try(&r);
		rc = HP_NEXT(msgsnd)(id, msg, size, flags);
	} while (resume_again(&r, rc));
	return rc;
}

HP_EXPORT int semop(int id, struct sembuf *ops, size_t n)
{
	if (!hp_sample_active())
		return HP_NEXT(semop)(id, ops, n);
	struct resume r = resume_begin(NULL, 0);
	int rc;
	do {
		resume_try(&r);
		rc = HP_NEXT(semop)(id, ops, n);
	} while (resume_again(&r, rc));
	return rc;
}

HP_EXPORT int semtimedop(int id, struct sembuf *ops, size_t n, const struct timespec *t)
{
	if (!hp_sample_active())
		return HP_NEXT(semtimedop)(id, ops, n, t);
	struct resume r = resume_begin(t, 1);
	for (;;) {
		const struct timespec *left = resume_try(&r);
		int rc = HP_NEXT(semtimedop)(id, ops, n, left);
		if (!resume_again(&r, rc))
			return rc;
		if (resume_expired(&r)) {
			errno = EAGAIN;
			return -1;
		}
	}
}
