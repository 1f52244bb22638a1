/* flow_nonblock.c - results and errno of edge cases that the I/O hooks must pass through
 * unchanged: EAGAIN on an empty and on a full non-blocking pipe, a short write into a nearly
 * full one, EINTR from a signal during a blocking read, EBADF, EPIPE. Prints one line per
 * case; the test compares the output with and without hotpath. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static void on_alarm(int sig)
{
	(void)sig;
}

static void show(const char *what, long r)
{
	printf("%s: %ld %s\n", what, r, r < 0 ? strerrorname_np(errno) : "ok");
	errno = 0;
}

int main(void)
{
	static char big[1 << 20];
	int p[2];
	char c;
	if (pipe2(p, O_NONBLOCK) < 0)
		return 1;
	int cap = fcntl(p[0], F_GETPIPE_SZ);
	show("read empty", read(p[0], &c, 1));
	/* Fill all but one page, then ask for two: a short write of one page. */
	show("fill", write(p[1], big, (size_t)cap - 4096));
	show("short write", write(p[1], big, 8192));
	show("write full", write(p[1], big, 10));
	show("read some", read(p[0], big, 4096));
	show("read rest", read(p[0], big, sizeof(big)));
	show("read empty again", read(p[0], &c, 1));

	/* EINTR: a blocking read interrupted by a handler without SA_RESTART. */
	int q[2];
	if (pipe(q) < 0)
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	show("interrupted read", read(q[0], &c, 1));

	show("bad fd", write(-1, &c, 1));
	show("bad fd 2", read(1000, &c, 1));
	signal(SIGPIPE, SIG_IGN);
	close(q[0]);
	show("broken pipe", write(q[1], "x", 1));
	close(q[1]);
	show("closed fd", write(q[1], "x", 1));
	return 0;
}
