/* patch_maps.c - whether the disassembler is loaded in the process (tests/test_patch.py):
 * m_one and m_two called 10 times each, then "decoder: yes/no" from /proc/self/maps; with
 * argument LIB, that library opened with dlopen, its dl_work called 5 times, and the same
 * line again. `hotpath run` analyses the executable before it starts, so its functions need no
 * decoder in the process; a library opened later does. With COPY_PLAN_TO set, the launcher's
 * plan file (HOTPATH_PATCH_PLAN) is first copied there, mode 0600, for a run without it. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

static void copy_plan(const char *to)
{
	const char *from = getenv("HOTPATH_PATCH_PLAN");
	FILE *in = from ? fopen(from, "rb") : NULL;
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
	char buf[4096];
	size_t n;
	if (!in || !out) {
		fprintf(stderr, "copy_plan: %s -> %s failed\n", from ? from : "(no plan)", to);
		exit(1);
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
}

int main(int argc, char **argv)
{
	long s = 0;
	if (getenv("COPY_PLAN_TO"))
		copy_plan(getenv("COPY_PLAN_TO"));
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
