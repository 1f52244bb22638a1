/* execer.c - calls before_exec() once, then execs argv[1] with an environment of its own that
 * drops LD_PRELOAD and HOTPATH_* (hotpath must put them back). */
#include <stdio.h>
#include <unistd.h>
__attribute__((noinline)) void before_exec(void)
{
	fflush(stdout);
}
int main(int argc, char **argv)
{
	char *env[] = {"PATH=/usr/bin:/bin", "EXECER=1", NULL};
	before_exec();
	if (argc > 1)
		execve(argv[1], argv + 1, env);
	perror("execve");
	return 1;
}
