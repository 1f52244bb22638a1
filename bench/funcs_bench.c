/* funcs_bench.c - the cost of a timed call as the number of distinct functions and threads grows
 * (issue 13). Calls the -finstrument-functions hooks directly for made-up function addresses, so
 * any number of functions costs no compile time; without hotpath they are glibc's empty hooks.
 *   funcs_bench FUNCS THREADS CALLS   each thread makes CALLS calls over FUNCS functions (one
 *                                     after another, round and round); prints ns per call */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void __cyg_profile_func_enter(void *fn, void *site);
void __cyg_profile_func_exit(void *fn, void *site);

static long nfuncs, ncalls;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *run(void *arg)
{
	double *out = arg, t0 = now_ns();
	for (long c = 0, i = 0; c < ncalls; c++) {
		void *fn = (void *)(uintptr_t)(0x10000000u + 16u * (uint64_t)i);
		__cyg_profile_func_enter(fn, NULL);
		__cyg_profile_func_exit(fn, NULL);
		i = i + 1 < nfuncs ? i + 1 : 0;
	}
	*out = (now_ns() - t0) / (double)ncalls;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	nfuncs = atol(argv[1]);
	int threads = atoi(argv[2]);
	ncalls = atol(argv[3]);
	if (nfuncs < 1 || threads < 1 || threads > 256 || ncalls < 1)
		return 2;
	pthread_t t[256];
	double ns[256], sum = 0;
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, run, &ns[i]);
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		sum += ns[i];
	}
	printf("%.2f\n", sum / threads);
	return 0;
}
