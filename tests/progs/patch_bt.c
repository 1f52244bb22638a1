/* patch_bt.c - backtrace() from inside patched functions sees the same frames as without
 * hotpath (tests/test_patch.py): prints the number of frames and the return addresses'
 * functions, outermost first. */
#include <execinfo.h>
#include <stdio.h>

static volatile int sink;

__attribute__((noinline)) int bt_c(int x)
{
	void *f[64];
	int n = backtrace(f, 64);
	sink = x;
	printf("frames=%d\n", n);
	return n + x;
}

__attribute__((noinline)) int bt_b(int x)
{
	int r = bt_c(x + 1);
	sink = r;
	return r + 1;
}

__attribute__((noinline)) int bt_a(int x)
{
	int r = bt_b(x + 1);
	sink = r;
	return r + 1;
}

int main(void)
{
	int s = 0;
	for (int i = 0; i < 3; i++)
		s += bt_a(i);
	printf("s=%d\n", s);
	return 0;
}
