/* stacks.h - the stack table (stacks.c) and the unwinder (unwind.c), shared by the CPU sampler
 * and the allocation hooks. Layout: include/hp/region.h (struct hp_stack_rec), docs/region.md.
 */
#ifndef HP_STACKS_H
#define HP_STACKS_H

#include <stdint.h>

/* Intern `n` frames, OUTERMOST FIRST (frames[n - 1] is the innermost), into the region's stack
 * table and return the stack id (a row of HP_T_STACKS). Stacks deeper than HP_STACK_DEPTH_MAX
 * keep their first HP_STACK_DEPTH_MAX frames. `flags` (HP_STACK_*) are stored with a new row.
 * Never fails: when the table is full the longest known prefix of the stack is returned
 * (counted in hp_region_header.stacks_folded), and id 0, the empty stack, when none is known.
 * Lock-free and allocation-free: safe in a signal handler (`from_signal`). */
uint32_t hp_stack_intern(const uint64_t *frames, uint32_t n, uint16_t flags, int from_signal);
/* The same, and *folded says whether the stack was recorded shorter than asked (table full). */
uint32_t hp_stack_intern_folded(const uint64_t *frames, uint32_t n, uint16_t flags, int *folded);

/* unwind.c: libunwind. hp_unwind_init once at start-up (0, or -1 when it cannot be used);
 * hp_unwind_thread_init on every thread before its first signal (libunwind sets up its
 * per-thread cache on first use). */
int hp_unwind_init(void);
void hp_unwind_thread_init(void);

/* The stack interrupted by a signal, from the handler's ucontext: up to `max` frames,
 * OUTERMOST FIRST, the innermost being the interrupted PC and the others return addresses
 * minus one. Returns the depth (at least 1 when the PC is known); *flags gets HP_STACK_*.
 * Async-signal-safe once hp_unwind_thread_init ran on this thread; re-entry on one thread
 * (a signal while this thread unwinds) returns the PC alone. */
uint32_t hp_unwind_signal(void *ucontext, uint64_t *frames, uint32_t max, uint16_t *flags);

/* The stack of the frame that called one of our hooks (alloc_stacks.c): that frame returns to
 * `ra` and its stack pointer is `sp` (the hook's canonical frame address). Up to `max` frames,
 * INNERMOST FIRST: ras[i] is the return address into frame i (ras[0] == ra) and sps[i] that
 * frame's stack pointer. Returns the depth, at least 1 (`ra` alone, HP_STACK_CUT, when
 * libunwind is not set up or this thread is already inside it: a signal handler's allocation
 * during an unwind). Not for signal handlers of ours; keeps errno. */
uint32_t hp_unwind_caller(uint64_t ra, uint64_t sp, uint64_t *ras, uint64_t *sps, uint32_t max,
			  uint16_t *flags);

#endif
