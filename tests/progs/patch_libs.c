/* patch_libs.c - functions of shared libraries, patched by module-qualified patterns
 * (tests/test_patch.py): qsort (libc) 7 calls, compress2 (libz) 3 calls, and with argument
 * LIB a library opened with dlopen after start: its dl_work called 50 times. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int main(int argc, char **argv)
{
	int v[64];
	long sum = 0;
	for (int k = 0; k < 7; k++) {
		for (int i = 0; i < 64; i++)
			v[i] = (i * 37 + k * 11) % 64;
		qsort(v, 64, sizeof(int), cmp);
		sum += v[0] + v[63];
	}
	char text[4096], out[8192];
	for (int i = 0; i < (int)sizeof(text); i++)
		text[i] = "hotpath patches\n"[i % 16];
	unsigned long total = 0;
	for (int k = 0; k < 3; k++) {
		uLongf n = sizeof(out);
		if (compress2((Bytef *)out, &n, (const Bytef *)text, sizeof(text), 6) != Z_OK)
			return 1;
		total += n;
	}
	printf("qsort sum=%ld compressed=%lu\n", sum, total);
	if (argc > 1) {
		void *h = dlopen(argv[1], RTLD_NOW);
		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 2;
		}
		int (*work)(int) = (int (*)(int))dlsym(h, "dl_work");
		long s = 0;
		for (int i = 0; i < 50; i++)
			s += work(i);
		printf("dl_work sum=%ld\n", s);
	}
	return 0;
}
