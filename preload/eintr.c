/* eintr.c - the calls that SA_RESTART does not restart (signal(7)): sleeps, fd multiplexing,
 * signal waits, System V IPC. When one of them fails with EINTR and our sampling signal was
 * handled on this thread during the call, it is called again with the time that remains, so
 * the program sees no EINTR that it would not have seen without hotpath.
 *
 * The test is a per-thread count of our signals (sample.c) taken before and after the call.
 * Left open: if a signal of the program and ours both arrive during one call, the call is
 * resumed although the program's handler ran (see docs/cpu.md). A thread's CPU-time timer
 * cannot expire while the thread sleeps, so ours can only land at the edges of a call. */
#include <dlfcn.h>
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

/* The next definition of `name`, looked up once. */
#define REAL(name)                                                                                 \
	static __typeof__(&name) real_##name;                                                      \
	if (!real_##name)                                                                          \
	real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

/* Was this EINTR ours alone (our signal arrived since `before`)? */
static inline int ours(int r, uint64_t before)
{
	return r < 0 && errno == EINTR && hp_sample_signals() != before;
}

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

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* Milliseconds left until `deadline` (rounded up), for poll and epoll timeouts. */
static int ms_left(int64_t deadline)
{
	int64_t left = deadline - now_ns();
	return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

/* ---- sleeps ---- */

HP_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	REAL(nanosleep);
	if (!hp_sample_active() || !req)
		return real_nanosleep(req, rem);
	struct timespec left = *req, r;
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_nanosleep(&left, &r);
		if (!ours(rc, before)) {
			if (rc < 0 && errno == EINTR && rem)
				*rem = r;
			return rc;
		}
		left = r;
	}
}

HP_EXPORT int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
			      struct timespec *rem)
{
	REAL(clock_nanosleep);
	if (!hp_sample_active() || !req)
		return real_clock_nanosleep(clk, flags, req, rem);
	struct timespec left = *req, r;
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_clock_nanosleep(clk, flags, &left, &r);
		if (rc != EINTR || hp_sample_signals() == before) {
			if (rc == EINTR && rem && !(flags & TIMER_ABSTIME))
				*rem = r;
			return rc;
		}
		if (!(flags & TIMER_ABSTIME))
			left = r;
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
	int saved = errno;
	if (nanosleep(&t, &rem) < 0) {
		if (errno != EINTR)
			return seconds;
		/* glibc rounds the time left to the nearest second */
		return (unsigned int)rem.tv_sec + (rem.tv_nsec >= 500000000L);
	}
	errno = saved;
	return 0;
}

/* ---- fd multiplexing ---- */

HP_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	REAL(poll);
	if (!hp_sample_active() || timeout == 0)
		return real_poll(fds, n, timeout);
	int64_t deadline = timeout > 0 ? now_ns() + (int64_t)timeout * 1000000 : 0;
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_poll(fds, n, timeout);
		if (!ours(rc, before))
			return rc;
		if (timeout > 0 && (timeout = ms_left(deadline)) == 0)
			return 0;
	}
}

/* Time left of a timespec timeout, for the calls that take one and do not update it. */
static const struct timespec *left_of(const struct timespec *t, int64_t deadline,
				      struct timespec *buf)
{
	if (!t)
		return NULL;
	*buf = ts_of(deadline - now_ns());
	return buf;
}

HP_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *t, const sigset_t *mask)
{
	REAL(ppoll);
	if (!hp_sample_active())
		return real_ppoll(fds, n, t, mask);
	int64_t deadline = t ? now_ns() + ns_of(t) : 0;
	const struct timespec *cur = t;
	struct timespec buf;
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_ppoll(fds, n, cur, mask);
		if (!ours(rc, before))
			return rc;
		cur = left_of(t, deadline, &buf);
		if (cur && !cur->tv_sec && !cur->tv_nsec)
			return 0;
	}
}

HP_EXPORT int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	REAL(select);
	if (!hp_sample_active())
		return real_select(nfds, rd, wr, ex, tv);
	fd_set r0, w0, e0;
	if (rd)
		r0 = *rd;
	if (wr)
		w0 = *wr;
	if (ex)
		e0 = *ex;
	for (;;) {
		uint64_t before = hp_sample_signals();
		/* Linux leaves the time not slept in *tv: calling again with it resumes. */
		int rc = real_select(nfds, rd, wr, ex, tv);
		if (!ours(rc, before))
			return rc;
		if (rd)
			*rd = r0;
		if (wr)
			*wr = w0;
		if (ex)
			*ex = e0;
	}
}

