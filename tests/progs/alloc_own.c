/* alloc_own.c - an executable that brings its own malloc family (a bump allocator over a static
 * arena): a preloaded malloc never sees its calls. hotpath must say so in a note, and the
 * program must run as without hotpath. Prints "sum 4950". */
#include <stdio.h>
#include <string.h>

static _Alignas(16) char arena[8 << 20];
static size_t used;

void *malloc(size_t n)
{
	size_t need = ((n + 15) & ~(size_t)15) + 16;
	if (used + need > sizeof(arena))
		return NULL;
	char *p = arena + used;
	used += need;
	*(size_t *)p = n;
	return p + 16;
}

void free(void *p)
{
	(void)p;
}

void *calloc(size_t a, size_t b)
{
	return malloc(a * b); /* the arena is never reused: already zero */
}

void *realloc(void *p, size_t n)
{
	char *q = malloc(n);
	if (p && q) {
		size_t old = *(size_t *)((char *)p - 16);
		memcpy(q, p, old < n ? old : n);
	}
	return q;
}

int main(void)
{
	int *v = malloc(100 * sizeof(int)), s = 0;
	for (int i = 0; i < 100; i++)
		v[i] = i;
	for (int i = 0; i < 100; i++)
		s += v[i];
	free(v);
	printf("sum %d\n", s);
	return 0;
}
