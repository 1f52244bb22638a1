/* jumps.c - longjmp and siglongjmp: drop the shadow-stack frames the jump leaves, before it
 * happens, so that the calls made after it have the right callers in the call tree.
 *
 * A frame records the address of the hook's own frame (instrumented calls: %rsp of the
 * function's body - 16) or its return slot - 16 (patched calls). The jump returns to the
 * setjmp caller's body with %rsp = the saved one (S): that caller's frame records >= S - 16,
 * and every frame called from it records <= S - 24 (a call pushes 8 bytes and the stack stays
 * 16-byte aligned). So the frames recording less than S - 16 are the ones left. An unknown
 * jmp_buf layout only makes us drop nothing: the exit hooks re-synchronise as before. */
#include <setjmp.h>
#include <stdlib.h>

#include "internal.h"
#include "arch/arch.h"

static void before_jump(const void *env)
{
	if (hp_tls.guard || !hp_tls.ts)
		return;
	uint64_t sp = hp_arch_jmpbuf_sp(env);
	hp_funcs_drop_below(sp - 16, hp_ticks());
}

/* The real function never returns (HP_NEXT aborts when there is none). */
#define JUMP_WRAPPER(name)                                                                         \
	HP_NEXT_DECL(void, name, (struct __jmp_buf_tag *, int));                                   \
	HP_EXPORT __attribute__((noreturn)) void name(struct __jmp_buf_tag env[1], int val)        \
	{                                                                                          \
		void (*real)(struct __jmp_buf_tag *, int) = HP_NEXT(name);                         \
		before_jump(env);                                                                  \
		real(env, val);                                                                    \
		abort();                                                                           \
	}

JUMP_WRAPPER(longjmp)
JUMP_WRAPPER(_longjmp)
JUMP_WRAPPER(siglongjmp)
JUMP_WRAPPER(__longjmp_chk)
