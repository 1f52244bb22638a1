/* astack_threads.c - allocation stacks across threads, and realloc chains.
 * Four threads each allocate 1,000 x 32 bytes in t_alloc, wait for all, then each frees the
 * blocks of the next thread in t_free: the t_alloc stack (one stack for all four threads)
 * has 4,000 allocations / 128,000 bytes, all freed, none temporary. Then grow() on the main
 * thread: realloc(NULL, 16) at one line, then 100 reallocs to 32, 48, ... 1,616 bytes at
 * another, then free: the first line's stack 1 allocation / 16 bytes, freed, 1 temporary;
 * the chain's stack 100 allocations / 82,400 bytes, 100 frees, 100 temporaries (heaptrack's
 * definition: a realloc frees the block just allocated). Prints "threads: ok". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T 4
#define N 1000
void *blocks[T][N]; /* not static: the stores (and the mallocs) stay */
static pthread_barrier_t bar;

__attribute__((noinline)) void t_alloc(int me)
{
	for (int i = 0; i < N; i++) {
		blocks[me][i] = malloc(32);
		memset(blocks[me][i], me, 32);
	}
}

__attribute__((noinline)) void t_free(int other)
{
	for (int i = 0; i < N; i++)
		free(blocks[other][i]);
}

static void *worker(void *a)
{
	int me = (int)(long)a;
	t_alloc(me);
	pthread_barrier_wait(&bar);
	t_free((me + 1) % T);
	return NULL;
}

__attribute__((noinline)) void grow(void)
{
	char *p = realloc(NULL, 16);
	for (int i = 1; i <= 100; i++) {
		p = realloc(p, 16 * (size_t)(i + 1));
		p[0] = (char)i;
	}
	free(p);
}

int main(void)
{
	pthread_t t[T];
	pthread_barrier_init(&bar, NULL, T);
	for (long i = 0; i < T; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	grow();
	puts("threads: ok");
	return 0;
}
