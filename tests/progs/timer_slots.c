/* timer_slots.c - more threads over a run than the sampler has timer slots (issue 13: a pool
 * that recycles threads forever).
 *
 * timer_slots EARLY LATE: EARLY short threads (created and joined 4 at a time, each calls
 * early_task once), then LATE threads one at a time, each spinning 15 ms of its own CPU time in
 * late_spin. With EARLY above the sampler's 8,192 timer slots, late_spin is sampled only if the
 * slots of ended threads are reused. Prints the number of threads run. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void early_task(void)
{
	__atomic_fetch_add(&sink, 1, __ATOMIC_RELAXED);
}

static double cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

__attribute__((noinline)) static void late_spin(void)
{
	double end = cpu_ms() + 15;
	while (cpu_ms() < end)
		__atomic_fetch_add(&sink, 1, __ATOMIC_RELAXED);
}

static void *early(void *a)
{
	(void)a;
	early_task();
	return NULL;
}

static void *late(void *a)
{
	(void)a;
	late_spin();
	return NULL;
}

int main(int argc, char **argv)
{
	int n_early = argc > 1 ? atoi(argv[1]) : 9000, n_late = argc > 2 ? atoi(argv[2]) : 40;
	int done = 0;
	for (int i = 0; i < n_early; i += 4) {
		pthread_t t[4];
		int k = n_early - i < 4 ? n_early - i : 4;
		for (int j = 0; j < k; j++)
			if (pthread_create(&t[j], NULL, early, NULL) != 0)
				return 1;
		for (int j = 0; j < k; j++)
			pthread_join(t[j], NULL);
		done += k;
	}
	for (int i = 0; i < n_late; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, late, NULL) != 0)
			return 1;
		pthread_join(t, NULL);
		done++;
	}
	printf("%d\n", done);
	return 0;
}
