/* patch_maps.c - whether the disassembler is loaded in the process (tests/test_patch.py):
 * m_one and m_two called 10 times each, then "decoder: yes/no" from /proc/self/maps; with
 * argument LIB, that library opened with dlopen, its dl_work called 5 times, and the same
 * line again. `hotpath run` analyses the executable before it starts, so its functions need no
 * decoder in the process; a library opened later does. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) int m_one(int x)
{
	return x * 7 + 3;
}

__attribute__((noinline)) int m_two(int x)
{
	return m_one(x) ^ 0x55;
}

static const char *decoder_mapped(void)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return "unknown";
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, "libcapstone") != NULL;
	fclose(f);
	return found ? "yes" : "no";
}

int main(int argc, char **argv)
{
	long s = 0;
	for (int i = 0; i < 10; i++)
		s += m_two(i);
	printf("sum %ld decoder: %s\n", s, decoder_mapped());
	if (argc > 1) {
		void *h = dlopen(argv[1], RTLD_NOW);
		int (*work)(int) = h ? (int (*)(int))dlsym(h, "dl_work") : NULL;
		if (!work) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		for (int i = 0; i < 5; i++)
			s += work(i);
		printf("sum %ld decoder: %s\n", s, decoder_mapped());
	}
	return 0;
}
