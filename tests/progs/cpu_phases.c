/* cpu_phases.c - two phases of CPU work for the console's CPU tab: phase_a() computes until the
 * process has used argv[1] ms of CPU (default 2000), then phase_b() computes for argv[2] more
 * seconds of wall time (default 60). Between them it prints "phase b" on stdout. So once phase
 * b has run a few seconds, the last seconds' samples are all phase_b's while the samples since
 * the start still hold phase_a's. Built -O2 without instrumentation: only sampling sees it. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

static double clock_ms(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

__attribute__((noinline)) static unsigned long spin(unsigned long n, unsigned long x)
{
	for (unsigned long i = 0; i < n; i++) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		x ^= x >> 17;
	}
	return x;
}

__attribute__((noinline)) void phase_a(double cpu_ms)
{
	for (unsigned long i = 0; clock_ms(CLOCK_PROCESS_CPUTIME_ID) < cpu_ms; i++)
		sink += spin(100000, i);
}

__attribute__((noinline)) void phase_b(double secs)
{
	double end = clock_ms(CLOCK_MONOTONIC) + secs * 1e3;
	for (unsigned long i = 0; clock_ms(CLOCK_MONOTONIC) < end; i++)
		sink += spin(100000, i);
}

int main(int argc, char **argv)
{
	phase_a(argc > 1 ? atof(argv[1]) : 2000);
	printf("phase b\n");
	fflush(stdout);
	phase_b(argc > 2 ? atof(argv[2]) : 60);
	return 0;
}
