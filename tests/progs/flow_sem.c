/* flow_sem.c - POSIX semaphore calls with known outcomes, for test_flow.py: 6 acquisitions
 * (sem_wait, sem_trywait, sem_timedwait, sem_clockwait on a posted semaphore; one sem_wait
 * that blocks ~50 ms until another thread posts; one sem_clockwait that blocks after a failed
 * sem_trywait), 2 failures that are no acquisition (sem_trywait's EAGAIN, sem_timedwait's
 * ETIMEDOUT after 20 ms), 6 posts. Prints the semaphore's address and errno checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static sem_t sem;

static void *poster(void *arg)
{
	(void)arg;
	usleep(50000);
	sem_post(&sem);
	usleep(50000);
	sem_post(&sem);
	return NULL;
}

static struct timespec in_ms(clockid_t clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

int main(void)
{
	sem_init(&sem, 0, 0);
	for (int i = 0; i < 4; i++)
		sem_post(&sem);
	sem_wait(&sem);
	sem_trywait(&sem);
	struct timespec ts = in_ms(CLOCK_REALTIME, 1000);
	sem_timedwait(&sem, &ts);
	ts = in_ms(CLOCK_MONOTONIC, 1000);
	sem_clockwait(&sem, CLOCK_MONOTONIC, &ts);
	errno = 0;
	int rc = sem_trywait(&sem);
	printf("trywait empty %d %s\n", rc, errno == EAGAIN ? "EAGAIN" : "?");
	ts = in_ms(CLOCK_REALTIME, 20);
	errno = 0;
	rc = sem_timedwait(&sem, &ts);
	printf("timedwait %d %s\n", rc, errno == ETIMEDOUT ? "ETIMEDOUT" : "?");
	pthread_t t;
	pthread_create(&t, NULL, poster, NULL);
	errno = 1234;
	rc = sem_wait(&sem);
	printf("blocking wait %d errno %d\n", rc, errno);
	ts = in_ms(CLOCK_MONOTONIC, 5000);
	rc = sem_clockwait(&sem, CLOCK_MONOTONIC, &ts);
	pthread_join(t, NULL);
	printf("sem %p clockwait %d\n", (void *)&sem, rc);
	return 0;
}
