/* flow_names.c - threads named three ways: pthread_setname_np from main for another thread,
 * pthread_setname_np on itself, prctl(PR_SET_NAME). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

static pthread_barrier_t named, done;

static void *by_main(void *arg)
{
	pthread_barrier_wait(&named); /* main renames us, then lets us go */
	pthread_barrier_wait(&done);
	return arg;
}

static void *by_self(void *arg)
{
	pthread_setname_np(pthread_self(), "self-named");
	pthread_barrier_wait(&done);
	return arg;
}

static void *by_prctl(void *arg)
{
	prctl(PR_SET_NAME, "prctl-named", 0, 0, 0);
	pthread_barrier_wait(&done);
	return arg;
}

int main(void)
{
	pthread_t a, b, c;
	pthread_barrier_init(&named, NULL, 2);
	pthread_barrier_init(&done, NULL, 4);
	pthread_create(&a, NULL, by_main, NULL);
	pthread_setname_np(a, "main-named");
	pthread_barrier_wait(&named);
	pthread_create(&b, NULL, by_self, NULL);
	pthread_create(&c, NULL, by_prctl, NULL);
	pthread_barrier_wait(&done);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	puts("ok");
	return 0;
}
