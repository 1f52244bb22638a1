/* alloc_limit.c - the biggest allocators are not the slowest functions, for test_alloc.py's
 * --limit check: spin_a..spin_d take the time (no allocation); load_big allocates 8 MiB,
 * load_mid 2 MiB, load_small 64 KiB, load_tiny 1 KiB, quickly (each block freed). */
#include <stdlib.h>
#include <string.h>

static volatile unsigned long sink;

#define SPIN(name, n)                                                                              \
	__attribute__((noinline)) void name(void)                                                  \
	{                                                                                          \
		for (unsigned long i = 0; i < (n); i++)                                            \
			sink += i;                                                                 \
	}
SPIN(spin_a, 60000000)
SPIN(spin_b, 45000000)
SPIN(spin_c, 30000000)
SPIN(spin_d, 15000000)

#define LOAD(name, bytes)                                                                          \
	__attribute__((noinline)) void name(void)                                                  \
	{                                                                                          \
		char *volatile p = malloc(bytes);                                                  \
		p[0] = 1;                                                                          \
		sink += (unsigned char)p[0];                                                       \
		free(p);                                                                           \
	}
LOAD(load_big, 8u << 20)
LOAD(load_mid, 2u << 20)
LOAD(load_small, 64u << 10)
LOAD(load_tiny, 1024)

int main(void)
{
	spin_a();
	spin_b();
	spin_c();
	spin_d();
	load_big();
	load_mid();
	load_small();
	load_tiny();
	return 0;
}
