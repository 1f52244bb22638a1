/* scale_funcs.c - more distinct functions on one thread than its first caches hold (issue 13).
 *
 * scale_funcs N CALLS [AGAIN]: calls the -finstrument-functions hooks directly for N made-up
 * function addresses (0x10000000 + 16 i: no module has them, readers name them by address), each
 * entered and left CALLS times, one after another; then the first AGAIN of them once more (found
 * again after the caches grew). Built without -finstrument-functions, so these are the only
 * calls: expected CALLS + 1 calls for the first AGAIN functions, CALLS for the others. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void __cyg_profile_func_enter(void *fn, void *site);
void __cyg_profile_func_exit(void *fn, void *site);

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4)
		return 2;
	long n = atol(argv[1]), calls = atol(argv[2]), again = argc > 3 ? atol(argv[3]) : 0;
	for (long c = 0; c <= calls; c++)
		for (long i = 0; i < (c < calls ? n : again); i++) {
			void *fn = (void *)(uintptr_t)(0x10000000u + 16u * (uint64_t)i);
			__cyg_profile_func_enter(fn, NULL);
			__cyg_profile_func_exit(fn, NULL);
		}
	printf("functions=%ld calls=%ld\n", n, calls);
	return 0;
}
