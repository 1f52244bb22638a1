/* selfkill.c - dies of SIGSEGV inside boom() after printing a line. */
#include <signal.h>
#include <stdio.h>
__attribute__((noinline)) void boom(void)
{
	fflush(stdout);
	raise(SIGSEGV);
}
int main(void)
{
	printf("before\n");
	boom();
	return 0;
}
