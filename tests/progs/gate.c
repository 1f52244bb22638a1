/* gate.c - exact counts for CI gates (test_history.py): main calls step() N times (argv[1],
 * default 1000) and parse_row() M times (argv[2], default 10), each parse_row making 3
 * allocations of 100 bytes that it frees. */
#include <stdlib.h>
#include <string.h>

static volatile long sink;

__attribute__((noinline)) void step(long i)
{
	sink += i;
}

__attribute__((noinline)) void parse_row(void)
{
	for (int i = 0; i < 3; i++) {
		char *p = malloc(100);
		memset(p, i, 100);
		sink += p[7];
		free(p);
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000, m = argc > 2 ? atol(argv[2]) : 10;
	for (long i = 0; i < n; i++)
		step(i);
	for (long i = 0; i < m; i++)
		parse_row();
	return 0;
}
