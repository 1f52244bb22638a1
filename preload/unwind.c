/* unwind.c - walking the stack of a signalled thread with libunwind (DWARF CFI, so -O2 code
 * without frame pointers unwinds), for the CPU sampler and later the allocation stacks.
 *
 * libunwind is linked (DT_NEEDED), not opened with dlopen: the loader maps it before the
 * program starts, so it costs no malloc of the program's, and its thread-local caches live in
 * the static TLS block (a dlopen'd library's TLS is allocated with malloc on a thread's first
 * access, which could be in the signal handler). Its per-thread caching is on
 * (UNW_CACHE_PER_THREAD: no global lock in the handler), and every thread warms its cache
 * before its first signal, because libunwind sets up that cache on first use (mmap). The price:
 * libunwind.so.8 exports _Unwind_* and joins the global scope after the program's own
 * libraries (libgcc_s stays first for a program that links it); docs/cpu.md. */
#define UNW_LOCAL_ONLY /* the _UL* (local-only, faster) entry points */
#include <libunwind.h>

#include "internal.h"
#include "stacks.h"

static int ready;

/* Non-zero while this thread is inside libunwind (a handler that interrupts it must not enter
 * libunwind again: its per-thread cache is mid-update). */
static __thread uint32_t unwinding __attribute__((tls_model("initial-exec")));

int hp_unwind_init(void)
{
	if (ready)
		return 0;
	hp_tls.guard++;
	int rc = unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	hp_tls.guard--;
	if (rc < 0)
		return -1;
	ready = 1;
	hp_unwind_thread_init();
	return 0;
}

/* Walk a few frames of our own stack, by the same path as the handler (unw_init_local +
 * unw_step, not unw_backtrace: that one would also set up a second cache with a thread-exit
 * destructor that takes libunwind's locks). */
void hp_unwind_thread_init(void)
{
	unw_context_t ctx;
	unw_cursor_t c;
	if (!ready)
		return;
	hp_tls.guard++; /* libunwind's own locks and I/O are not the program's */
	unwinding++;
	if (unw_getcontext(&ctx) == 0 && unw_init_local(&c, &ctx) == 0)
		unw_step(&c);
	unwinding--;
	hp_tls.guard--;
}

/* Frames of the handler's own caller chain up to the signal frame are dropped: the walk
 * starts at the signal's ucontext with UNW_INIT_SIGNAL_FRAME (the PC is exact, not a return
 * address). Innermost first into `tmp`. */
static uint32_t walk(ucontext_t *uc, uint64_t *tmp, uint32_t max, uint16_t *flags)
{
	unw_cursor_t c;
	uint32_t n = 0;
	if (unw_init_local2(&c, uc, UNW_INIT_SIGNAL_FRAME) < 0)
		return 0;
	for (;;) {
		unw_word_t ip = 0;
		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || !ip)
			break;
		if (n == max) {
			*flags |= HP_STACK_TRUNCATED;
			break;
		}
		tmp[n] = n ? ip - 1 : ip;
		n++;
		int r = unw_step(&c);
		if (r <= 0) {
			if (r < 0)
				*flags |= HP_STACK_CUT;
			break;
		}
	}
	return n;
}

uint32_t hp_unwind_signal(void *ucontext, uint64_t *frames, uint32_t max, uint16_t *flags)
{
	ucontext_t *uc = ucontext;
	uint64_t tmp[HP_STACK_DEPTH_MAX];
	uint64_t pc = hp_arch_ucontext_pc(uc);
	uint32_t n = 0;
	*flags = 0;
	if (max > HP_STACK_DEPTH_MAX)
		max = HP_STACK_DEPTH_MAX;
	if (!max)
		return 0;
	if (ready && !unwinding) {
		hp_tls.guard++;
		unwinding++;
		n = walk(uc, tmp, max, flags);
		unwinding--;
		hp_tls.guard--;
	}
	if (!n) {
		tmp[0] = pc;
		n = 1;
		*flags |= HP_STACK_CUT;
	}
	for (uint32_t i = 0; i < n; i++)
		frames[i] = tmp[n - 1 - i];
	return n;
}

/* From the cursor at the hook's caller: frames innermost first, each with the stack pointer of
 * its frame. */
static uint32_t walk_caller(unw_cursor_t *c, uint64_t *ras, uint64_t *sps, uint32_t max,
			    uint16_t *flags)
{
	uint32_t n = 0;
	for (;;) {
		unw_word_t ip = 0, sp = 0;
		if (unw_get_reg(c, UNW_REG_IP, &ip) < 0 || !ip ||
		    unw_get_reg(c, UNW_REG_SP, &sp) < 0)
			break;
		if (n == max) {
			*flags |= HP_STACK_TRUNCATED;
			break;
		}
		ras[n] = ip;
		sps[n] = sp;
		n++;
		int r = unw_step(c);
		if (r <= 0) {
			if (r < 0)
				*flags |= HP_STACK_CUT;
			break;
		}
	}
	return n;
}

uint32_t hp_unwind_caller(uint64_t ra, uint64_t sp, uint64_t *ras, uint64_t *sps, uint32_t max,
			  uint16_t *flags)
{
	unw_context_t ctx;
	unw_cursor_t c;
	uint32_t n = 0;
	*flags = 0;
	if (max > HP_STACK_DEPTH_MAX)
		max = HP_STACK_DEPTH_MAX;
	if (!max)
		return 0;
	if (ready && !unwinding) {
		struct hp_own own = hp_own_begin(); /* libunwind's calls are not the program's */
		unwinding++;
		if (unw_getcontext(&ctx) == 0 && unw_init_local(&c, &ctx) == 0) {
			/* Our own frames first (this one, the hook's): step until the caller's. */
			for (int skip = 0; skip < 8; skip++) {
				unw_word_t ip = 0, s = 0;
				unw_get_reg(&c, UNW_REG_IP, &ip);
				unw_get_reg(&c, UNW_REG_SP, &s);
				if (ip == ra && s == sp) {
					n = walk_caller(&c, ras, sps, max, flags);
					break;
				}
				if (unw_step(&c) <= 0)
					break;
			}
		}
		unwinding--;
		hp_own_end(own);
	}
	if (!n) {
		ras[0] = ra;
		sps[0] = sp;
		n = 1;
		*flags |= HP_STACK_CUT;
	}
	return n;
}
