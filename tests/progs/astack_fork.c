/* astack_fork.c - allocation stacks across fork: the parent leaks 10 x 100 bytes in
 * parent_work before the fork; the child leaks 20 x 50 bytes in child_work and exits; the
 * parent waits. Each process's report has its own stacks: parent_work's in the parent only,
 * child_work's in the child only (the blocks inherited from the parent are not the child's).
 * Prints "fork: ok" from the parent. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void *keep[64]; /* not static: the stores (and the mallocs) stay */

__attribute__((noinline)) void parent_work(void)
{
	for (int i = 0; i < 10; i++)
		keep[i] = malloc(100);
}

__attribute__((noinline)) void child_work(void)
{
	for (int i = 0; i < 20; i++)
		keep[10 + i] = malloc(50);
}

int main(void)
{
	parent_work();
	pid_t pid = fork();
	if (pid == 0) {
		child_work();
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	puts("fork: ok");
	return 0;
}
