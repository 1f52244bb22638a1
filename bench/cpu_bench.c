/* cpu_bench.c - a CPU-bound -O2 program for the sampling benchmark (bench/bench_cpu.py):
 * heavy() does 3 times the work of light() (the same loop, 3n against n iterations, n varying
 * so that no period lines up with the kernel tick), for a fixed number of rounds. Prints the
 * process's CPU time in ms (user + sys, signal handlers included) as its last word. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

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

int main(int argc, char **argv)
{
	unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
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
