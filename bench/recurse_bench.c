/* recurse_bench.c - the cost of a timed call at recursion depth D (issue 13): a thread with a
 * large stack calls rec(D), which calls itself down to depth 1, REPS times. Built with
 * -finstrument-functions; rec is the only instrumented function (the rest is
 * no_instrument_function), so without hotpath it calls glibc's empty hooks.
 *   recurse_bench D REPS    prints ns per call of rec (D x REPS calls) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOI __attribute__((no_instrument_function))

static long depth, reps;
static volatile long sink;

/* The volatile local keeps a real frame per level: no tail call, no loop. */
__attribute__((noinline)) long rec(long d)
{
	volatile long here = d;
	long r = d > 1 ? rec(d - 1) : 0;
	return r + here;
}

NOI static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

NOI static void *run(void *arg)
{
	double *out = arg, t0 = now_ns();
	for (long i = 0; i < reps; i++)
		sink += rec(depth);
	*out = (now_ns() - t0) / (double)(depth * reps);
	return NULL;
}

NOI int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	depth = atol(argv[1]);
	reps = atol(argv[2]);
	if (depth < 1 || depth > 1000000 || reps < 1)
		return 2;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 256u << 20); /* 1M frames of rec fit */
	pthread_t t;
	double ns = 0;
	if (pthread_create(&t, &a, run, &ns) != 0)
		return 1;
	pthread_join(t, NULL);
	printf("%.2f\n", ns);
	return 0;
}
