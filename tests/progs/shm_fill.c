/* shm_fill.c - fills /dev/shm after start (the file named by argv[1]), then runs 200 threads, all
 * alive at once (a barrier), each calling stage_one and stage_two once: 400 statistics rows and
 * 200 thread rows claimed after the fill (threads that end one after another would hand their
 * rows on and need no new ones). Under hotpath the rows that find no room are dropped; without
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

static pthread_barrier_t all_alive;

static void *worker(void *arg)
{
	int *v = arg;
	pthread_barrier_wait(&all_alive);
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
	static pthread_t t[200];
	static int v[200];
	int done = 0;
	pthread_barrier_init(&all_alive, NULL, 200);
	for (int i = 0; i < 200; i++) {
		v[i] = i;
		if (pthread_create(&t[i], NULL, worker, &v[i]) != 0)
			return 1;
	}
	for (int i = 0; i < 200; i++) {
		pthread_join(t[i], NULL);
		done += v[i] == (i + 1) * 2;
	}
	printf("done %d\n", done);
	return 0;
}
