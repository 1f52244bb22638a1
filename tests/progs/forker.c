/* forker.c - parent_work 5 times in the parent; the forked child runs child_work 7 times and
 * exits 4; the parent waits and exits 0. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
static volatile int v;
__attribute__((noinline)) void parent_work(void)
{
	v++;
}
__attribute__((noinline)) void child_work(void)
{
	v++;
}
int main(void)
{
	pid_t p = fork();
	if (p == 0) {
		for (int i = 0; i < 7; i++)
			child_work();
		exit(4);
	}
	for (int i = 0; i < 5; i++)
		parent_work();
	int st;
	waitpid(p, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 4 ? 0 : 1;
}
