/* chan.c - channels (pipe, FIFO, POSIX message queue, socketpair, eventfd) and the I/O calls on
 * them: messages, bytes, time inside the calls and largest transfer per direction; read/write
 * on every other fd is summed per fd kind (file, TCP, UDP, unix socket, tty, other).
 *
 * An fd map (mapped at start, one word per fd number) says what each fd is; creating calls
 * fill it, close/dup2/dup3/fclose keep it right, and an fd never seen before (inherited, or
 * made by a call we do not wrap) is classified once with fstat on its first read or write.
 * Pipes and FIFOs found that way become channels too (a pipeline's `head` reads an inherited
 * pipe); their ends are matched by the pipe's inode. Counters are relaxed atomics: a channel is
 * shared by the threads that use it. Errno and results are passed through untouched. */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "flow.h"

#define FD_MAX 65536
#define FD_CHAN 0x80000000u /* a channel: row in bits 0..15, end in FD_END1 */
#define FD_IO 0x40000000u   /* another fd: HP_IO_* kind in the low bits */
#define FD_END1 0x00010000u /* the channel's second end (pipe write end, socketpair sv[1]) */
#define FD_ROW(e) ((e)&0xffffu)

/* What only this process needs to know about a channel row. */
struct chan_local {
	uint16_t refs[2]; /* fds open on each end */
	uint8_t had[2];	  /* the end was ever open here */
	uint8_t local;	  /* both ends created here: queued = out - in is exact */
	uint8_t reserved;
};

static uint32_t *fdmap;
static struct chan_local *clocal;
static uint32_t chan_cap;

HP_NEXT_DECL(ssize_t, read, (int, void *, size_t));
HP_NEXT_DECL(ssize_t, write, (int, const void *, size_t));
HP_NEXT_DECL(ssize_t, readv, (int, const struct iovec *, int));
HP_NEXT_DECL(ssize_t, writev, (int, const struct iovec *, int));
HP_NEXT_DECL(ssize_t, recv, (int, void *, size_t, int));
HP_NEXT_DECL(ssize_t, send, (int, const void *, size_t, int));
HP_NEXT_DECL(ssize_t, recvfrom, (int, void *, size_t, int, struct sockaddr *, socklen_t *));
HP_NEXT_DECL(ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t));
HP_NEXT_DECL(ssize_t, recvmsg, (int, struct msghdr *, int));
HP_NEXT_DECL(ssize_t, sendmsg, (int, const struct msghdr *, int));
HP_NEXT_DECL(int, close, (int));
HP_NEXT_DECL(int, dup, (int));
HP_NEXT_DECL(int, dup2, (int, int));
HP_NEXT_DECL(int, dup3, (int, int, int));
HP_NEXT_DECL(int, fclose, (FILE *));
HP_NEXT_DECL(int, pipe, (int[2]));
HP_NEXT_DECL(int, pipe2, (int[2], int));
HP_NEXT_DECL(int, socketpair, (int, int, int, int[2]));
HP_NEXT_DECL(int, eventfd, (unsigned int, int));
HP_NEXT_DECL(int, eventfd_read, (int, eventfd_t *));
HP_NEXT_DECL(int, eventfd_write, (int, eventfd_t));
HP_NEXT_DECL(mqd_t, mq_open, (const char *, int, ...));
HP_NEXT_DECL(int, mq_close, (mqd_t));
HP_NEXT_DECL(int, mq_send, (mqd_t, const char *, size_t, unsigned int));
HP_NEXT_DECL(ssize_t, mq_receive, (mqd_t, char *, size_t, unsigned int *));
HP_NEXT_DECL(int, mq_timedsend,
	     (mqd_t, const char *, size_t, unsigned int, const struct timespec *));
HP_NEXT_DECL(ssize_t, mq_timedreceive,
	     (mqd_t, char *, size_t, unsigned int *, const struct timespec *));
HP_NEXT_DECL(int, mkfifo, (const char *, mode_t));
HP_NEXT_DECL(int, close_range, (unsigned int, unsigned int, int));
HP_NEXT_DECL(void, closefrom, (int));

/* ---- rows ---- */

static inline struct hp_channel_rec *chan_row(uint32_t row)
{
	return hp_table_row(hp_g.hdr, HP_T_CHANNELS, row);
}

