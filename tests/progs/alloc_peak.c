/* alloc_peak.c - live bytes reach 1 MiB once (a block allocated and freed), then at most
 * 512 KiB. Expected: peak_live_bytes between 1 MiB and 1 MiB + 64 KiB (stdio's buffer and the
 * loader's few blocks), and the 512 KiB block still live at exit, named by the leak hint
 * (hold). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *held;

__attribute__((noinline)) void hold(void)
{
	held = malloc(512 * 1024);
	memset(held, 1, 4096);
}

int main(void)
{
	char *p = malloc(1024 * 1024);
	__asm__ __volatile__("" : : "r"(p) : "memory"); /* keep the pair: GCC may elide it */
	free(p);
	hold();
	printf("done\n");
	return 0;
}
