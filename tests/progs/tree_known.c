/* tree_known.c - a call tree with known numbers (tests/test_tree.py):
 *   main -> a x10 -> c x3 each (main/a/c: 30 calls)
 *   main -> b x5  -> c x2 each (main/b/c: 10 calls)
 * c sleeps 1 ms (in nap, which has no hooks), so c's self time is about its total and the self
 * time of a and b is about zero. */
#include <time.h>

__attribute__((no_instrument_function)) static void nap(void)
{
	struct timespec t = {0, 1000000};
	nanosleep(&t, 0);
}

__attribute__((noinline)) void c(void)
{
	nap();
}

__attribute__((noinline)) void a(void)
{
	for (int i = 0; i < 3; i++)
		c();
}

__attribute__((noinline)) void b(void)
{
	for (int i = 0; i < 2; i++)
		c();
}

int main(void)
{
	for (int i = 0; i < 10; i++)
		a();
	for (int i = 0; i < 5; i++)
		b();
	return 0;
}
