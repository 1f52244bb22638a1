/* lock_hold.c - lock holds of known lengths, for the sampled hold times (docs/dataflow.md
 * "Hold time"). THREADS threads take one shared mutex ROUNDS times each and hold it for
 * 1..4 x UNIT_US (busy, by index k of the acquisition: which holds a sampler times is then
 * visible in the sum), each also takes a private mutex ROUNDS times; a writer and a reader share
 * a rwlock; the main thread takes a marker mutex EVERY + 2 times, holding it 3 ms on its
 * acquisition EVERY (a timed one when one in EVERY is timed) and 30 ms on EVERY + 1 (not
 * timed then). Prints what it measured around its own holds (CLOCK_MONOTONIC, just after the
 * lock returned and just before the unlock) so the test can compare with the report:
 *   shared ADDR holds H all_ns S timed_ns T timed K   (T, K: the holds k with k % EVERY == 0)
 *   private ADDR holds R
 *   rwlock ADDR writes W reads R
 *   marker ADDR holds M
 *   lock_hold THREADS ROUNDS UNIT_US EVERY */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_THREADS 8

static long threads, rounds, unit_ns, every;
static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t priv[MAX_THREADS];
static long priv_count[MAX_THREADS]; /* each under its priv */
static pthread_mutex_t marker = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long shared_count; /* under shared: the index k of the current hold */
static uint64_t *hold_ns; /* under shared: what the program measured for hold k */
static volatile long rw_value;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void busy_until(uint64_t end)
{
	while (now_ns() < end)
		;
}

/* Hold k of the shared mutex lasts 1..4 units, a hash of k (no short period). */
static uint64_t shared_len(long k)
{
	return (uint64_t)unit_ns * (1 + ((uint64_t)k * 2654435761u >> 7) % 4);
}

static void *worker(void *arg)
{
	long t = (long)arg;
	for (long i = 0; i < rounds; i++) {
		pthread_mutex_lock(&shared);
		uint64_t t0 = now_ns();
		long k = shared_count++;
		busy_until(t0 + shared_len(k));
		hold_ns[k] = now_ns() - t0;
		pthread_mutex_unlock(&shared);
		pthread_mutex_lock(&priv[t]);
		priv_count[t]++;
		pthread_mutex_unlock(&priv[t]);
	}
	return NULL;
}

static void *rw_user(void *arg)
{
	for (long i = 0; i < rounds; i++) {
		if (arg) {
			pthread_rwlock_wrlock(&rw);
			rw_value++;
		} else {
			pthread_rwlock_rdlock(&rw);
		}
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		return 2;
	threads = atol(argv[1]);
	rounds = atol(argv[2]);
	unit_ns = atol(argv[3]) * 1000;
	every = atol(argv[4]);
	if (threads < 1 || threads > MAX_THREADS || rounds < 1 || every < 1)
		return 2;
	hold_ns = calloc((size_t)(threads * rounds), sizeof(*hold_ns));
	pthread_t th[MAX_THREADS + 2];
	for (long t = 0; t < threads; t++)
		pthread_mutex_init(&priv[t], NULL);
	for (long t = 0; t < threads; t++)
		pthread_create(&th[t], NULL, worker, (void *)t);
	pthread_create(&th[threads], NULL, rw_user, (void *)1);
	pthread_create(&th[threads + 1], NULL, rw_user, NULL);
	for (long t = 0; t < threads + 2; t++)
		pthread_join(th[t], NULL);
	for (long k = 0; k < every + 2; k++) {
		pthread_mutex_lock(&marker);
		uint64_t t0 = now_ns();
		busy_until(t0 + (k == every ? 3000000u : k == every + 1 ? 30000000u : 0));
		pthread_mutex_unlock(&marker);
	}
	uint64_t all = 0, timed = 0;
	long ntimed = 0;
	for (long k = 0; k < threads * rounds; k++) {
		all += hold_ns[k];
		if (k % every == 0) {
			timed += hold_ns[k];
			ntimed++;
		}
	}
	printf("shared %p holds %ld all_ns %" PRIu64 " timed_ns %" PRIu64 " timed %ld\n",
	       (void *)&shared, threads * rounds, all, timed, ntimed);
	for (long t = 0; t < threads; t++)
		printf("private %p holds %ld\n", (void *)&priv[t], rounds);
	printf("rwlock %p writes %ld reads %ld\n", (void *)&rw, rounds, rounds);
	printf("marker %p holds %ld\n", (void *)&marker, every + 2);
	free(hold_ns);
	return 0;
}
