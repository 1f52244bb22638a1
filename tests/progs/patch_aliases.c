/* patch_aliases.c - calls libc functions that have aliases or versioned names at the same
 * address (free/cfree, strtol/strtoimax, open64/open, fopen@@GLIBC_2.2.5), for test_patch.py:
 * 10 x (malloc + free, strtol, open + close), then fopen + fclose. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	long s = 0;
	for (int i = 0; i < 10; i++) {
		void *volatile p = malloc(10);
		free(p);
		s += strtol("12", 0, 10);
		int fd = open("/dev/null", O_RDONLY);
		close(fd);
	}
	FILE *f = fopen("/dev/null", "r");
	fclose(f);
	return s == 120 ? 0 : 1;
}
