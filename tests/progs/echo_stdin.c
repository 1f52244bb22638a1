/* echo_stdin.c - copies stdin to stdout through an instrumented function. */
#include <stdio.h>
__attribute__((noinline)) static size_t pass(char *buf, size_t n)
{
	return fwrite(buf, 1, n, stdout);
}
int main(void)
{
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		pass(buf, n);
	return 0;
}