static uint32_t chan_rows(void)
{
	struct hp_table *t = &hp_g.hdr->tables[HP_T_CHANNELS];
	uint32_t n = __atomic_load_n(&t->claimed, __ATOMIC_ACQUIRE);
	return n < t->capacity ? n : t->capacity;
}

/* A new channel; returns its row or -1 (table full). Called inside our own bracket. */
static int chan_new(uint32_t kind, int fd0, int fd1, uint64_t site, const char *label,
		    uint64_t capacity)
{
	uint32_t row;
	struct hp_channel_rec *c = hp_table_claim(HP_T_CHANNELS, &row);
	if (!c || row >= chan_cap || row > 0xffff)
		return -1;
	c->kind = kind;
	c->fd[0] = fd0;
	c->fd[1] = fd1;
	c->create_site = site;
	c->capacity = capacity;
	if (label)
		hp_strlcpy(c->label, label, sizeof(c->label));
	clocal[row] = (struct chan_local){{0, 0}, {0, 0}, 0, 0};
	__atomic_store_n(&c->created_mono_ns, hp_mono_ns(), __ATOMIC_RELEASE);
	return (int)row;
}

/* An open channel of this kind and label (a queue's name, a pipe's inode), or -1. */
static int chan_find(uint32_t kind, const char *label)
{
	uint32_t n = chan_rows();
	for (uint32_t i = 0; i < n && i < chan_cap; i++) {
		struct hp_channel_rec *c = chan_row(i);
		if (__atomic_load_n(&c->created_mono_ns, __ATOMIC_ACQUIRE) && !c->closed_mono_ns &&
		    c->kind == kind && !hp_strcmp(c->label, label))
			return (int)i;
	}
	return -1;
}

static void fd_attach(int fd, int row, int end)
{
	if (fd < 0 || fd >= FD_MAX || row < 0)
		return;
	struct chan_local *l = &clocal[row];
	l->refs[end]++;
	l->had[end] = 1;
	if (l->had[0] && l->had[1])
		l->local = 1; /* both ends here: queued = out - in */
	__atomic_store_n(&fdmap[fd], FD_CHAN | (uint32_t)row | (end ? FD_END1 : 0),
			 __ATOMIC_RELAXED);
}

/* The fd stops referring to what the map says (closed, or replaced by dup2). */
static void fd_forget(int fd)
{
	if (fd < 0 || fd >= FD_MAX)
		return;
	uint32_t e = __atomic_exchange_n(&fdmap[fd], 0, __ATOMIC_RELAXED);
	if (!(e & FD_CHAN))
		return;
	uint32_t row = FD_ROW(e);
	int end = (e & FD_END1) != 0;
	struct chan_local *l = &clocal[row];
	struct hp_channel_rec *c = chan_row(row);
	if (l->refs[end] && --l->refs[end] == 0)
		__atomic_fetch_or(&c->state, end ? HP_CHST_WRITER_CLOSED : HP_CHST_READER_CLOSED,
				  __ATOMIC_RELAXED);
	if ((!l->had[0] || !l->refs[0]) && (!l->had[1] || !l->refs[1]) && !c->closed_mono_ns) {
		if (c->kind == HP_CHAN_EVENTFD || c->kind == HP_CHAN_MQUEUE)
			__atomic_fetch_or(&c->state, HP_CHST_READER_CLOSED | HP_CHST_WRITER_CLOSED,
					  __ATOMIC_RELAXED);
		c->closed_mono_ns = hp_mono_ns();
	}
}

static uint64_t pipe_capacity(int fd)
{
	int n = fcntl(fd, F_GETPIPE_SZ);
	return n > 0 ? (uint64_t)n : 0;
}

/* "pipe:[1234]": what /proc shows for an anonymous pipe; both ends share it. */
static void pipe_label(int fd, char *buf, size_t size)
{
	struct stat st;
	buf[0] = 0;
	if (fstat(fd, &st) == 0)
		hp_snprintf(buf, size, "pipe:[%lu]", (unsigned long)st.st_ino);
}

/* ---- FIFOs made by mkfifo here: their call site, found again by inode when opened ---- */

#define FIFO_SITES 32
static struct {
	uint64_t dev, ino, site;
} fifo_sites[FIFO_SITES];
static uint32_t fifo_next;

