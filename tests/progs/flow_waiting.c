/* flow_waiting.c - threads still blocked when the program exits, for test_flow.py: "sleeper"
 * waits on a condition variable nobody signals, "reader" reads a pipe nobody writes. Once both
 * are blocked (the sleeper's wait released the mutex main then takes; the reader announced
 * itself just before its read), main sleeps 1 s and exits: each wait lasted at least 1 s. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int asleep, fds[2];
static volatile int reading;

static void *sleeper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	asleep = 1;
	while (asleep)
		pthread_cond_wait(&never, &m);
	pthread_mutex_unlock(&m);
	return NULL;
}

static void *reader(void *arg)
{
	char c;
	(void)arg;
	reading = 1;
	if (read(fds[0], &c, 1) < 0)
		perror("read");
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	if (pipe(fds) < 0)
		return 1;
	pthread_create(&a, NULL, sleeper, NULL);
	pthread_create(&b, NULL, reader, NULL);
	for (;;) {
		pthread_mutex_lock(&m);
		int ok = asleep;
		pthread_mutex_unlock(&m);
		if (ok && reading)
			break;
		usleep(1000);
	}
	usleep(1000); /* the reader went from its flag into read() */
	printf("cond %p\n", (void *)&never);
	fflush(stdout);
	sleep(1);
	exit(0);
}
