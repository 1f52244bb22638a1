/* io.c - the I/O calls beyond read/write that move bytes through an fd: positioned reads and
 * writes (pread, pwrite and their vector and 64-bit forms), the fortified reads the compiler
 * substitutes under _FORTIFY_SOURCE (__read_chk...), several messages at once (sendmmsg,
 * recvmmsg), and the calls that move data between two fds in the kernel (sendfile, splice,
 * copy_file_range, vmsplice). Each is one timestamp pair around the real call and the same
 * accounting as read/write (chan.c): channels by row, other fds by kind. A call on two fds
 * counts as a read on the one and a write on the other; the thread's blocked time gets it once.
 * Errno and results are the real call's. */
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "flow.h"

HP_NEXT_DECL(ssize_t, pread, (int, void *, size_t, off_t));
HP_NEXT_DECL(ssize_t, pread64, (int, void *, size_t, off_t));
HP_NEXT_DECL(ssize_t, pwrite, (int, const void *, size_t, off_t));
HP_NEXT_DECL(ssize_t, pwrite64, (int, const void *, size_t, off_t));
HP_NEXT_DECL(ssize_t, preadv, (int, const struct iovec *, int, off_t));
HP_NEXT_DECL(ssize_t, preadv64, (int, const struct iovec *, int, off_t));
HP_NEXT_DECL(ssize_t, pwritev, (int, const struct iovec *, int, off_t));
HP_NEXT_DECL(ssize_t, pwritev64, (int, const struct iovec *, int, off_t));
HP_NEXT_DECL(ssize_t, preadv2, (int, const struct iovec *, int, off_t, int));
HP_NEXT_DECL(ssize_t, pwritev2, (int, const struct iovec *, int, off_t, int));
HP_NEXT_DECL(ssize_t, __read_chk, (int, void *, size_t, size_t));
HP_NEXT_DECL(ssize_t, __pread_chk, (int, void *, size_t, off_t, size_t));
HP_NEXT_DECL(ssize_t, __pread64_chk, (int, void *, size_t, off_t, size_t));
HP_NEXT_DECL(ssize_t, __recv_chk, (int, void *, size_t, size_t, int));
HP_NEXT_DECL(ssize_t, __recvfrom_chk,
	     (int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *));
HP_NEXT_DECL(int, sendmmsg, (int, struct mmsghdr *, unsigned int, int));
HP_NEXT_DECL(int, recvmmsg, (int, struct mmsghdr *, unsigned int, int, struct timespec *));
HP_NEXT_DECL(ssize_t, sendfile, (int, int, off_t *, size_t));
HP_NEXT_DECL(ssize_t, sendfile64, (int, int, off_t *, size_t));
HP_NEXT_DECL(ssize_t, splice, (int, loff_t *, int, loff_t *, size_t, unsigned int));
HP_NEXT_DECL(ssize_t, vmsplice, (int, const struct iovec *, size_t, unsigned int));
HP_NEXT_DECL(ssize_t, copy_file_range, (int, loff_t *, int, loff_t *, size_t, unsigned int));

/* The result of `call` on fd in direction `out`, asked `asked` bytes; timed and accounted when
 * channels are recorded. An expression: the hook returns it. */
#define IO_ONE(fd, out, asked, call)                                                               \
	({                                                                                         \
		ssize_t rc_;                                                                       \
		if (!hp_flow_on(HP_MODE_CHANNELS)) {                                               \
			rc_ = (call);                                                              \
		} else {                                                                           \
			uint64_t t0_ = hp_io_begin(fd, out);                                       \
			rc_ = (call);                                                              \
			hp_io_account(fd, out, rc_, rc_ > 0 ? (uint64_t)rc_ : 0, asked, t0_, 1);   \
		}                                                                                  \
		rc_;                                                                               \
	})

/* The same for a call that moves bytes from fd_in to fd_out: a read on one, a write on the
 * other, the thread's time once. */
#define IO_TWO(fd_in, fd_out, asked, call)                                                         \
	({                                                                                         \
		ssize_t rc_;                                                                       \
		if (!hp_flow_on(HP_MODE_CHANNELS)) {                                               \
			rc_ = (call);                                                              \
		} else {                                                                           \
			uint64_t t0_ = hp_io_begin(fd_out, 1);                                     \
			rc_ = (call);                                                              \
			uint64_t b_ = rc_ > 0 ? (uint64_t)rc_ : 0;                                 \
			hp_io_account(fd_in, 0, rc_, b_, asked, t0_, 0);                           \
			hp_io_account(fd_out, 1, rc_, b_, asked, t0_, 1);                          \
		}                                                                                  \
		rc_;                                                                               \
	})

static size_t iov_sum(const struct iovec *iov, size_t n)
{
	size_t s = 0;
	for (size_t i = 0; iov && i < n; i++)
		s += iov[i].iov_len;
	return s;
}

/* ---- positioned reads and writes ---- */

HP_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	return IO_ONE(fd, 0, n, HP_NEXT(pread)(fd, buf, n, off));
}

HP_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	return IO_ONE(fd, 0, n, HP_NEXT(pread64)(fd, buf, n, off));
}

HP_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return IO_ONE(fd, 1, n, HP_NEXT(pwrite)(fd, buf, n, off));
}

HP_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return IO_ONE(fd, 1, n, HP_NEXT(pwrite64)(fd, buf, n, off));
}

