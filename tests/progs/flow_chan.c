/* flow_chan.c - a producer thread sends N messages of M bytes to a consumer thread through one
 * channel: pipe, pipev (writev/readv), fifo (mkfifo), socketpair, mqueue or eventfd. Prints the calls each
 * side made, so the test can match the report exactly.
 *   flow_chan KIND N M        (eventfd: M must be 8)
 *   flow_chan reuse           two pipes on the same fd numbers, one after the other */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *kind;
static int n, m;
static int rfd = -1, wfd = -1;
static mqd_t mq = (mqd_t)-1;
static long reads, writes;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void *producer(void *arg)
{
	char *buf = malloc((size_t)m);
	memset(buf, 'x', (size_t)m);
	for (int i = 0; i < n; i++) {
		ssize_t w;
		if (!strcmp(kind, "pipe") || !strcmp(kind, "fifo"))
			w = write(wfd, buf, (size_t)m);
		else if (!strcmp(kind, "pipev")) {
			struct iovec iov[2] = {{buf, (size_t)m / 2},
					       {buf + m / 2, (size_t)m - (size_t)m / 2}};
			w = writev(wfd, iov, 2);
		} else if (!strcmp(kind, "socketpair"))
			w = send(wfd, buf, (size_t)m, 0);
		else if (!strcmp(kind, "mqueue"))
			w = mq_send(mq, buf, (size_t)m, 0) == 0 ? m : -1;
		else {
			uint64_t one = 1;
			w = write(wfd, &one, sizeof(one));
		}
		if (w != m)
			die("send");
		writes++;
	}
	free(buf);
	return arg;
}

static void *consumer(void *arg)
{
	char *buf = malloc((size_t)m + 64);
	long got = 0;
	while (got < (long)n * m) {
		ssize_t r;
		if (!strcmp(kind, "pipe") || !strcmp(kind, "fifo"))
			r = read(rfd, buf, (size_t)m);
		else if (!strcmp(kind, "pipev")) {
			struct iovec iov[2] = {{buf, (size_t)m / 2},
					       {buf + m / 2, (size_t)m - (size_t)m / 2}};
			r = readv(rfd, iov, 2);
		} else if (!strcmp(kind, "socketpair"))
			r = recv(rfd, buf, (size_t)m, 0);
		else if (!strcmp(kind, "mqueue"))
			r = mq_receive(mq, buf, (size_t)m + 64, NULL);
		else
			r = read(rfd, buf, 8);
		if (r <= 0)
			die("receive");
		got += r;
		reads++;
	}
	free(buf);
	return arg;
}

static void reuse(void)
{
	int p[2], q[2];
	char c = 'a';
	if (pipe(p) < 0 || write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1)
		die("pipe 1");
	close(p[0]);
	close(p[1]);
	if (pipe(q) < 0)
		die("pipe 2");
	for (int i = 0; i < 2; i++)
		if (write(q[1], "bb", 2) != 2 || read(q[0], &c, 1) != 1 || read(q[0], &c, 1) != 1)
			die("pipe 2 io");
	printf("fds %d %d then %d %d\n", p[0], p[1], q[0], q[1]);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "reuse")) {
		reuse();
		return 0;
	}
	if (argc != 4)
		return 2;
	kind = argv[1];
	n = atoi(argv[2]);
	m = atoi(argv[3]);
	if (!strcmp(kind, "pipe") || !strcmp(kind, "pipev")) {
		int p[2];
		if (pipe(p) < 0)
			die("pipe");
		rfd = p[0], wfd = p[1];
	} else if (!strcmp(kind, "fifo")) {
		char path[64];
		snprintf(path, sizeof(path), "/tmp/hotpath-flow-fifo-%d", (int)getpid());
		if (mkfifo(path, 0600) < 0)
			die("mkfifo");
		rfd = open(path, O_RDONLY | O_NONBLOCK); /* does not wait for a writer */
		wfd = open(path, O_WRONLY);
		if (rfd < 0 || wfd < 0 || fcntl(rfd, F_SETFL, 0) < 0)
			die("open fifo");
		unlink(path);
	} else if (!strcmp(kind, "socketpair")) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			die("socketpair");
		rfd = sv[0], wfd = sv[1];
	} else if (!strcmp(kind, "mqueue")) {
		char name[64];
		snprintf(name, sizeof(name), "/hotpath-flow-%d", (int)getpid());
		struct mq_attr a = {.mq_maxmsg = 8, .mq_msgsize = m};
		mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
		if (mq == (mqd_t)-1)
			die("mq_open");
		mq_unlink(name);
	} else if (!strcmp(kind, "eventfd")) {
		rfd = wfd = eventfd(0, EFD_SEMAPHORE);
		if (rfd < 0)
			die("eventfd");
	} else {
		return 2;
	}
	pthread_t a, b;
	pthread_create(&a, NULL, producer, NULL);
	pthread_create(&b, NULL, consumer, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("reads %ld writes %ld\n", reads, writes);
	return 0;
}
