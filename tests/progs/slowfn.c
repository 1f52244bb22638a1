/* slowfn.c - one function whose work depends on argv, for `hotpath compare` tests.
 *   slowfn [FACTOR [UNITS]]
 * fast_a and fast_b: 100 calls each of one work unit (UNITS spin iterations, default about
 * 1 ms); slow_fn: 10 calls of FACTOR units each (default 1). So FACTOR 2 makes slow_fn 2x
 * slower per call and in total, main about 5% slower, and fast_a/fast_b unchanged. */
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long sink;

/* The work, inlined into each caller and not instrumented itself (GCC instruments inlined
 * functions too). */
static inline __attribute__((always_inline, no_instrument_function)) void spin(long n)
{
	unsigned long x = sink;
	for (long i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
}

static long units = 1000000;

__attribute__((noinline)) void fast_a(void)
{
	spin(units);
}

__attribute__((noinline)) void fast_b(void)
{
	spin(units);
}

__attribute__((noinline)) void slow_fn(long factor)
{
	spin(units * factor);
}

int main(int argc, char **argv)
{
	long factor = argc > 1 ? atol(argv[1]) : 1;
	if (argc > 2)
		units = atol(argv[2]);
	for (int i = 0; i < 100; i++) {
		fast_a();
		fast_b();
		if (i % 10 == 0)
			slow_fn(factor);
	}
	printf("%lu\n", sink);
	return 0;
}
