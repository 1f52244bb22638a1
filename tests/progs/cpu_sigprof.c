/* cpu_sigprof.c - a program that profiles itself with SIGPROF (ITIMER_PROF, as gprof and
 * gperftools do): it must keep its signal. Prints what sigaction reported as the disposition
 * before it installed its handler, and how many SIGPROFs its handler saw (> 0). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t ticks;
static volatile unsigned long sink;

static void on_prof(int sig)
{
	(void)sig;
	ticks++;
}

__attribute__((noinline)) static void burn(void)
{
	for (unsigned long i = 0; i < 1000000; i++)
		sink = sink * 31 + i;
}

int main(int argc, char **argv)
{
	struct sigaction old, sa;
	memset(&sa, 0, sizeof(sa));
	sigaction(SIGPROF, NULL, &old);
	printf("before: %s\n", old.sa_handler == SIG_DFL ? "default" : "not default");
	sa.sa_handler = on_prof;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGPROF, &sa, NULL);
	struct itimerval it = {{0, 1000}, {0, 1000}};
	setitimer(ITIMER_PROF, &it, NULL);
	struct timespec t;
	do {
		burn();
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while (t.tv_sec * 1000 + t.tv_nsec / 1000000 < 300);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_PROF, &off, NULL);
	sigaction(SIGPROF, NULL, &old);
	printf("handler: %s\nticks %s\n", old.sa_handler == on_prof ? "ours" : "replaced",
	       ticks > 0 ? "seen" : "none");
	(void)argc, (void)argv;
	return 0;
}