HP_EXPORT ssize_t preadv(int fd, const struct iovec *iov, int n, off_t off)
{
	return IO_ONE(fd, 0, iov_sum(iov, n > 0 ? (size_t)n : 0), HP_NEXT(preadv)(fd, iov, n, off));
}

HP_EXPORT ssize_t preadv64(int fd, const struct iovec *iov, int n, off_t off)
{
	return IO_ONE(fd, 0, iov_sum(iov, n > 0 ? (size_t)n : 0),
		      HP_NEXT(preadv64)(fd, iov, n, off));
}

HP_EXPORT ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	return IO_ONE(fd, 1, iov_sum(iov, n > 0 ? (size_t)n : 0),
		      HP_NEXT(pwritev)(fd, iov, n, off));
}

HP_EXPORT ssize_t pwritev64(int fd, const struct iovec *iov, int n, off_t off)
{
	return IO_ONE(fd, 1, iov_sum(iov, n > 0 ? (size_t)n : 0),
		      HP_NEXT(pwritev64)(fd, iov, n, off));
}

HP_EXPORT ssize_t preadv2(int fd, const struct iovec *iov, int n, off_t off, int flags)
{
	return IO_ONE(fd, 0, iov_sum(iov, n > 0 ? (size_t)n : 0),
		      HP_NEXT(preadv2)(fd, iov, n, off, flags));
}

HP_EXPORT ssize_t pwritev2(int fd, const struct iovec *iov, int n, off_t off, int flags)
{
	return IO_ONE(fd, 1, iov_sum(iov, n > 0 ? (size_t)n : 0),
		      HP_NEXT(pwritev2)(fd, iov, n, off, flags));
}

/* ---- _FORTIFY_SOURCE: read(buf of known size) becomes __read_chk, which calls glibc's
 * internal read ---- */

HP_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	return IO_ONE(fd, 0, n, HP_NEXT(__read_chk)(fd, buf, n, buflen));
}

HP_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	return IO_ONE(fd, 0, n, HP_NEXT(__pread_chk)(fd, buf, n, off, buflen));
}

HP_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	return IO_ONE(fd, 0, n, HP_NEXT(__pread64_chk)(fd, buf, n, off, buflen));
}

HP_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	return IO_ONE(fd, 0, n, HP_NEXT(__recv_chk)(fd, buf, n, buflen, flags));
}

HP_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
				 struct sockaddr *a, socklen_t *al)
{
	return IO_ONE(fd, 0, n, HP_NEXT(__recvfrom_chk)(fd, buf, n, buflen, flags, a, al));
}

/* ---- several messages in one call: each message counts, with its own length ---- */

static void mmsg_account(int fd, int out, int rc, const struct mmsghdr *v, unsigned int n,
			 uint64_t t0)
{
	if (rc <= 0) {
		hp_io_account(fd, out, rc, 0,
			      n ? iov_sum(v[0].msg_hdr.msg_iov, v[0].msg_hdr.msg_iovlen) : 0, t0,
			      1);
		return;
	}
	/* The first message carries the call's time, the others none. */
	for (int i = 0; i < rc && (unsigned int)i < n; i++)
		hp_io_account(fd, out, v[i].msg_len, v[i].msg_len,
			      iov_sum(v[i].msg_hdr.msg_iov, v[i].msg_hdr.msg_iovlen),
			      i ? hp_ticks() : t0, i == 0);
}

HP_EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	if (!hp_flow_on(HP_MODE_CHANNELS))
		return HP_NEXT(sendmmsg)(fd, v, n, flags);
	uint64_t t0 = hp_io_begin(fd, 1);
	int rc = HP_NEXT(sendmmsg)(fd, v, n, flags);
	mmsg_account(fd, 1, rc, v, n, t0);
	return rc;
}

HP_EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *tmo)
{
	if (!hp_flow_on(HP_MODE_CHANNELS))
		return HP_NEXT(recvmmsg)(fd, v, n, flags, tmo);
	uint64_t t0 = hp_io_begin(fd, 0);
	int rc = HP_NEXT(recvmmsg)(fd, v, n, flags, tmo);
	mmsg_account(fd, 0, rc, v, n, t0);
	return rc;
}

/* ---- between two fds, in the kernel ---- */

HP_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t *off, size_t n)
{
	return IO_TWO(in_fd, out_fd, n, HP_NEXT(sendfile)(out_fd, in_fd, off, n));
}

HP_EXPORT ssize_t sendfile64(int out_fd, int in_fd, off_t *off, size_t n)
{
	return IO_TWO(in_fd, out_fd, n, HP_NEXT(sendfile64)(out_fd, in_fd, off, n));
}

HP_EXPORT ssize_t splice(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t n,
			 unsigned int flags)
{
	return IO_TWO(fd_in, fd_out, n, HP_NEXT(splice)(fd_in, off_in, fd_out, off_out, n, flags));
}

HP_EXPORT ssize_t copy_file_range(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t n,
				  unsigned int flags)
{
	return IO_TWO(fd_in, fd_out, n,
		      HP_NEXT(copy_file_range)(fd_in, off_in, fd_out, off_out, n, flags));
}

/* User memory into a pipe: a write on the pipe. */
HP_EXPORT ssize_t vmsplice(int fd, const struct iovec *iov, size_t n, unsigned int flags)
{
	return IO_ONE(fd, 1, iov_sum(iov, n), HP_NEXT(vmsplice)(fd, iov, n, flags));
}
