/* whoami.c - prints its pid (to find its region). */
#include <stdio.h>
#include <unistd.h>
__attribute__((noinline)) int me(void)
{
	return (int)getpid();
}
int main(void)
{
	printf("%d\n", me());
	return 0;
}
