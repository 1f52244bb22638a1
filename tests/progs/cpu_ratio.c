/* cpu_ratio.c - known CPU shares for the sampler: heavy() does 3 times the work of light()
 * (the same loop, 3n against n iterations, with n varying so that no period lines up with the
 * kernel tick), both called from main; a second thread runs third(). Each thread works until
 * it has used the CPU time given in ms (argv[1], default 1500; the thread argv[2], default half
 * of it), so the number of samples does not depend on how loaded the machine is.
 *   cpu_ratio --rounds N   the CPU sampling benchmark's program (bench/bench_cpu.py): N rounds
 *                          of heavy and light on the main thread alone, then the process's CPU
 *                          time in ms (user + sys, signal handlers included) as the last word */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile unsigned long sink, third_sink; /* one per thread: no race (make tsan) */

static double cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

__attribute__((noinline)) static unsigned long spin(unsigned long n, unsigned long seed)
{
	unsigned long x = seed;
	for (unsigned long i = 0; i < n; i++) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		x ^= x >> 17;
	}
	return x;
}

__attribute__((noinline)) void heavy(unsigned long n, unsigned long seed)
{
	sink += spin(3 * n, seed);
}

__attribute__((noinline)) void light(unsigned long n, unsigned long seed)
{
	sink += spin(n, seed);
}

__attribute__((noinline)) void *third(void *arg)
{
	double until = *(double *)arg;
	for (unsigned long i = 0; cpu_ms() < until; i++)
		third_sink += spin(200000 + (i * 7919) % 300000, i);
	return NULL;
}

static int fixed_rounds(unsigned long rounds)
{
	for (unsigned long i = 0; i < rounds; i++) {
		unsigned long n = 30000 + (i * 7919) % 140000;
		heavy(n, i);
		light(n, i);
	}
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	printf("cpu_ms %.3f\n", t.tv_sec * 1e3 + t.tv_nsec / 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--rounds"))
		return fixed_rounds(strtoul(argv[2], NULL, 10));
	double ms = argc > 1 ? atof(argv[1]) : 1500, half = argc > 2 ? atof(argv[2]) : ms / 2;
	pthread_t t;
	pthread_create(&t, NULL, third, &half);
	unsigned long rounds = 0;
	for (unsigned long i = 0; cpu_ms() < ms; i++, rounds++) {
		unsigned long n = 30000 + (i * 7919) % 140000;
		heavy(n, i);
		light(n, i);
	}
	pthread_join(t, NULL);
	printf("rounds %lu\n", rounds);
	return 0;
}