static uint64_t fifo_site(const struct stat *st)
{
	for (uint32_t i = 0; i < FIFO_SITES; i++)
		if (fifo_sites[i].ino == (uint64_t)st->st_ino &&
		    fifo_sites[i].dev == (uint64_t)st->st_dev)
			return fifo_sites[i].site;
	return 0;
}

/* ---- classification of fds we did not see created ---- */

static uint32_t classify_socket(int fd)
{
	int dom = 0, type = 0;
	socklen_t l1 = sizeof(dom), l2 = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l1) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l2) < 0)
		return HP_IO_OTHER;
	if (dom == AF_UNIX)
		return HP_IO_UNIX;
	if (dom == AF_INET || dom == AF_INET6)
		return type == SOCK_STREAM  ? HP_IO_TCP
		       : type == SOCK_DGRAM ? HP_IO_UDP
					    : HP_IO_OTHER;
	return HP_IO_OTHER;
}

/* Find-or-create of a pipe/FIFO row must be one step, or two threads meeting the two ends at
 * once make two rows. Once per fd, off the hot path: a small lock that knows its owner, so a
 * signal handler that re-enters on the same thread goes on without it instead of deadlocking. */
static int join_owner; /* tid inside the section, 0 when free */

static int join_lock(void)
{
	int me = hp_gettid(), free_ = 0;
	if (__atomic_load_n(&join_owner, __ATOMIC_RELAXED) == me)
		return 0;
	while (!__atomic_compare_exchange_n(&join_owner, &free_, me, 0, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		free_ = 0;
		hp_arch_cpu_relax();
	}
	return 1;
}

static void join_unlock(int locked)
{
	if (locked)
		__atomic_store_n(&join_owner, 0, __ATOMIC_RELEASE);
}

/* A pipe or FIFO met for the first time: join the row of its other end, or start one. */
static uint32_t classify_fifo(int fd, const struct stat *st)
{
	char path[64], target[HP_LABEL_MAX];
	hp_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return FD_IO | HP_IO_PIPE;
	target[n] = 0;
	uint32_t kind = hp_strncmp(target, "pipe:", 5) ? HP_CHAN_FIFO : HP_CHAN_PIPE;
	int fl = fcntl(fd, F_GETFL);
	int end = fl >= 0 && (fl & O_ACCMODE) == O_WRONLY;
	int locked = join_lock();
	int row = chan_find(kind, target);
	if (row < 0) {
		uint64_t site = kind == HP_CHAN_FIFO ? fifo_site(st) : 0;
		row = chan_new(kind, end ? -1 : fd, end ? fd : -1, site, target, pipe_capacity(fd));
		if (row < 0) {
			join_unlock(locked);
			return FD_IO | HP_IO_PIPE;
		}
	} else if (chan_row((uint32_t)row)->fd[end] < 0) {
		chan_row((uint32_t)row)->fd[end] = fd;
	}
	fd_attach(fd, row, end);
	join_unlock(locked);
	return fdmap[fd];
}

/* What the fd is, recorded in the map; inside our own bracket (fstat, readlink, getsockopt). */
static HP_NOINLINE uint32_t classify(int fd)
{
	struct stat st;
	uint32_t e;
	if (fstat(fd, &st) < 0) {
		e = FD_IO | HP_IO_OTHER;
	} else {
		switch (st.st_mode & S_IFMT) {
		case S_IFREG:
		case S_IFBLK: e = FD_IO | HP_IO_FILE; break;
		case S_IFCHR: {
			struct termios t;
			e = FD_IO | (ioctl(fd, TCGETS, &t) == 0 ? HP_IO_TTY : HP_IO_OTHER);
			break;
		}
		case S_IFSOCK: e = FD_IO | classify_socket(fd); break;
		case S_IFIFO: e = classify_fifo(fd, &st); break;
		default: e = FD_IO | HP_IO_OTHER;
		}
	}
	if (!(e & FD_CHAN))
		__atomic_store_n(&fdmap[fd], e, __ATOMIC_RELAXED);
	return e;
}

/* ---- accounting ---- */

static inline void dir_add(struct hp_chan_dir *d, uint64_t bytes, int moved, uint64_t dt)
{
	if (moved) {
		__atomic_fetch_add(&d->messages, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&d->bytes, bytes, __ATOMIC_RELAXED);
		if (bytes > __atomic_load_n(&d->max_transfer, __ATOMIC_RELAXED))
			hp_max_relaxed(&d->max_transfer, bytes);
	}
	__atomic_fetch_add(&d->blocked_ticks, dt, __ATOMIC_RELAXED);
}

static void chan_state(struct hp_channel_rec *c, int out, ssize_t rc, int err, size_t asked)
{
	uint32_t bits = 0;
	if (!out && rc == 0 && asked && c->kind != HP_CHAN_MQUEUE)
		bits = HP_CHST_WRITER_CLOSED; /* end of file: every writer has gone */
	else if (out && rc < 0 && err == EPIPE)
		bits = HP_CHST_READER_CLOSED;
	else if (out && rc < 0 && err == EAGAIN)
		bits = HP_CHST_FULL;
	if (bits && !(__atomic_load_n(&c->state, __ATOMIC_RELAXED) & bits))
		__atomic_fetch_or(&c->state, bits, __ATOMIC_RELAXED);
}

/* In-process channels: what is queued now is what went in minus what came out. */
static void chan_queued(uint32_t row, struct hp_channel_rec *c)
{
	if (!clocal[row].local || c->kind == HP_CHAN_EVENTFD)
		return;
	int mq = c->kind == HP_CHAN_MQUEUE;
	uint64_t out = __atomic_load_n(mq ? &c->dir[1].messages : &c->dir[1].bytes,
				       __ATOMIC_RELAXED);
	uint64_t in = __atomic_load_n(mq ? &c->dir[0].messages : &c->dir[0].bytes,
				      __ATOMIC_RELAXED);
	if (out <= in)
		return;
	/* A receive that returned but is not counted yet makes this high by one transfer: the
	 * kernel never holds more than the capacity. */
	uint64_t q = c->capacity && out - in > c->capacity ? c->capacity : out - in;
	if (q > __atomic_load_n(&c->queued_max, __ATOMIC_RELAXED))
		hp_max_relaxed(&c->queued_max, q);
	if (c->capacity && q >= c->capacity &&
	    !(__atomic_load_n(&c->state, __ATOMIC_RELAXED) & HP_CHST_FULL))
		__atomic_fetch_or(&c->state, HP_CHST_FULL, __ATOMIC_RELAXED);
}

/* A call on `fd` in direction `out` starts: the thread row says what it waits on until
 * io_account (in-progress waits count up to a reader's "now"). Returns the start in ticks. */
static inline uint64_t io_begin(int fd, int out)
{
	struct hp_thread_rec *tr = hp_flow_thread();
	uint64_t t0 = hp_ticks();
	if (HP_LIKELY(tr != NULL)) {
		uint32_t e = fd >= 0 && fd < FD_MAX ? __atomic_load_n(&fdmap[fd], __ATOMIC_RELAXED)
						    : 0;
		if (e & FD_CHAN) {
			tr->wait_object = FD_ROW(e);
			tr->wait_kind = out ? HP_WAIT_CHAN_OUT : HP_WAIT_CHAN_IN;
		} else {
			tr->wait_object = e & 0xff; /* 0: not classified yet */
			tr->wait_kind = out ? HP_WAIT_IO_OUT : HP_WAIT_IO_IN;
		}
		__atomic_store_n(&tr->wait_since_ticks, t0, __ATOMIC_RELEASE);
	}
	return t0;
}

uint64_t hp_io_begin(int fd, int out)
{
	return io_begin(fd, out);
}

/* One call on `fd` in direction `out` returned `rc` (bytes, or -1 with errno) after starting
 * at t0. `moved` overrides rc > 0 for calls that return 0 on success (mq_send). */
static HP_NOINLINE void io_account(int fd, int out, ssize_t rc, uint64_t bytes, size_t asked,
				   uint64_t t0)
{
	uint64_t dt = hp_ticks() - t0;
	struct hp_thread_rec *tr = hp_flow_thread(); /* before the bracket: may claim the row */
	struct hp_own own = hp_own_begin();
	int err = own.saved_errno; /* the call's */
	int moved = rc >= 0 && (rc > 0 || bytes > 0);
	if (tr) {
		tr->io_block_ticks += dt;
		__atomic_store_n(&tr->wait_since_ticks, 0, __ATOMIC_RELEASE);
	}
	uint32_t e = fd >= 0 && fd < FD_MAX ? __atomic_load_n(&fdmap[fd], __ATOMIC_RELAXED)
					    : FD_IO | HP_IO_OTHER;
	if (!e) {
		if (rc < 0 && err == EBADF)
			goto out; /* not an fd at all: nothing to classify */
		e = classify(fd);
	}
	if (e & FD_CHAN) {
		uint32_t row = FD_ROW(e);
		struct hp_channel_rec *c = chan_row(row);
		dir_add(&c->dir[out], bytes, moved, dt);
		if (moved && out)
			chan_queued(row, c);
		chan_state(c, out, rc, err, asked);
	} else {
		uint32_t k = e & 0xff;
		if (k >= HP_IO_KINDS || !k)
			k = HP_IO_OTHER;
		struct hp_io_rec *io = hp_table_row(hp_g.hdr, HP_T_IO, k);
		dir_add(&io->dir[out], bytes, moved, dt);
	}
out:
	hp_own_end(own);
}

/* The result of `call` (a read or write of `asked` bytes on fd in direction `out`), timed and
 * accounted when channels are recorded. An expression: the hook returns it. */
#define IO_TIMED(fd, out, asked, call)                                                             \
	({                                                                                         \
		ssize_t rc_;                                                                       \
		if (!hp_flow_on(HP_MODE_CHANNELS)) {                                               \
			rc_ = (call);                                                              \
		} else {                                                                           \
			uint64_t t0_ = io_begin(fd, out);                                          \
			rc_ = (call);                                                              \
			io_account(fd, out, rc_, rc_ > 0 ? (uint64_t)rc_ : 0, asked, t0_);         \
		}                                                                                  \
		rc_;                                                                               \
	})

/* io.c and stdio.c: io_account for their calls. A call that moves data between two fds
 * (sendfile, splice) accounts both; only one of them adds its time to the thread
 * (`thread_time`). */
void hp_io_account(int fd, int out, ssize_t rc, uint64_t bytes, size_t asked, uint64_t t0,
		   int thread_time)
{
	struct hp_thread_rec *tr = thread_time ? NULL : hp_flow_thread();
	uint64_t before = tr ? tr->io_block_ticks : 0;
	io_account(fd, out, rc, bytes, asked, t0);
	if (tr)
		tr->io_block_ticks = before; /* single writer: this thread */
}

static size_t iov_bytes(const struct iovec *iov, int n)
{
	size_t s = 0;
	for (int i = 0; iov && i < n; i++)
		s += iov[i].iov_len;
	return s;
}

HP_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	return IO_TIMED(fd, 0, n, HP_NEXT(read)(fd, buf, n));
}

