/* console_loop.c - a long-running target for the console tests: for SECONDS (argv[1], default
 * 60) main calls step() about every millisecond; step() calls leaf_work() 100 times under a
 * mutex, alloc_some() once (a 64-byte malloc/free) and writes one byte into a pipe. A second
 * thread calls worker_tick(), which reads the pipe and takes the mutex. The call counts grow
 * steadily, so two captures a refresh apart differ; the Channels tab has the pipe and the Locks
 * tab the mutex. It prints one line first ("console_loop: running for N s"). Further
 * arguments are ignored (tests tag the command line with them). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile long sink;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int fds[2];

__attribute__((noinline)) long leaf_work(long a)
{
	sink += a;
	return sink;
}

__attribute__((noinline)) void alloc_some(void)
{
	char *p = malloc(64);
	if (p)
		p[0] = 1;
	sink += p != NULL;
	free(p);
}

__attribute__((noinline)) void step(void)
{
	pthread_mutex_lock(&mu);
	for (int i = 0; i < 100; i++)
		leaf_work(i);
	pthread_mutex_unlock(&mu);
	alloc_some();
	if (write(fds[1], "x", 1) != 1)
		sink++;
	struct timespec ts = {0, 1000000};
	nanosleep(&ts, NULL);
}

/* Returns 0 at the end of the pipe. */
__attribute__((noinline)) int worker_tick(void)
{
	char buf[64];
	ssize_t n = read(fds[0], buf, sizeof(buf));
	pthread_mutex_lock(&mu);
	sink += n;
	pthread_mutex_unlock(&mu);
	return n > 0;
}

static void *worker(void *arg)
{
	while (worker_tick())
		;
	return arg;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 60;
	if (pipe(fds) < 0)
		return 1;
	printf("console_loop: running for %g s\n", secs);
	fflush(stdout);
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	double end = now_s() + secs;
	while (now_s() < end)
		step();
	close(fds[1]);
	pthread_join(t, NULL);
	return 0;
}
