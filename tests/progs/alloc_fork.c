/* alloc_fork.c - the parent allocates, forks; the child frees a block it inherited, allocates
 * and frees 5 x 100 bytes in child_work, and exits 3; the parent reports the child's status.
 * Expected in the child's report: child_work 5 / 500 B allocated and freed; the inherited
 * block's free is not counted there (it was counted in the parent's image). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) void child_work(void)
{
	for (int i = 0; i < 5; i++) {
		char *volatile p = malloc(100);
		memset(p, i, 100);
		free(p);
	}
}

int main(void)
{
	char *inherited = malloc(4000);
	__asm__ __volatile__("" : : "r"(inherited) : "memory"); /* GCC may not elide the block */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		free(inherited);
		child_work();
		_exit(3);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	free(inherited);
	return 0;
}
