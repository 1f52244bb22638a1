/* fork_late.c - uftrace's s-malloc-fork case: fork, then parent and child both call malloc
 * and free; the child finishes DELAY_US after the parent has exited (argv[1], default 20000).
 * With argv[2] = "daemon" the child closes its stdio and sleeps 5 s: it outlives any grace. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) void work(int n)
{
	char *volatile p = malloc((size_t)n);
	memset(p, 1, (size_t)n);
	free(p);
}

int main(int argc, char **argv)
{
	long delay = argc > 1 ? atol(argv[1]) : 20000;
	int daemon = argc > 2 && !strcmp(argv[2], "daemon");
	pid_t pid = fork();
	if (pid == 0) {
		if (daemon) {
			int fd = open("/dev/null", O_RDWR);
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			sleep(5);
		}
		usleep((useconds_t)delay);
		work(64);
		return 0;
	}
	work(32);
	return 0;
}
