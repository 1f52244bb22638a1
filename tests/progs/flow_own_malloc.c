/* flow_own_malloc.c - an executable whose malloc takes a pthread mutex (as jemalloc does while
 * it initialises): the lock hooks run inside dlsym's calloc, before hotpath has started, and
 * must neither deadlock nor recurse. Prints how often its malloc locked. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
static char heap[64 << 20];
static size_t used;
static long locks;

static void *bump(size_t n)
{
	pthread_mutex_lock(&heap_lock);
	locks++;
	n = (n + 15) & ~(size_t)15;
	void *p = used + n <= sizeof(heap) ? heap + used : NULL;
	if (p)
		used += n;
	pthread_mutex_unlock(&heap_lock);
	return p;
}

void *malloc(size_t n)
{
	return bump(n);
}

void free(void *p)
{
	(void)p;
}

void *calloc(size_t a, size_t b)
{
	void *p = bump(a * b); /* not malloc: gcc would fold malloc+memset into calloc */
	if (p)
		memset(p, 0, a * b);
	return p;
}

void *realloc(void *old, size_t n)
{
	void *p = bump(n);
	if (p && old)
		memcpy(p, old, n); /* the bump heap is contiguous: reading past old is harmless */
	return p;
}

static void *volatile sink;

static void *worker(void *arg)
{
	for (int i = 0; i < 1000; i++)
		sink = malloc(32);
	return arg;
}

int main(void)
{
	long before = locks;
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("main locks %ld total %ld\n", locks - before, locks);
	return 0;
}
