/* tree_shapes.c MODE - call trees of awkward shapes (tests/test_tree.py):
 *   recurse  deep(10000): direct recursion 10,000 deep under main; then ping/pong mutual
 *            recursion 200 deep (400 frames)
 *   threads  two threads with different start routines: left -> leaf x100, right -> leaf x50
 *   longjmp  main -> jump_from x20; each: one -> two -> three -> leaf, then longjmp out of
 *            the three frames back to main; then after x7 under main
 *   fork     main -> before; fork; the child: child_work -> leaf x40; parent: parent_work
 *   wide     main -> fan x1 -> 64 distinct functions f0..f63, each -> leaf (for a small
 *            node table: HOTPATH_TREE_NODES) */
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long sink;
static jmp_buf jb;

__attribute__((noinline)) void leaf(void)
{
	sink++;
}

__attribute__((noinline)) long deep(int n)
{
	if (n <= 1)
		return 1;
	return deep(n - 1) + 1;
}

long pong(int n);
__attribute__((noinline)) long ping(int n)
{
	return n ? pong(n - 1) + 1 : 0;
}
__attribute__((noinline)) long pong(int n)
{
	return n ? ping(n - 1) + 1 : 0;
}

__attribute__((noinline)) void *left(void *arg)
{
	for (int i = 0; i < 100; i++)
		leaf();
	return arg;
}

__attribute__((noinline)) void *right(void *arg)
{
	for (int i = 0; i < 50; i++)
		leaf();
	return arg;
}

__attribute__((noinline)) void three(int i)
{
	leaf();
	longjmp(jb, i + 1);
}
__attribute__((noinline)) void two(int i)
{
	three(i);
	leaf();
}
__attribute__((noinline)) void one(int i)
{
	two(i);
	leaf();
}
__attribute__((noinline)) void jump_from(int i)
{
	if (setjmp(jb) == 0)
		one(i);
}
__attribute__((noinline)) void after(void)
{
	leaf();
}

__attribute__((noinline)) void before(void)
{
	leaf();
}
__attribute__((noinline)) void child_work(void)
{
	for (int i = 0; i < 40; i++)
		leaf();
}
__attribute__((noinline)) void parent_work(void)
{
	leaf();
}

#define F(n)                                                                                       \
	__attribute__((noinline)) void f##n(void)                                                  \
	{                                                                                          \
		leaf();                                                                            \
	}
#define F8(n) F(n##0) F(n##1) F(n##2) F(n##3) F(n##4) F(n##5) F(n##6) F(n##7)
F8(1)
F8(2)
F8(3)
F8(4)
F8(5)
F8(6)
F8(7)
F8(8)
#define C8(n)                                                                                      \
	f##n##0();                                                                                 \
	f##n##1();                                                                                 \
	f##n##2();                                                                                 \
	f##n##3();                                                                                 \
	f##n##4();                                                                                 \
	f##n##5();                                                                                 \
	f##n##6();                                                                                 \
	f##n##7();
__attribute__((noinline)) void fan(void)
{
	C8(1) C8(2) C8(3) C8(4) C8(5) C8(6) C8(7) C8(8)
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "recurse")) {
		printf("%ld %ld\n", deep(10000), ping(400));
	} else if (!strcmp(mode, "threads")) {
		pthread_t t[2];
		pthread_create(&t[0], NULL, left, NULL);
		pthread_create(&t[1], NULL, right, NULL);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
	} else if (!strcmp(mode, "longjmp")) {
		for (int i = 0; i < 20; i++)
			jump_from(i);
		for (int i = 0; i < 7; i++)
			after();
	} else if (!strcmp(mode, "fork")) {
		before();
		fflush(stdout);
		pid_t p = fork();
		if (p == 0) {
			child_work();
			return 0;
		}
		parent_work();
		waitpid(p, NULL, 0);
	} else if (!strcmp(mode, "wide")) {
		fan();
	}
	return 0;
}
