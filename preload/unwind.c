/* unwind.c - walking the stack of a signalled thread with libunwind (DWARF CFI, so -O2 code
 * without frame pointers unwinds), for the CPU sampler and later the allocation stacks.
 *
 * libunwind.so.8 is opened with RTLD_LOCAL rather than linked: it exports _Unwind_Backtrace,
 * _Unwind_RaiseException and backtrace, and a preloaded library's dependencies join the
 * global scope, where they could take the place of libgcc_s's in the program. Its per-thread
 * caching is on (UNW_CACHE_PER_THREAD: no global lock in the handler), and every thread warms
 * its cache before its first signal, because libunwind sets up that cache on first use. */
#include <dlfcn.h>
#include <libunwind.h>

#include "internal.h"
#include "stacks.h"

static int (*u_backtrace)(void **, int);
static int (*u_init_local2)(unw_cursor_t *, unw_context_t *, int);
static int (*u_step)(unw_cursor_t *);
static int (*u_get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);

/* Non-zero while this thread is inside libunwind (a handler that interrupts it must not enter
 * libunwind again: its per-thread cache is mid-update). */
static __thread uint32_t unwinding __attribute__((tls_model("initial-exec")));

int hp_unwind_init(void)
{
	/* Our own dlopen hook passes through: we hold the guard (the constructor). */
	void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		hp_debug("libunwind.so.8: %s", dlerror());
		return -1;
	}
	u_backtrace = (int (*)(void **, int))dlsym(h, "unw_backtrace");
	u_init_local2 = (int (*)(unw_cursor_t *, unw_context_t *, int))dlsym(h, "_ULx86_64_init_local2");
	u_step = (int (*)(unw_cursor_t *))dlsym(h, "_ULx86_64_step");
	u_get_reg = (int (*)(unw_cursor_t *, unw_regnum_t, unw_word_t *))dlsym(h, "_ULx86_64_get_reg");
	int (*set_caching)(unw_addr_space_t, unw_caching_policy_t) =
		(int (*)(unw_addr_space_t, unw_caching_policy_t))dlsym(h, "_ULx86_64_set_caching_policy");
	unw_addr_space_t *local = dlsym(h, "_ULx86_64_local_addr_space");
	if (!u_backtrace || !u_init_local2 || !u_step || !u_get_reg || !set_caching || !local) {
		hp_debug("libunwind.so.8 lacks the functions we use");
		u_backtrace = NULL;
		return -1;
	}
	set_caching(*local, UNW_CACHE_PER_THREAD);
	hp_unwind_thread_init();
	return 0;
}

void hp_unwind_thread_init(void)
{
	void *buf[8];
	if (!u_backtrace)
		return;
	unwinding++;
	u_backtrace(buf, 8);
	unwinding--;
}

/* Frames of the handler's own caller chain up to the signal frame are dropped: the walk
 * starts at the signal's ucontext with UNW_INIT_SIGNAL_FRAME (the PC is exact, not a return
 * address). Innermost first into `tmp`. */
static uint32_t walk(ucontext_t *uc, uint64_t *tmp, uint32_t max, uint16_t *flags)
{
	unw_cursor_t c;
	uint32_t n = 0;
	if (u_init_local2(&c, uc, UNW_INIT_SIGNAL_FRAME) < 0)
		return 0;
	for (;;) {
		unw_word_t ip = 0;
		if (u_get_reg(&c, UNW_REG_IP, &ip) < 0 || !ip)
			break;
		if (n == max) {
			*flags |= HP_STACK_TRUNCATED;
			break;
		}
		tmp[n] = n ? ip - 1 : ip;
		n++;
		int r = u_step(&c);
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
	uint64_t pc = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	uint32_t n = 0;
	*flags = 0;
	if (max > HP_STACK_DEPTH_MAX)
		max = HP_STACK_DEPTH_MAX;
	if (!max)
		return 0;
	if (u_backtrace && !unwinding) {
		unwinding++;
		n = walk(uc, tmp, max, flags);
		unwinding--;
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
