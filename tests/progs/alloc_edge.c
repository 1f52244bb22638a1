/* alloc_edge.c - corner cases of the malloc family; prints one line per case with what it
 * returned, so a run under hotpath must print exactly what a plain run prints. Frees all it
 * allocates. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void escape(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static int aligned(void *p, uintptr_t a)
{
	return p && ((uintptr_t)p & (a - 1)) == 0;
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = malloc(0);
	escape(p);
	printf("malloc(0): %s\n", p ? "block" : "NULL");
	free(p);
	p = realloc(NULL, 0);
	escape(p);
	printf("realloc(NULL, 0): %s\n", p ? "block" : "NULL");
	free(p);
	errno = 0;
	volatile size_t huge = SIZE_MAX;
	p = malloc(huge);
	printf("malloc(SIZE_MAX): %s errno %s\n", p ? "block" : "NULL",
	       errno == ENOMEM ? "ENOMEM" : "other");
	errno = 0;
	p = malloc(huge - 8);
	printf("malloc(SIZE_MAX - 8): %s errno %s\n", p ? "block" : "NULL",
	       errno == ENOMEM ? "ENOMEM" : "other");
	errno = 0;
	p = reallocarray(NULL, huge / 2, 4);
	printf("reallocarray overflow: %s errno %s\n", p ? "block" : "NULL",
	       errno == ENOMEM ? "ENOMEM" : "other");

	char *big = malloc(1 << 20);
	memset(big, 7, 1 << 20);
	big = realloc(big, 4 << 20);
	printf("mmapped grow keeps data: %d\n", big[(1 << 20) - 1] == 7);
	big = realloc(big, 1000);
	printf("shrink keeps data: %d usable >= 1000: %d\n", big[999] == 7,
	       malloc_usable_size(big) >= 1000);
	free(big);

	void *q = (void *)1;
	printf("posix_memalign(3): %d\n", posix_memalign(&q, 3, 10) == EINVAL);
	printf("posix_memalign(0): %d\n", posix_memalign(&q, 0, 10) == EINVAL);
	printf("out untouched: %d\n", q == (void *)1);
	printf("posix_memalign(8): %d\n", posix_memalign(&q, 8, 10) == 0 && aligned(q, 8));
	free(q);
	p = aligned_alloc(64, 100);
	printf("aligned_alloc(64): %d\n", aligned(p, 64));
	free(p);
	p = memalign(1 << 16, 10);
	printf("memalign(64 KiB): %d\n", aligned(p, 1 << 16));
	p = realloc(p, 0);
	printf("realloc(aligned, 0): %s\n", p ? "block" : "NULL");
	p = pvalloc(100);
	printf("pvalloc(100): aligned %d usable >= page %d\n", aligned(p, (uintptr_t)page),
	       malloc_usable_size(p) >= (size_t)page);
	free(p);
	p = valloc(0);
	escape(p);
	printf("valloc(0): aligned %d\n", aligned(p, (uintptr_t)page));
	free(p);
	printf("usable(NULL): %zu\n", malloc_usable_size(NULL));
	free(NULL);
	char *s = calloc(1 << 18, 4);
	printf("large calloc zeroed: %d\n", s && s[0] == 0 && s[(1 << 20) - 1] == 0);
	free(s);
	return 0;
}