HP_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	return IO_TIMED(fd, 1, n, HP_NEXT(write)(fd, buf, n));
}

HP_EXPORT ssize_t readv(int fd, const struct iovec *iov, int n)
{
	return IO_TIMED(fd, 0, iov_bytes(iov, n), HP_NEXT(readv)(fd, iov, n));
}

HP_EXPORT ssize_t writev(int fd, const struct iovec *iov, int n)
{
	return IO_TIMED(fd, 1, iov_bytes(iov, n), HP_NEXT(writev)(fd, iov, n));
}

HP_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return IO_TIMED(fd, 0, n, HP_NEXT(recv)(fd, buf, n, flags));
}

HP_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	return IO_TIMED(fd, 1, n, HP_NEXT(send)(fd, buf, n, flags));
}

HP_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *a,
			   socklen_t *al)
{
	return IO_TIMED(fd, 0, n, HP_NEXT(recvfrom)(fd, buf, n, flags, a, al));
}

HP_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *a,
			 socklen_t al)
{
	return IO_TIMED(fd, 1, n, HP_NEXT(sendto)(fd, buf, n, flags, a, al));
}

HP_EXPORT ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	return IO_TIMED(fd, 0, m ? iov_bytes(m->msg_iov, (int)m->msg_iovlen) : 0,
			HP_NEXT(recvmsg)(fd, m, flags));
}

