/* serve_steps.c - a program for tests/test_serve_cache.py, driven by one command a line on stdin,
 * each answered with "ok" on stdout once done. Expected counts are exactly what it was told:
 *   start: fast() 10 times, then "ready" (after "x": fast() 2 times, then "ready again")
 *   "a N": fast() N times          "b N": other() N times (a function that appears)
 *   "s N": slow() N times, each sleeping 2 ms
 *   "t N": a new thread calls fast() N times (rows of a new thread), joined
 *   "x":   exec itself (same pid, a new region: the old image's numbers must not show)
 *   "q" or the end of stdin: exit 0 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile long sink;

__attribute__((noinline)) void fast(int i)
{
	sink += i;
}

__attribute__((noinline)) void other(int i)
{
	sink -= i;
}

__attribute__((noinline)) void slow(int i)
{
	struct timespec ts = {0, 2000000};
	nanosleep(&ts, NULL);
	sink += i;
}

static void *thread_main(void *arg)
{
	long n = (long)arg;
	for (long i = 0; i < n; i++)
		fast((int)i);
	return NULL;
}

static void run_thread(long n)
{
	pthread_t t;
	if (pthread_create(&t, NULL, thread_main, (void *)n) != 0 || pthread_join(t, NULL) != 0)
		exit(1);
}

int main(int argc, char **argv)
{
	char line[64];
	int again = argc > 1 && !strcmp(argv[1], "again");
	for (int i = 0; i < (again ? 2 : 10); i++)
		fast(i);
	printf(again ? "ready again\n" : "ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		long n = strtol(line + 1, NULL, 10);
		if (line[0] == 'q')
			break;
		if (line[0] == 'x') {
			char *args[] = {argv[0], "again", NULL};
			execv("/proc/self/exe", args);
			return 1;
		}
		for (long i = 0; i < n && line[0] != 't'; i++) {
			if (line[0] == 'a')
				fast((int)i);
			else if (line[0] == 'b')
				other((int)i);
			else if (line[0] == 's')
				slow((int)i);
		}
		if (line[0] == 't')
			run_thread(n);
		printf("ok\n");
		fflush(stdout);
	}
	return 0;
}
