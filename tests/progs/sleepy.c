/* sleepy.c - known durations: nap() sleeps 2 ms and is called 20 times from outer(), which is
 * called once from main; quick() does almost nothing 1000 times. */
#include <stdio.h>
#include <time.h>

__attribute__((noinline)) void nap(void)
{
	struct timespec ts = {0, 2000000};
	nanosleep(&ts, NULL);
}

__attribute__((noinline)) void outer(void)
{
	for (int i = 0; i < 20; i++)
		nap();
}

static volatile int v;
__attribute__((noinline)) void quick(void)
{
	v++;
}

int main(void)
{
	outer();
	for (int i = 0; i < 1000; i++)
		quick();
	printf("done\n");
	return 0;
}