HP_EXPORT ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	return IO_TIMED(fd, 1, m ? iov_bytes(m->msg_iov, (int)m->msg_iovlen) : 0,
			HP_NEXT(sendmsg)(fd, m, flags));
}

/* eventfd_read/eventfd_write reach the kernel through glibc's internal read/write: wrap them
 * too, as 8-byte transfers. */
HP_EXPORT int eventfd_read(int fd, eventfd_t *v)
{
	__auto_type real = HP_NEXT(eventfd_read);
	if (!hp_flow_on(HP_MODE_CHANNELS))
		return real(fd, v);
	uint64_t t0 = io_begin(fd, 0);
	int rc = real(fd, v);
	io_account(fd, 0, rc, rc == 0 ? sizeof(*v) : 0, sizeof(*v), t0);
	return rc;
}

HP_EXPORT int eventfd_write(int fd, eventfd_t v)
{
	__auto_type real = HP_NEXT(eventfd_write);
	if (!hp_flow_on(HP_MODE_CHANNELS))
		return real(fd, v);
	uint64_t t0 = io_begin(fd, 1);
	int rc = real(fd, v);
	io_account(fd, 1, rc, rc == 0 ? sizeof(v) : 0, sizeof(v), t0);
	return rc;
}

/* ---- creation ---- */

