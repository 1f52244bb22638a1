/* alloc_dlopen.c - dlopen libz (the loader allocates for it), call into it, dlclose; prints
 * the zlib version's major digit. The program must behave as without hotpath. */
#include <dlfcn.h>
#include <stdio.h>

int main(void)
{
	void *h = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("no libz: %s\n", dlerror());
		return 2;
	}
	const char *(*ver)(void) = (const char *(*)(void))dlsym(h, "zlibVersion");
	printf("zlib %c\n", ver ? ver()[0] : '?');
	dlclose(h);
	void *bad = dlopen("libdoes-not-exist.so", RTLD_NOW);
	printf("missing: %s\n", bad ? "found" : "not found");
	return 0;
}
