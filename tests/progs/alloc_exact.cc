/* alloc_exact.cc - known allocations for tests/test_alloc.py (built as C++ for new[]).
 * Expected, cumulative (callees included), per call of each function:
 *   leaf_malloc   10 allocs / 1000 B, 10 frees / 1000 B
 *   do_realloc     3 / 352,   3 / 352   (malloc 64, realloc 256, realloc 32, realloc(p, 0))
 *   do_calloc      1 / 240,   1 / 240   (calloc(10, 24); an overflowing calloc fails)
 *   do_aligned     6 / 792,   6 / 792   (posix_memalign 100, aligned_alloc 512, memalign 10,
 *                                        valloc 50, memalign 40 realloc'd to 80)
 *   do_strdup      2 / 44,    2 / 44    (strdup 12, reallocarray 4x8)
 *   do_new         1 / 100,   1 / 100   (new int[25])
 *   work          24 / 3528, 23 / 2528  (all the above + a 1000-byte block it keeps)
 *   thread_work   10 / 1000, 10 / 1000  (leaf_malloc), on each of 4 threads
 * Exits 1 when an alignment, usable size or errno is wrong. Writes with write(2) only, so
 * stdio allocates nothing. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static int bad;
void *kept; /* not static: the compiler must keep the block */

/* Keep the compiler from pairing up and removing an allocation and its free. */
static void escape(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static void check(int ok)
{
	if (!ok)
		bad = 1;
}

extern "C" NOINLINE void leaf_malloc(void)
{
	void *p[10];
	for (int i = 0; i < 10; i++) {
		errno = EINTR;
		p[i] = malloc(100);
		check(p[i] && errno == EINTR && malloc_usable_size(p[i]) >= 100);
		memset(p[i], i, 100);
	}
	for (int i = 0; i < 10; i++)
		free(p[i]);
}

extern "C" NOINLINE void do_realloc(void)
{
	char *p = (char *)malloc(64);
	memset(p, 7, 64);
	p = (char *)realloc(p, 256);
	check(p && p[63] == 7);
	p = (char *)realloc(p, 32);
	check(p && p[31] == 7);
	check(realloc(p, 0) == NULL);
}

extern "C" NOINLINE void do_calloc(void)
{
	unsigned char *p = (unsigned char *)calloc(10, 24);
	for (int i = 0; i < 240; i++)
		check(p[i] == 0);
	free(p);
	errno = 0;
	volatile size_t huge = SIZE_MAX / 2;
	check(calloc(huge, 3) == NULL && errno == ENOMEM);
}

static int aligned(void *p, uintptr_t a)
{
	return p && ((uintptr_t)p & (a - 1)) == 0;
}

extern "C" NOINLINE void do_aligned(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *a = NULL;
	check(posix_memalign(&a, 64, 100) == 0 && aligned(a, 64));
	void *b = aligned_alloc(256, 512);
	check(aligned(b, 256) && malloc_usable_size(b) >= 512);
	void *c = memalign(4096, 10);
	check(aligned(c, 4096));
	void *d = valloc(50);
	check(aligned(d, (uintptr_t)page));
	char *e = (char *)memalign(64, 40);
	check(aligned(e, 64));
	memset(e, 3, 40);
	e = (char *)realloc(e, 80);
	check(e && e[39] == 3);
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}

extern "C" NOINLINE void do_strdup(void)
{
	char *s = strdup("hello world");
	check(s && !strcmp(s, "hello world"));
	free(s);
	void *v = reallocarray(NULL, 4, 8);
	check(v != NULL);
	free(v);
}

extern "C" NOINLINE void do_new(void)
{
	int *a = new int[25];
	escape(a);
	delete[] a;
}

extern "C" NOINLINE void work(void)
{
	leaf_malloc();
	do_realloc();
	do_calloc();
	do_aligned();
	do_strdup();
	do_new();
	kept = malloc(1000); /* live at exit: the leak hint names work */
	escape(kept);
}

extern "C" NOINLINE void *thread_work(void *arg)
{
	(void)arg;
	leaf_malloc();
	return NULL;
}

extern "C" NOINLINE void spawn(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, thread_work, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
}

int main(void)
{
	work();
	spawn();
	const char *msg = bad ? "alloc_exact: FAILED\n" : "alloc_exact: ok\n";
	if (write(1, msg, strlen(msg)) < 0)
		return 2;
	return bad;
}
