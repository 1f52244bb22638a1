/* alloc_signal.c - SIGALRM every millisecond; the handler allocates and frees 32 bytes in an
 * instrumented function, 50 times, while main spins through instrumented calls that do not
 * allocate (glibc's malloc itself is not async-signal-safe). Prints "handled 50", exits 0.
 * Expected: on_alarm has 50 allocations / 1600 B and 50 frees / 1600 B. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t handled;

__attribute__((noinline)) void on_alarm(int sig)
{
	(void)sig;
	if (handled >= 50)
		return;
	char *volatile p = malloc(32);
	memset(p, 1, 32);
	free(p);
	handled++;
}

__attribute__((noinline)) long spin(long x)
{
	return x * 3 + 1;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 1000}, {0, 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
	long acc = 0;
	while (handled < 50)
		acc = spin(acc) & 0xffff;
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	printf("handled %d\n", (int)handled);
	return acc < 0;
}
