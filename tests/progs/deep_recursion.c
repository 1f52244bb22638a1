/* deep_recursion.c - recursion far deeper than a shallow shadow stack (issue 13: nothing dropped).
 *
 * deep_recursion N: rec(N) calls rec(N - 1) ... rec(0), then returns; N + 1 calls of rec, one
 * of main. Prints the sum of the depths (N (N + 1) / 2). Built -O0 so that no call is a tail
 * call; each frame is small, so 100,000 levels fit the default 8 MiB stack. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static unsigned long long rec(unsigned n)
{
	if (!n)
		return 0;
	return n + rec(n - 1);
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 100000;
	printf("%llu\n", rec(n));
	return 0;
}
