/* fifo_self.c - for the security tests: calls work() a few times, then replaces its own
 * executable with a FIFO (mode 0666) before it exits, as a user who controls the directory
 * of a program could. A reader that symbolizes the program afterwards opens the FIFO by the
 * module path in the region: it must not block there. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile long sink;

__attribute__((noinline)) void work(int i)
{
	sink += i;
}

int main(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	for (int i = 0; i < 10; i++)
		work(i);
	if (n <= 0)
		return 1;
	self[n] = 0;
	if (unlink(self) < 0 || mkfifo(self, 0666) < 0) {
		perror(self);
		return 1;
	}
	chmod(self, 0666);
	return 0;
}
