/* alloc_xthread.c - blocks allocated on one thread and freed on another: the producer
 * allocates 1000 x 64 bytes in produce(), the consumer frees them all in consume(). Expected:
 * produce 1000 allocations / 64000 B and no frees; consume no allocations and 1000 frees /
 * 64000 B; the producer thread's live bytes +64000, the consumer's -64000; nothing of
 * produce's still live at exit. Prints "moved 1000". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000
static void *slots[N];

__attribute__((noinline)) void produce(void)
{
	for (int i = 0; i < N; i++) {
		slots[i] = malloc(64);
		memset(slots[i], i, 64);
	}
}

__attribute__((noinline)) int consume(void)
{
	int n = 0;
	for (int i = 0; i < N; i++, n++)
		free(slots[i]);
	return n;
}

static void *producer(void *a)
{
	(void)a;
	produce();
	return NULL;
}

static void *consumer(void *a)
{
	*(int *)a = consume();
	return NULL;
}

int main(void)
{
	pthread_t t;
	int moved = 0;
	pthread_create(&t, NULL, producer, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, consumer, &moved);
	pthread_join(t, NULL);
	printf("moved %d\n", moved);
	return 0;
}
