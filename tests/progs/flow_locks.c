/* flow_locks.c - 4 threads fight over one mutex and each also takes a private one; then two
 * threads play ping-pong with a condition variable; then 2 readers and a writer share a rwlock
 * and 2 threads a spin lock (1000 acquisitions each). Prints the addresses of the locks and the
 * waits and signals it made, so the test can match the report exactly.
 *   flow_locks ROUNDS PINGS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4

static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t priv[THREADS];
static unsigned long priv_counter[THREADS]; /* each under its own private mutex */
static long rounds, pings;
static volatile unsigned long counter;		      /* under `shared` */
static volatile unsigned long rw_value, spin_counter; /* under rw (written), spin */
static __thread unsigned long rw_seen;

static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int turn;
static long waits, signals;

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;

static void *rw_user(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		if (arg) {
			pthread_rwlock_wrlock(&rw);
			rw_value++;
		} else {
			pthread_rwlock_rdlock(&rw);
			rw_seen += rw_value > 0; /* readers only read what the lock guards */
		}
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *spinner(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		pthread_spin_lock(&spin);
		spin_counter++;
		pthread_spin_unlock(&spin);
	}
	return arg;
}

static void *fighter(void *arg)
{
	long id = (long)arg;
	for (long i = 0; i < rounds; i++) {
		pthread_mutex_lock(&shared);
		for (int k = 0; k < 200; k++)
			counter++;
		pthread_mutex_unlock(&shared);
		pthread_mutex_lock(&priv[id]);
		priv_counter[id]++;
		pthread_mutex_unlock(&priv[id]);
	}
	return NULL;
}

static void *player(void *arg)
{
	int me = (int)(long)arg;
	for (long i = 0; i < pings; i++) {
		pthread_mutex_lock(&pp_lock);
		while (turn != me) {
			waits++; /* under pp_lock: both players count into one total */
			pthread_cond_wait(&pp_cond, &pp_lock);
		}
		turn = !me;
		signals++;
		pthread_cond_signal(&pp_cond);
		pthread_mutex_unlock(&pp_lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	rounds = argc > 1 ? atol(argv[1]) : 20000;
	pings = argc > 2 ? atol(argv[2]) : 1000;
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++) {
		pthread_mutex_init(&priv[i], NULL);
		pthread_create(&t[i], NULL, fighter, (void *)i);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_create(&t[0], NULL, player, (void *)0L);
	pthread_create(&t[1], NULL, player, (void *)1L);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_create(&t[0], NULL, rw_user, NULL);
	pthread_create(&t[1], NULL, rw_user, NULL);
	pthread_create(&t[2], NULL, rw_user, (void *)1L);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	pthread_create(&t[0], NULL, spinner, NULL);
	pthread_create(&t[1], NULL, spinner, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("rwlock %p spin %p\n", (void *)&rw, (void *)&spin);
	printf("shared %p\n", (void *)&shared);
	for (int i = 0; i < THREADS; i++)
		printf("private %p\n", (void *)&priv[i]);
	printf("cond %p waits %ld signals %ld\n", (void *)&pp_cond, waits, signals);
	return 0;
}