#define SITE() ((uint64_t)__builtin_return_address(0))

static void pipe_made(int fds[2], uint64_t site)
{
	struct hp_own own = hp_own_begin();
	char label[HP_LABEL_MAX];
	pipe_label(fds[0], label, sizeof(label));
	int row = chan_new(HP_CHAN_PIPE, fds[0], fds[1], site, label, pipe_capacity(fds[0]));
	if (row >= 0) {
		clocal[row].local = 1;
		fd_attach(fds[0], row, 0);
		fd_attach(fds[1], row, 1);
	} else {
		fd_forget(fds[0]);
		fd_forget(fds[1]);
	}
	hp_own_end(own);
}

HP_EXPORT int pipe(int fds[2])
{
	int rc = HP_NEXT(pipe)(fds);
	if (rc == 0 && hp_flow_on(HP_MODE_CHANNELS))
		pipe_made(fds, SITE());
	return rc;
}

HP_EXPORT int pipe2(int fds[2], int flags)
{
	int rc = HP_NEXT(pipe2)(fds, flags);
	if (rc == 0 && hp_flow_on(HP_MODE_CHANNELS))
		pipe_made(fds, SITE());
	return rc;
}

HP_EXPORT int socketpair(int domain, int type, int proto, int sv[2])
{
	int rc = HP_NEXT(socketpair)(domain, type, proto, sv);
	if (rc == 0 && hp_flow_on(HP_MODE_CHANNELS)) {
		struct hp_own own = hp_own_begin();
		int buf = 0;
		socklen_t bl = sizeof(buf);
		if (getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &buf, &bl) < 0)
			buf = 0;
		int row = chan_new(HP_CHAN_SOCKETPAIR, sv[0], sv[1], SITE(), NULL,
				   buf > 0 ? (uint64_t)buf : 0);
		if (row >= 0) {
			clocal[row].local = 1;
			fd_attach(sv[0], row, 0);
			fd_attach(sv[1], row, 1);
		} else {
			fd_forget(sv[0]);
			fd_forget(sv[1]);
		}
		hp_own_end(own);
	}
	return rc;
}

HP_EXPORT int eventfd(unsigned int initval, int flags)
{
	int fd = HP_NEXT(eventfd)(initval, flags);
	if (fd >= 0 && hp_flow_on(HP_MODE_CHANNELS)) {
		struct hp_own own = hp_own_begin();
		int row = chan_new(HP_CHAN_EVENTFD, fd, -1, SITE(),
				   flags & EFD_SEMAPHORE ? "semaphore" : NULL, 0);
		if (row >= 0)
			fd_attach(fd, row, 0);
		else
			fd_forget(fd);
		hp_own_end(own);
	}
	return fd;
}

HP_EXPORT mqd_t mq_open(const char *name, int oflag, ...)
{
	mode_t mode = 0;
	struct mq_attr *attr = NULL;
	if (oflag & O_CREAT) {
		va_list ap;
		va_start(ap, oflag);
		mode = (mode_t)va_arg(ap, unsigned int);
		attr = va_arg(ap, struct mq_attr *);
		va_end(ap);
	}
	mqd_t q = HP_NEXT(mq_open)(name, oflag, mode, attr);
	if (q != (mqd_t)-1 && hp_flow_on(HP_MODE_CHANNELS)) {
		struct hp_own own = hp_own_begin();
		int end = (oflag & O_ACCMODE) == O_WRONLY;
		int locked = join_lock();
		int row = chan_find(HP_CHAN_MQUEUE, name);
		if (row < 0) {
			struct mq_attr a;
			uint64_t cap = mq_getattr(q, &a) == 0 && a.mq_maxmsg > 0
					       ? (uint64_t)a.mq_maxmsg
					       : 0;
			row = chan_new(HP_CHAN_MQUEUE, end ? -1 : q, end ? q : -1, SITE(), name,
				       cap);
			if (row >= 0)
				clocal[row].local = 1;
		} else if (chan_row((uint32_t)row)->fd[end] < 0) {
			chan_row((uint32_t)row)->fd[end] = q;
		}
		if (row >= 0)
			fd_attach(q, row, end);
		else
			fd_forget(q);
		join_unlock(locked);
		hp_own_end(own);
	}
	return q;
}

