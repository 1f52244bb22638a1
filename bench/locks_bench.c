/* locks_bench.c - the cost of the lock and channel hooks on their fast paths.
 *   locks_bench lock N    uncontended pthread_mutex_lock + unlock, N times; ns per pair
 *   locks_bench lockmt N  the same with a second thread alive (blocked): glibc's lock is then
 *                         an atomic compare-and-swap, not the single-threaded plain store
 *   locks_bench ticks N   two TSC reads per iteration (what the hooks' timestamps cost)
 *   locks_bench pipe N    write 1 byte into a pipe and read it back, N times; ns per pair
 *   locks_bench lockmin N the lock loop in batches of 1000 pairs: ns per pair of the fastest
 *                         batch (what a loaded machine's preemptions and cache thrash leave) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The second thread of lockmt: blocked until the process exits. */
static void *idle(void *arg)
{
	for (;;)
		pause();
	return arg;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	long n = atol(argv[2]);
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	volatile long sink = 0;
	if (!strcmp(argv[1], "lockmt")) {
		pthread_t t;
		if (pthread_create(&t, NULL, idle, NULL))
			return 1;
		argv[1] = "lock";
	}
	double t0 = now_ns();
	if (!strcmp(argv[1], "lock")) {
		for (long i = 0; i < n; i++) {
			pthread_mutex_lock(&m);
			sink++;
			pthread_mutex_unlock(&m);
		}
	} else if (!strcmp(argv[1], "lockmin")) {
		double best = 1e30;
		for (long b = 0; b < n / 1000; b++) {
			double b0 = now_ns();
			for (int i = 0; i < 1000; i++) {
				pthread_mutex_lock(&m);
				sink++;
				pthread_mutex_unlock(&m);
			}
			double dt = now_ns() - b0;
			best = dt < best ? dt : best;
		}
		printf("%.3f\n", best / 1000);
		return 0;
	} else if (!strcmp(argv[1], "ticks")) {
		for (long i = 0; i < n; i++) {
			sink += (long)__rdtsc();
			sink -= (long)__rdtsc();
		}
	} else if (!strcmp(argv[1], "pipe")) {
		int p[2];
		char c = 'x';
		if (pipe(p) < 0)
			return 1;
		for (long i = 0; i < n; i++)
			if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1)
				return 1;
	} else {
		return 2;
	}
	printf("%.3f\n", (now_ns() - t0) / (double)n);
	return 0;
}
