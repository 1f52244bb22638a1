/* astack_many.c - more distinct allocation stacks than a small stack table holds: a binary
 * recursion 12 deep from two call sites gives 4,096 paths, each ending in leaf(), which
 * allocates and frees 8 bytes. Run with --region-size 4: the stack table fills, later stacks
 * are recorded under a shorter prefix and counted in stacks_dropped; every allocation still
 * counts under some stack (4,096 in all). */
#include <stdlib.h>

__attribute__((noinline)) void leaf(void)
{
	char *volatile p = malloc(8);
	free(p);
}

__attribute__((noinline)) void walk(int depth)
{
	if (!depth) {
		leaf();
		__asm__ __volatile__("" ::: "memory"); /* a call, not a jump: walk(0) is a frame */
		return;
	}
	walk(depth - 1); /* call site 1 */
	__asm__ __volatile__("" ::: "memory");
	walk(depth - 1); /* call site 2 */
	__asm__ __volatile__("" ::: "memory");
}

int main(void)
{
	walk(12);
	return 0;
}
