/* live_threads.c - many threads alive at once (issue 13: the thread table's capacity).
 *
 * live_threads N [AFTER]: N threads (64 KiB stacks) each call f(), wait until all N have started
 * (a barrier with main), then call f() again; once they have ended, AFTER more threads, one at a
 * time, call f() once each. Expected: f has 2 x N + AFTER calls, w N, after AFTER. Prints f's
 * count. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_barrier_t all_started;
static volatile unsigned long sink;

__attribute__((noinline)) void f(void)
{
	__atomic_fetch_add(&sink, 1, __ATOMIC_RELAXED);
}

__attribute__((noinline)) static void *w(void *a)
{
	f();
	pthread_barrier_wait(&all_started);
	f();
	return a;
}

__attribute__((noinline)) static void *after(void *a)
{
	f();
	return a;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5000, n_after = argc > 2 ? atoi(argv[2]) : 0;
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	pthread_attr_t at;
	if (!t || n < 1)
		return 2;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 65536);
	pthread_barrier_init(&all_started, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], &at, w, NULL) != 0)
			return 1;
	pthread_barrier_wait(&all_started);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < n_after; i++) {
		if (pthread_create(&t[0], &at, after, NULL) != 0)
			return 1;
		pthread_join(t[0], NULL);
	}
	printf("%lu\n", sink);
	free(t);
	return 0;
}