HP_EXPORT int mq_send(mqd_t q, const char *m, size_t n, unsigned int prio)
{
	__auto_type real = HP_NEXT(mq_send);
	if (!hp_flow_on(HP_MODE_CHANNELS))
		return real(q, m, n, prio);
	uint64_t t0 = io_begin(q, 1);
	int rc = real(q, m, n, prio);
	io_account(q, 1, rc, rc == 0 ? n : 0, n, t0);
	return rc;
}

HP_EXPORT int mq_timedsend(mqd_t q, const char *m, size_t n, unsigned int prio,
			   const struct timespec *abstime)
{
	__auto_type real = HP_NEXT(mq_timedsend);
	if (!hp_flow_on(HP_MODE_CHANNELS))
		return real(q, m, n, prio, abstime);
	uint64_t t0 = io_begin(q, 1);
	int rc = real(q, m, n, prio, abstime);
	io_account(q, 1, rc, rc == 0 ? n : 0, n, t0);
	return rc;
}

HP_EXPORT ssize_t mq_receive(mqd_t q, char *m, size_t n, unsigned int *prio)
{
	__auto_type real = HP_NEXT(mq_receive);
	if (!hp_flow_on(HP_MODE_CHANNELS))
		return real(q, m, n, prio);
	uint64_t t0 = io_begin(q, 0);
	ssize_t rc = real(q, m, n, prio);
	/* A zero-length message is still a message. */
	io_account(q, 0, rc, rc >= 0 ? (uint64_t)rc : 0, n, t0);
	return rc;
}

HP_EXPORT ssize_t mq_timedreceive(mqd_t q, char *m, size_t n, unsigned int *prio,
				  const struct timespec *abstime)
{
	__auto_type real = HP_NEXT(mq_timedreceive);
	if (!hp_flow_on(HP_MODE_CHANNELS))
		return real(q, m, n, prio, abstime);
	uint64_t t0 = io_begin(q, 0);
	ssize_t rc = real(q, m, n, prio, abstime);
	io_account(q, 0, rc, rc >= 0 ? (uint64_t)rc : 0, n, t0);
	return rc;
}

HP_EXPORT int mkfifo(const char *path, mode_t mode)
{
	int rc = HP_NEXT(mkfifo)(path, mode);
	if (rc == 0 && hp_flow_on(HP_MODE_CHANNELS)) {
		struct hp_own own = hp_own_begin();
		struct stat st;
		if (stat(path, &st) == 0) {
			uint32_t i = __atomic_fetch_add(&fifo_next, 1, __ATOMIC_RELAXED) %
				     FIFO_SITES;
			fifo_sites[i].site = SITE();
			fifo_sites[i].dev = (uint64_t)st.st_dev;
			__atomic_store_n(&fifo_sites[i].ino, (uint64_t)st.st_ino, __ATOMIC_RELEASE);
		}
		hp_own_end(own);
	}
	return rc;
}

/* ---- closing and duplicating ---- */

/* Not a vfork child sharing our memory (and our fd map) before its exec. */
static inline int own_fds(void)
{
	return hp_g.hdr->pid == (int)getpid();
}

static inline void forget_in_bracket(int fd)
{
	struct hp_own own = hp_own_begin();
	fd_forget(fd);
	hp_own_end(own);
}

HP_EXPORT int close(int fd)
{
	/* Forget first: once closed, another thread may get this number from open or pipe. */
	if (hp_flow_on(HP_MODE_CHANNELS) && own_fds())
		forget_in_bracket(fd);
	return HP_NEXT(close)(fd);
}

static void forget_range(unsigned int first, unsigned int last)
{
	struct hp_own own = hp_own_begin();
	for (unsigned int fd = first; fd <= last && fd < FD_MAX; fd++)
		if (__atomic_load_n(&fdmap[fd], __ATOMIC_RELAXED))
			fd_forget((int)fd);
	hp_own_end(own);
}

