/* alloc_recurse.c - recursion of depth 100, allocating 16 bytes at each level and freeing on
 * the way back. Expected: rec has 100 calls, 100 allocations / 1600 B and 100 frees / 1600 B,
 * cumulative and exclusive alike (recursion is counted once, not once per frame). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) int rec(int n)
{
	char *p = malloc(16);
	memset(p, n, 16);
	int r = n > 1 ? rec(n - 1) : 0;
	r += p[0];
	free(p);
	return r;
}

int main(void)
{
	printf("%d\n", rec(100));
	return 0;
}
