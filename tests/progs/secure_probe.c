/* secure_probe.c - for the security tests: prints its pid and getauxval(AT_SECURE) ("pid
 * secure"), then calls probe_work() a few times. Installed setuid root by the test, run as
 * another user with libhotpath.so in /etc/ld.so.preload (in a mount namespace of its own). */
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>

static volatile long sink;

__attribute__((noinline)) void probe_work(int i)
{
	sink += i;
}

int main(void)
{
	printf("%d %lu\n", (int)getpid(), getauxval(AT_SECURE));
	fflush(stdout);
	for (int i = 0; i < 100; i++)
		probe_work(i);
	return 0;
}
