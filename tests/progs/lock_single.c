/* lock_single.c - mutexes in a process with one thread, which glibc locks with a plain store
 * and the hooks lock directly (preload/locks.c, mutex_uncontendable), then the same after a
 * second thread exists. Prints each lock's address and what the program saw, so the test can
 * match the report exactly.
 *   lock_single N
 * 1. a default mutex locked N times, a recursive one N times two deep, an error-checking one
 *    N times and relocked once while held (EDEADLK: not an acquisition);
 * 2. a process-shared mutex in a shared mapping, held by a forked child for HELD_MS while
 *    this (still single-threaded) process locks it: one contended acquisition;
 * 3. a thread is created and ended; the default mutex is locked N times more. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HELD_MS 300

static pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t rec, errck;
static volatile long work;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void lock_n(pthread_mutex_t *m, long n, int depth)
{
	for (long i = 0; i < n; i++) {
		for (int d = 0; d < depth; d++)
			if (pthread_mutex_lock(m))
				die("lock");
		work++;
		for (int d = 0; d < depth; d++)
			pthread_mutex_unlock(m);
	}
}

static void make(pthread_mutex_t *m, int type, int pshared)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, type);
	pthread_mutexattr_setpshared(&a, pshared);
	if (pthread_mutex_init(m, &a))
		die("pthread_mutex_init");
	pthread_mutexattr_destroy(&a);
}

/* A child holds the shared mutex for HELD_MS; the parent locks it meanwhile. */
static void shared_across_processes(void)
{
	pthread_mutex_t *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int p[2];
	if (m == MAP_FAILED || pipe(p))
		die("mmap/pipe");
	make(m, PTHREAD_MUTEX_DEFAULT, PTHREAD_PROCESS_SHARED);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		pthread_mutex_lock(m);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		struct timespec t = {0, HELD_MS * 1000000L};
		nanosleep(&t, NULL);
		pthread_mutex_unlock(m);
		_exit(0);
	}
	char c;
	if (read(p[0], &c, 1) != 1)
		die("read");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_mutex_unlock(m);
	int st;
	waitpid(pid, &st, 0);
	long waited = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	printf("pshared %p waited_ms %ld child %d\n", (void *)m, waited, WEXITSTATUS(st));
}

static void *nothing(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	make(&rec, PTHREAD_MUTEX_RECURSIVE, PTHREAD_PROCESS_PRIVATE);
	make(&errck, PTHREAD_MUTEX_ERRORCHECK, PTHREAD_PROCESS_PRIVATE);
	lock_n(&plain, n, 1);
	lock_n(&rec, n, 2);
	lock_n(&errck, n, 1);
	pthread_mutex_lock(&errck);
	int relock = pthread_mutex_lock(&errck);
	pthread_mutex_unlock(&errck);
	printf("plain %p recursive %p errorcheck %p relock %s\n", (void *)&plain, (void *)&rec,
	       (void *)&errck, relock == EDEADLK ? "EDEADLK" : "other");
	shared_across_processes();
	pthread_t t;
	if (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL))
		die("pthread_create");
	lock_n(&plain, n, 1);
	printf("work %ld\n", work);
	return 0;
}
