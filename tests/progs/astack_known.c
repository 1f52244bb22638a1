/* astack_known.c - allocation stacks with known answers (issue 16), built -O2 without
 * instrumentation. main -> setup -> make_table allocates 100 blocks of 1,000 bytes and never
 * frees them; main -> churn -> scratch allocates 10,000 x 64 bytes, each freed at once (10,000
 * temporaries); main -> burst -> big_buffer allocates 50 MiB (52,428,800 bytes) and frees it
 * before exit (the peak, and one temporary). The asm after each call keeps it a call (no tail
 * jump), so every function is a frame of its stack. Prints "known: ok". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *table[100]; /* not static: the stores (and the mallocs) stay */

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

__attribute__((noinline)) void scratch(void)
{
	for (int i = 0; i < 10000; i++) {
		char *volatile p = malloc(64);
		p[0] = (char)i;
		free(p);
	}
}

__attribute__((noinline)) void churn(void)
{
	scratch();
	__asm__ __volatile__("" ::: "memory");
}

__attribute__((noinline)) void big_buffer(void)
{
	char *volatile p = malloc(50u << 20);
	memset(p, 1, 1u << 20);
	free(p);
}

__attribute__((noinline)) void burst(void)
{
	big_buffer();
	__asm__ __volatile__("" ::: "memory");
}

int main(void)
{
	setup();
	churn();
	burst();
	puts("known: ok");
	return 0;
}
