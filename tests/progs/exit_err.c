/* exit_err.c - leaves through glibc's own exit path: `error 3` calls error(3, ...), `errx 5`
 * errx(5, ...), `err 6` err(6, ...); `fork-errx 7` does so in a forked child and exits with the
 * child's status. exit() inside libc does not reach an interposed exit(). */
#include <err.h>
#include <error.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) void fail_now(const char *how, int code)
{
	if (!strcmp(how, "error"))
		error(code, 0, "failing with error()");
	if (!strcmp(how, "err"))
		err(code, "failing with err()");
	errx(code, "failing with errx()");
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 0;
	int code = atoi(argv[2]);
	if (strcmp(argv[1], "fork-errx"))
		fail_now(argv[1], code);
	pid_t pid = fork();
	if (pid == 0)
		fail_now("errx", code);
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
