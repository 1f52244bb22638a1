/* cpu_qsort.c - CPU time spent in a comparator called by libc's qsort: the sampled stacks go
 * main -> qsort (libc.so.6) -> ... -> by_weight (this program), outermost first. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N 20000
static unsigned v[N];

__attribute__((noinline)) static int by_weight(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b, wx = 0, wy = 0;
	for (int i = 0; i < 200; i++) { /* an expensive key */
		wx += (x >> (i & 31)) & 1;
		wy += (y >> (i & 31)) & 1;
	}
	return wx != wy ? (wx < wy ? -1 : 1) : (x < y ? -1 : x > y);
}

int main(int argc, char **argv)
{
	double ms = argc > 1 ? atof(argv[1]) : 600;
	struct timespec t;
	int sorts = 0;
	do {
		for (int i = 0; i < N; i++)
			v[i] = (unsigned)rand();
		qsort(v, N, sizeof(v[0]), by_weight);
		sorts++;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while (t.tv_sec * 1e3 + t.tv_nsec / 1e6 < ms);
	printf("sorts %d\n", sorts);
	return 0;
}