HP_EXPORT int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *t,
		      const sigset_t *mask)
{
	REAL(pselect);
	if (!hp_sample_active())
		return real_pselect(nfds, rd, wr, ex, t, mask);
	fd_set r0, w0, e0;
	if (rd)
		r0 = *rd;
	if (wr)
		w0 = *wr;
	if (ex)
		e0 = *ex;
	int64_t deadline = t ? now_ns() + ns_of(t) : 0;
	const struct timespec *cur = t;
	struct timespec buf;
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_pselect(nfds, rd, wr, ex, cur, mask);
		if (!ours(rc, before))
			return rc;
		if (rd)
			*rd = r0;
		if (wr)
			*wr = w0;
		if (ex)
			*ex = e0;
		cur = left_of(t, deadline, &buf);
	}
}

HP_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	REAL(epoll_wait);
	if (!hp_sample_active() || timeout == 0)
		return real_epoll_wait(epfd, ev, max, timeout);
	int64_t deadline = timeout > 0 ? now_ns() + (int64_t)timeout * 1000000 : 0;
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_epoll_wait(epfd, ev, max, timeout);
		if (!ours(rc, before))
			return rc;
		if (timeout > 0 && (timeout = ms_left(deadline)) == 0)
			return 0;
	}
}

HP_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
			  const sigset_t *mask)
{
	REAL(epoll_pwait);
	if (!hp_sample_active() || timeout == 0)
		return real_epoll_pwait(epfd, ev, max, timeout, mask);
	int64_t deadline = timeout > 0 ? now_ns() + (int64_t)timeout * 1000000 : 0;
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_epoll_pwait(epfd, ev, max, timeout, mask);
		if (!ours(rc, before))
			return rc;
		if (timeout > 0 && (timeout = ms_left(deadline)) == 0)
			return 0;
	}
}

/* ---- waiting for signals ---- */

HP_EXPORT int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *t)
{
	REAL(sigtimedwait);
	if (!hp_sample_active())
		return real_sigtimedwait(set, info, t);
	int64_t deadline = t ? now_ns() + ns_of(t) : 0;
	const struct timespec *cur = t;
	struct timespec buf;
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_sigtimedwait(set, info, cur);
		if (!ours(rc, before))
			return rc;
		cur = left_of(t, deadline, &buf);
		if (cur && !cur->tv_sec && !cur->tv_nsec) {
			errno = EAGAIN; /* the timeout expired */
			return -1;
		}
	}
}

HP_EXPORT int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	REAL(sigwaitinfo);
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_sigwaitinfo(set, info);
		if (!hp_sample_active() || !ours(rc, before))
			return rc;
	}
}

HP_EXPORT int sigsuspend(const sigset_t *mask)
{
	REAL(sigsuspend);
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_sigsuspend(mask);
		if (!hp_sample_active() || !ours(rc, before))
			return rc;
	}
}

HP_EXPORT int pause(void)
{
	REAL(pause);
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_pause();
		if (!hp_sample_active() || !ours(rc, before))
			return rc;
	}
}

/* ---- System V IPC ---- */

HP_EXPORT ssize_t msgrcv(int id, void *msg, size_t size, long type, int flags)
{
	REAL(msgrcv);
	for (;;) {
		uint64_t before = hp_sample_signals();
		ssize_t rc = real_msgrcv(id, msg, size, type, flags);
		if (!hp_sample_active() || !ours((int)(rc < 0 ? -1 : 0), before))
			return rc;
	}
}

HP_EXPORT int msgsnd(int id, const void *msg, size_t size, int flags)
{
	REAL(msgsnd);
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_msgsnd(id, msg, size, flags);
		if (!hp_sample_active() || !ours(rc, before))
			return rc;
	}
}

HP_EXPORT int semop(int id, struct sembuf *ops, size_t n)
{
	REAL(semop);
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_semop(id, ops, n);
		if (!hp_sample_active() || !ours(rc, before))
			return rc;
	}
}

HP_EXPORT int semtimedop(int id, struct sembuf *ops, size_t n, const struct timespec *t)
{
	REAL(semtimedop);
	if (!hp_sample_active())
		return real_semtimedop(id, ops, n, t);
	int64_t deadline = t ? now_ns() + ns_of(t) : 0;
	const struct timespec *cur = t;
	struct timespec buf;
	for (;;) {
		uint64_t before = hp_sample_signals();
		int rc = real_semtimedop(id, ops, n, cur);
		if (!ours(rc, before))
			return rc;
		cur = left_of(t, deadline, &buf);
		if (cur && !cur->tv_sec && !cur->tv_nsec) {
			errno = EAGAIN;
			return -1;
		}
	}
}
