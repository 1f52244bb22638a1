/* calls_bench.c - a tight loop of small functions for measuring the cost of the timing hooks.
 * Only leaf() is instrumented (everything else is no_instrument_function).
 *   calls_bench calls THREADS N   each thread calls leaf() N times; prints ns per call
 *   calls_bench ticks THREADS N   each thread reads the TSC twice per iteration, no calls
 *   calls_bench callsmin THREADS N  the calls in batches of 1000: ns per call of the fastest
 *                                   batch (what a loaded machine's preemptions leave) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#define NOI __attribute__((no_instrument_function))

static long n_iter;
static int ticks_mode, min_mode;
static volatile long sink;

__attribute__((noinline)) long leaf(long x)
{
	return x * 3 + 1;
}

NOI static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

NOI static void *run(void *arg)
{
	double *out = arg;
	long s = 0;
	double t0 = now_ns();
	if (min_mode) {
		double best = 1e30;
		for (long b = 0; b < n_iter / 1000; b++) {
			double b0 = now_ns();
			for (long i = 0; i < 1000; i++)
				s += leaf(i);
			double dt = now_ns() - b0;
			best = dt < best ? dt : best;
		}
		*out = best / 1000;
		sink += s;
		return NULL;
	}
	if (ticks_mode) {
		for (long i = 0; i < n_iter; i++) {
			s += (long)__rdtsc();
			s -= (long)__rdtsc();
		}
	} else {
		for (long i = 0; i < n_iter; i++)
			s += leaf(i);
	}
	*out = (now_ns() - t0) / (double)n_iter;
	sink += s;
	return NULL;
}

NOI int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: calls_bench calls|callsmin|ticks THREADS N\n");
		return 2;
	}
	ticks_mode = !strcmp(argv[1], "ticks");
	min_mode = !strcmp(argv[1], "callsmin");
	int threads = atoi(argv[2]);
	n_iter = atol(argv[3]);
	pthread_t t[64];
	double ns[64];
	if (threads < 1 || threads > 64)
		return 2;
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, run, &ns[i]);
	double sum = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		sum += ns[i];
	}
	printf("%.3f\n", sum / threads);
	return 0;
}
