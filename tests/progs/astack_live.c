/* astack_live.c - a running program for the console's allocation stacks (tests/test_astacks.py):
 * main -> setup -> make_table keeps 100 blocks of 1,000 bytes, then main -> grow keeps 4,096
 * more bytes every 20 ms (the live bytes rise refresh after refresh) until argv[1] seconds
 * have passed. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

void *table[100]; /* not static: the stores (and the mallocs) stay */
void *grown[100000];

__attribute__((noinline)) void make_table(void)
{
	for (int i = 0; i < 100; i++) {
		table[i] = malloc(1000);
		memset(table[i], i, 1000);
	}
}

__attribute__((noinline)) void setup(void)
{
	make_table();
	__asm__ __volatile__("" ::: "memory");
}

__attribute__((noinline)) void grow(int i)
{
	grown[i] = malloc(4096);
	memset(grown[i], 1, 64);
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 30;
	struct timespec d = {0, 20 * 1000 * 1000};
	setup();
	for (int i = 0; i < secs * 50 && i < 100000; i++) {
		grow(i);
		__asm__ __volatile__("" ::: "memory");
		nanosleep(&d, NULL);
	}
	return 0;
}
