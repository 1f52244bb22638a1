/* patch_signal.c - patched functions interrupted by signal handlers that call patched
 * functions, on the same stack and on an alternate one, and a thread that leaves through
 * pthread_exit from inside patched frames (tests/test_patch.py). Expected calls:
 *   work 200 (each raises a signal), in_handler 200, pex_outer 1, pex_inner 1
 * and the output "handled=200 thread=7". */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int handled, sink;

__attribute__((noinline)) int in_handler(int s)
{
	sink = s;
	return s + 1;
}

static void on_signal(int s)
{
	handled += in_handler(s) > 0;
}

__attribute__((noinline)) int work(int i)
{
	sink = i;
	raise(i % 2 ? SIGUSR1 : SIGUSR2);
	return i;
}

__attribute__((noinline)) void pex_inner(void)
{
	sink = 1;
	pthread_exit((void *)7);
}

__attribute__((noinline)) void *pex_outer(void *arg)
{
	pex_inner();
	return arg;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL); /* on the current stack */
	stack_t ss = {.ss_sp = malloc(1 << 16), .ss_size = 1 << 16};
	sigaltstack(&ss, NULL);
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL); /* on the alternate stack */
	long s = 0;
	for (int i = 0; i < 200; i++)
		s += work(i);
	pthread_t t;
	void *ret;
	pthread_create(&t, NULL, pex_outer, NULL);
	pthread_join(t, &ret);
	printf("handled=%d thread=%ld\n", handled, (long)ret);
	return s == 199 * 100 ? 0 : 1;
}
