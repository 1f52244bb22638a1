/* dl_swap.c - dlopen argv[1], call its work function 3 times, dlclose it; dlopen argv[2] (same
 * layout), call its work function 5 times. Prints "same base" when the second library was
 * loaded where the first one was (else "other base": the test cannot check the swap). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

typedef int (*work_fn)(int);

static void *base_of(void *fn)
{
	Dl_info di;
	return dladdr(fn, &di) ? di.dli_fbase : NULL;
}

static int run(const char *path, int times, void **base)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return -1;
	}
	void *(*entry)(void) = (void *(*)(void))dlsym(h, "entry");
	work_fn f = (work_fn)entry();
	int v = 0;
	for (int i = 0; i < times; i++)
		v += f(i);
	*base = base_of((void *)f);
	if (times == 3)
		dlclose(h);
	return v;
}

int main(int argc, char **argv)
{
	void *a, *b;
	if (argc < 3 || run(argv[1], 3, &a) < 0 || run(argv[2], 5, &b) < 0)
		return 1;
	printf("%s\n", a == b ? "same base" : "other base");
	return 0;
}
