/* raw_exec.c - replaces itself with argv[1..] through the raw execve system call (past the
 * library's exec hooks) with an environment of LD_PRELOAD alone: the new image has the library
 * loaded but no HOTPATH_SESSION. With "fork" first, a child does it and the parent waits and
 * exits with its status. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void raw_exec(char **argv)
{
	static char preload[4096];
	const char *p = getenv("LD_PRELOAD");
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", p ? p : "");
	char *env[] = {preload, NULL};
	syscall(SYS_execve, argv[0], argv, env);
	perror("execve");
	_exit(127);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "fork")) {
		pid_t pid = fork();
		if (pid == 0)
			raw_exec(argv + 2);
		int st = 0;
		waitpid(pid, &st, 0);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
	if (argc > 1)
		raw_exec(argv + 1);
	return 0;
}
