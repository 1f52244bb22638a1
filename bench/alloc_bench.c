/* alloc_bench.c - the malloc family's cost under hotpath (bench/bench_alloc.py).
 *
 *   alloc_bench pairs T N    T threads, each N x (malloc of 16..64 bytes, free): ns per pair
 *   alloc_bench usable T N   the same with a malloc_usable_size call between: what knowing the
 *                            size from the allocator (instead of our header) would add
 *   alloc_bench grow N       N x malloc(32) kept, then all freed: ns per pair while the live
 *                            bytes keep reaching new peaks
 *   alloc_bench rss N        N live blocks of 16..256 bytes at once: peak RSS in KiB
 *   alloc_bench deep D N     N pairs made D frames below main (allocation stacks' depth):
 *                            prints "ns_per_pair X" (heaptrack's own output shares stdout)
 * Prints one number last on stdout. Times are the threads' CPU time (CLOCK_THREAD_CPUTIME_ID). */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static long n_iter;
static int with_usable;

/* The calling thread's CPU time: on a loaded 2-core machine wall time measures the other
 * processes more than us. */
static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void escape(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static void *pairs(void *arg)
{
	double *out = arg;
	size_t acc = 0;
	double t0 = now_ns();
	for (long i = 0; i < n_iter; i++) {
		void *p = malloc(16 + (size_t)(i & 3) * 16);
		escape(p);
		if (with_usable)
			acc += malloc_usable_size(p);
		free(p);
	}
	*out = (now_ns() - t0) / (double)n_iter;
	escape(&acc);
	return NULL;
}

/* D frames of recursion, then the pairs loop (a call each, never a jump: the asm after). */
__attribute__((noinline)) static void descend(int d, double *out)
{
	if (d > 0)
		descend(d - 1, out);
	else
		pairs(out);
	__asm__ __volatile__("" ::: "memory");
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr,
			"usage: alloc_bench pairs|usable T N | grow N | rss N | deep D N\n");
		return 2;
	}
	if (!strcmp(argv[1], "pairs") || !strcmp(argv[1], "usable")) {
		int t = atoi(argv[2]);
		n_iter = atol(argv[3]);
		with_usable = !strcmp(argv[1], "usable");
		pthread_t th[64];
		double ns[64], sum = 0;
		if (t < 1 || t > 64)
			return 2;
		for (int i = 0; i < t; i++)
			pthread_create(&th[i], NULL, pairs, &ns[i]);
		for (int i = 0; i < t; i++) {
			pthread_join(th[i], NULL);
			sum += ns[i];
		}
		printf("%.2f\n", sum / t);
		return 0;
	}
	if (!strcmp(argv[1], "deep") && argc > 3) {
		double ns;
		n_iter = atol(argv[3]);
		descend(atoi(argv[2]), &ns);
		printf("ns_per_pair %.2f\n", ns);
		return 0;
	}
	long n = atol(argv[2]);
	void **v = calloc((size_t)n, sizeof(*v));
	if (!strcmp(argv[1], "grow")) {
		double t0 = now_ns();
		for (long i = 0; i < n; i++)
			v[i] = malloc(32);
		for (long i = 0; i < n; i++)
			free(v[i]);
		printf("%.2f\n", (now_ns() - t0) / (double)n);
	} else {
		for (long i = 0; i < n; i++) {
			v[i] = malloc(16 + (size_t)(i * 7919 % 241));
			memset(v[i], 1, 16);
		}
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		for (long i = 0; i < n; i++)
			free(v[i]);
		printf("%ld\n", ru.ru_maxrss);
	}
	free(v);
	return 0;
}
