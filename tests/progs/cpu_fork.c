/* cpu_fork.c - sampling follows children: "fork" runs parent_work() here and child_work() in
 * a forked child; "exec" forks a child that execs this program as "work", which runs
 * exec_work(). Each runs for the CPU ms given in argv[2] (default 300). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

static inline __attribute__((always_inline)) void burn_until(double ms)
{
	struct timespec t;
	do {
		for (unsigned long i = 0; i < 200000; i++)
			sink = sink * 31 + i;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while (t.tv_sec * 1e3 + t.tv_nsec / 1e6 < ms);
}

__attribute__((noinline)) void parent_work(double ms)
{
	burn_until(ms);
}
__attribute__((noinline)) void child_work(double ms)
{
	burn_until(ms);
}
__attribute__((noinline)) void exec_work(double ms)
{
	burn_until(ms);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "fork";
	const char *ms_arg = argc > 2 ? argv[2] : "300";
	double ms = atof(ms_arg);
	if (!strcmp(mode, "work")) {
		exec_work(ms);
		return 0;
	}
	pid_t pid = fork();
	if (pid == 0) {
		if (!strcmp(mode, "exec")) {
			execl("/proc/self/exe", argv[0], "work", ms_arg, (char *)NULL);
			_exit(127);
		}
		child_work(ms);
		_exit(0);
	}
	parent_work(ms);
	int st;
	waitpid(pid, &st, 0);
	printf("child %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