HP_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	int rc = HP_NEXT(close_range)(first, last, flags);
	/* CLOSE_RANGE_CLOEXEC only marks them: they stay open until an exec. */
	if (rc == 0 && !(flags & CLOSE_RANGE_CLOEXEC) && hp_flow_on(HP_MODE_CHANNELS) && own_fds())
		forget_range(first, last);
	return rc;
}

HP_EXPORT void closefrom(int lowfd)
{
	if (lowfd >= 0 && hp_flow_on(HP_MODE_CHANNELS) && own_fds())
		forget_range((unsigned int)lowfd, ~0u);
	HP_NEXT(closefrom)(lowfd);
}

HP_EXPORT int mq_close(mqd_t q)
{
	if (hp_flow_on(HP_MODE_CHANNELS) && own_fds())
		forget_in_bracket(q);
	return HP_NEXT(mq_close)(q);
}

HP_EXPORT int fclose(FILE *f)
{
	/* glibc closes the stream's fd internally, out of close()'s sight, after flushing what is
	 * buffered (counted on the fd by stdio.c): forget the fd once fclose has returned. Another
	 * thread that gets the same number in between loses its classification, which is then made
	 * again on its next read or write. */
	if (!f || !hp_flow_on(HP_MODE_CHANNELS) || !own_fds())
		return HP_NEXT(fclose)(f);
	int fd = fileno(f);
	int rc = HP_NEXT(fclose)(f);
	forget_in_bracket(fd);
	return rc;
}

/* newfd now refers to what oldfd refers to. */
static void fd_copy(int oldfd, int newfd)
{
	struct hp_own own = hp_own_begin();
	fd_forget(newfd);
	if (oldfd >= 0 && oldfd < FD_MAX && newfd >= 0 && newfd < FD_MAX) {
		uint32_t e = __atomic_load_n(&fdmap[oldfd], __ATOMIC_RELAXED);
		if (e & FD_CHAN)
			fd_attach(newfd, (int)FD_ROW(e), (e & FD_END1) != 0);
		else
			__atomic_store_n(&fdmap[newfd], e, __ATOMIC_RELAXED);
	}
	hp_own_end(own);
}

HP_EXPORT int dup(int fd)
{
	int r = HP_NEXT(dup)(fd);
	if (r >= 0 && hp_flow_on(HP_MODE_CHANNELS) && own_fds())
		fd_copy(fd, r);
	return r;
}

HP_EXPORT int dup2(int oldfd, int newfd)
{
	int r = HP_NEXT(dup2)(oldfd, newfd);
	if (r >= 0 && oldfd != newfd && hp_flow_on(HP_MODE_CHANNELS) && own_fds())
		fd_copy(oldfd, r);
	return r;
}

HP_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	int r = HP_NEXT(dup3)(oldfd, newfd, flags);
	if (r >= 0 && hp_flow_on(HP_MODE_CHANNELS) && own_fds())
		fd_copy(oldfd, r);
	return r;
}

/* ---- start-up and fork ---- */

int hp_chan_start(void)
{
	if (fdmap)
		return 1;
	size_t fsz = sizeof(uint32_t) * FD_MAX;
	chan_cap = hp_g.hdr->tables[HP_T_CHANNELS].capacity;
	if (chan_cap > 0x10000)
		chan_cap = 0x10000;
	size_t lsz = sizeof(struct chan_local) * chan_cap;
	void *m = mmap(NULL, fsz + lsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	clocal = (struct chan_local *)((char *)m + fsz);
	__atomic_store_n(&fdmap, (uint32_t *)m, __ATOMIC_RELEASE);
	return 1;
}

/* Forked child: its fds are the parent's, its region is new. Forget everything: each fd is
 * classified again on first use, and an inherited pipe becomes a channel of the child's. */
void hp_chan_after_fork(void)
{
	if (!fdmap)
		return;
	/* Fresh zero pages in place: cheaper than clearing what the parent touched. */
	size_t sz = sizeof(uint32_t) * FD_MAX + sizeof(struct chan_local) * chan_cap;
	if (mmap(fdmap, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		 0) == MAP_FAILED)
		hp_flow_modes &= ~(uint32_t)HP_MODE_CHANNELS;
}
