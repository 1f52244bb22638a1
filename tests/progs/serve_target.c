/* serve_target.c - a program for tests/test_serve.py. Expected:
 *   "pause": work 1234 calls, helper 617 calls (from work, every other call), 10 messages of
 *            16 bytes through a pipe, 50 mutex acquisitions, 100 malloc/free pairs of 64 bytes;
 *            then "ready" on stdout and it waits for stdin to close, then exits 0.
 *   "busy":  40 rounds of 500 work calls, prints their checksum, then goes on with rounds of
 *            500 calls and a 10 ms wait for stdin until stdin closes; prints "done", exits 3. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile long sink;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) void helper(int i)
{
	sink += i;
}

__attribute__((noinline)) long work(int i)
{
	if (i % 2 == 0)
		helper(i);
	return sink + i;
}

static void flow(void)
{
	int p[2];
	char buf[16];
	if (pipe(p) < 0)
		exit(1);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 10; i++) {
		if (write(p[1], buf, sizeof(buf)) != sizeof(buf) ||
		    read(p[0], buf, sizeof(buf)) != sizeof(buf))
			exit(1);
	}
	close(p[0]);
	close(p[1]);
	for (int i = 0; i < 50; i++) {
		pthread_mutex_lock(&mu);
		sink++;
		pthread_mutex_unlock(&mu);
	}
	for (int i = 0; i < 100; i++) {
		char *volatile b = malloc(64);
		b[0] = 1;
		free(b);
	}
}

int main(int argc, char **argv)
{
	long sum = 0;
	if (argc > 1 && !strcmp(argv[1], "busy")) {
		for (int r = 0; r < 40; r++)
			for (int i = 0; i < 500; i++)
				sum += work(i);
		printf("checksum %ld\n", sum);
		fflush(stdout);
		for (;;) {
			for (int i = 0; i < 500; i++)
				work(i);
			struct pollfd pfd = {0, POLLIN, 0};
			char c;
			if (poll(&pfd, 1, 10) > 0 && read(0, &c, 1) <= 0)
				break;
		}
		printf("done\n");
		return 3;
	}
	for (int i = 0; i < 1234; i++)
		sum += work(i);
	flow();
	printf("ready %ld\n", sum > 0);
	fflush(stdout);
	char c;
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
