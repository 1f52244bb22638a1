/* libc_stubs.h - stand-ins for the preload/libc.c helpers that preload/patch_syms.c calls, for
 * the test programs that link patch_syms.c outside libhotpath.so (unit test and fuzzer). */
#ifndef HP_LIBC_STUBS_H
#define HP_LIBC_STUBS_H

#include <string.h>

size_t hp_strlen(const char *s)
{
	return strlen(s);
}

int hp_strncmp(const char *a, const char *b, size_t n)
{
	return strncmp(a, b, n);
}

void hp_memcpy(void *d, const void *s, size_t n)
{
	memcpy(d, s, n);
}

size_t hp_strlcpy(char *d, const char *s, size_t n)
{
	size_t l = strlen(s);
	if (n) {
		size_t c = l < n - 1 ? l : n - 1;
		memcpy(d, s, c);
		d[c] = 0;
	}
	return l;
}

#endif
