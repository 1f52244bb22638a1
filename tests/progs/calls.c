/* calls.c - known call counts. Expected (mode "all"):
 *   recurse        1000 calls (one chain of depth 1000)
 *   work_unit      1000 calls (250 on each of 4 threads)
 *   thread_main       4 calls
 *   lj_outer         10 calls, lj_inner 10 calls (each longjmps back to main)
 *   leaf_add      20000 calls
 *   main              1 call
 * Mode "exit": deep_exit is entered 6 times (depth 6), exit(3) from the innermost. */
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf jb;
static __thread volatile long sink; /* per thread: no race for TSan to report */

__attribute__((noinline)) long recurse(int n)
{
	if (n <= 1)
		return 1;
	return 1 + recurse(n - 1);
}

__attribute__((noinline)) long leaf_add(long a)
{
	sink += a;
	return sink;
}

__attribute__((noinline)) void work_unit(int i)
{
	leaf_add(i);
}

void *thread_main(void *arg)
{
	for (int i = 0; i < 250; i++)
		work_unit(i);
	return arg;
}

__attribute__((noinline)) void lj_inner(int i)
{
	longjmp(jb, i + 1);
}

__attribute__((noinline)) void lj_outer(int i)
{
	lj_inner(i);
}

__attribute__((noinline)) void deep_exit(int n)
{
	if (n == 0) {
		printf("exiting from deep\n");
		exit(3);
	}
	deep_exit(n - 1);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exit"))
		deep_exit(5);
	printf("recurse=%ld\n", recurse(1000));
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, thread_main, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	int jumps = 0;
	for (int i = 0; i < 10; i++)
		if (setjmp(jb) == 0)
			lj_outer(i);
		else
			jumps++;
	for (int i = 0; i < 20000 - 1000; i++)
		leaf_add(1);
	printf("jumps=%d\n", jumps);
	return argc > 1 ? atoi(argv[1]) : 0;
}
