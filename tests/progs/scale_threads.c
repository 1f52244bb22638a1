/* scale_threads.c - many threads x many functions, for the region's scale tests (issue 13).
 *
 * scale_threads THREADS BATCH FUNCS CALLS: THREADS threads in all, BATCH of them alive at a
 * time (created together, joined together); each calls each of f_00 .. f_<FUNCS-1> CALLS
 * times. Expected: f_k has THREADS x CALLS calls for k < FUNCS, and 0 above. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long sink;

#define F(n)                                                                                       \
	__attribute__((noinline)) void f_##n(void)                                                 \
	{                                                                                          \
		__atomic_fetch_add(&sink, 1, __ATOMIC_RELAXED); /* threads share it (TSan) */      \
	}
#define F10(p) F(p##0) F(p##1) F(p##2) F(p##3) F(p##4) F(p##5) F(p##6) F(p##7) F(p##8) F(p##9)
F10(0)
F10(1)
F10(2)
F10(3)
F10(4)
F10(5)
F10(6)
F10(7)
F10(8)
F10(9)

#define P(n) f_##n,
#define P10(p) P(p##0) P(p##1) P(p##2) P(p##3) P(p##4) P(p##5) P(p##6) P(p##7) P(p##8) P(p##9)
static void (*const fns[100])(void) = {P10(0) P10(1) P10(2) P10(3) P10(4) P10(5) P10(6) P10(7)
					       P10(8) P10(9)};

static int nfuncs, ncalls;

static void *worker(void *arg)
{
	for (int c = 0; c < ncalls; c++)
		for (int k = 0; k < nfuncs; k++)
			fns[k]();
	return arg;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		return 2;
	int threads = atoi(argv[1]), batch = atoi(argv[2]);
	nfuncs = atoi(argv[3]);
	ncalls = atoi(argv[4]);
	if (batch < 1 || batch > 256 || nfuncs < 0 || nfuncs > 100)
		return 2;
	pthread_t t[256];
	for (int done = 0; done < threads;) {
		int n = threads - done < batch ? threads - done : batch;
		for (int i = 0; i < n; i++)
			if (pthread_create(&t[i], NULL, worker, NULL))
				return 1;
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		done += n;
	}
	printf("threads=%d calls=%lu\n", threads, sink);
	return 0;
}
