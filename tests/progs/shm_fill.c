/* shm_fill.c - fills /dev/shm after start (the file named by argv[1]), then runs 200 threads one
 * after another, each calling stage_one and stage_two once: 400 statistics rows and 200 thread
 * rows claimed after the fill. Under hotpath the rows that find no room are dropped; without
 * reservation their first write killed the program with SIGBUS. Prints "done 200". */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) int stage_one(int x)
{
	return x + 1;
}

__attribute__((noinline)) int stage_two(int x)
{
	return x * 2;
}

static void *worker(void *arg)
{
	int *v = arg;
	*v = stage_two(stage_one(*v));
	return NULL;
}

static void fill(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (size_t chunk = sizeof(buf); fd >= 0 && chunk >= 512; chunk /= 2)
		while (write(fd, buf, chunk) == (ssize_t)chunk)
			;
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		fill(argv[1]);
	int done = 0;
	for (int i = 0; i < 200; i++) {
		pthread_t t;
		int v = i;
		if (pthread_create(&t, NULL, worker, &v) != 0)
			return 1;
		pthread_join(t, NULL);
		done += v == (i + 1) * 2;
	}
	printf("done %d\n", done);
	return 0;
}
