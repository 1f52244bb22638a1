/* live_funcs.c - a live process with many functions, for the console (issue 13).
 *
 * live_funcs N SECONDS: calls the -finstrument-functions hooks directly for N made-up function
 * addresses (0x10000000 + 16 i, named by address), each once, then calls the first 10 again
 * every millisecond until SECONDS have passed. Built without -finstrument-functions. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

void __cyg_profile_func_enter(void *fn, void *site);
void __cyg_profile_func_exit(void *fn, void *site);

static void call(long i)
{
	void *fn = (void *)(uintptr_t)(0x10000000u + 16u * (uint64_t)i);
	__cyg_profile_func_enter(fn, NULL);
	__cyg_profile_func_exit(fn, NULL);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	long n = atol(argv[1]);
	time_t end = time(NULL) + atol(argv[2]);
	for (long i = 0; i < n; i++)
		call(i);
	while (time(NULL) < end) {
		for (long i = 0; i < 10 && i < n; i++)
			call(i);
		usleep(1000);
	}
	return 0;
}
