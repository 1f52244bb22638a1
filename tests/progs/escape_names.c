/* escape_names.c - for the security tests: a thread whose name is a terminal escape
 * (ESC [ 2 J, "clear the screen") calls named_work(); main prints nothing. The report's
 * table must show the name escaped. */
#include <pthread.h>
#include <stdio.h>

static volatile long sink;

__attribute__((noinline)) void named_work(int i)
{
	sink += i;
}

static void *run(void *arg)
{
	pthread_setname_np(pthread_self(), "\033[2Jx\033]0;T\007");
	for (int i = 0; i < 10; i++)
		named_work(i);
	return arg;
}

int main(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, run, NULL))
		return 1;
	pthread_join(t, NULL);
	return 0;
}
