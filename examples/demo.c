/* demo.c - the bundled example that `make demo` profiles: a little pipeline of work with a
 * hot function, a nested one, recursion and two worker threads. Build it with
 * -finstrument-functions (no source change) and run it under `hotpath run`. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile unsigned long sink;

static unsigned long checksum(const unsigned char *p, size_t n)
{
	unsigned long h = 1469598103934665603ul;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ul;
	return h;
}

static void heavy_work(int round)
{
	unsigned char buf[4096];
	memset(buf, round, sizeof(buf));
	for (int i = 0; i < 8; i++)
		sink += checksum(buf, sizeof(buf));
}

static long fib(int n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static void light_io(void)
{
	struct timespec ts = {0, 200000}; /* 0.2 ms: a stand-in for a blocking call */
	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	for (int i = 0; i < 300; i++)
		heavy_work(id + i);
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 500;
	pthread_t t[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < rounds; i++) {
		heavy_work(i);
		if (i % 10 == 0)
			light_io();
	}
	long f = fib(22);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("demo: %d rounds, fib(22) = %ld, checksum %lx\n", rounds, f, sink & 0xffff);
	return 0;
}
