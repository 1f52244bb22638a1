/* x86_64_stubs.c - the two stubs every patched call goes through (the trampoline that calls
 * them is described in arch.h).
 *
 * hp_arch_entry: called by a trampoline's entry (`call *common`), so (%rsp) is the address
 * after that call in the trampoline and 8(%rsp) the caller's return address. Saves every
 * call-clobbered register our C code may change (all GPRs, and xmm0-1, see SAVE_XMM: callers
 * built with -fipa-ra rely on registers the callee does not touch), calls
 * hp_patch_enter(ret, slot), sets ZF when the call is not to be timed, restores
 * everything (flags survive: mov/lea/pop/ret leave them) and returns to the trampoline.
 *
 * hp_arch_exit_stub: jumped to from the trampoline's `back` after the function returned
 * there, with %rsp one above the function's return address slot. Saves the same registers,
 * calls hp_patch_exit(slot) for the caller's return address, puts it back in the slot and
 * returns through it. %st(0..7), the upper halves of ymm/zmm and the AVX-512 registers are
 * not touched by our C code (no x87, legacy SSE encodings only). */
#include <stdint.h>

#include "arch.h"

#define SAVE_GPRS                                                                                  \
	"	push %rax\n	push %rcx\n	push %rdx\n	push %rsi\n	push %rdi\n"                             \
	"	push %r8\n	push %r9\n	push %r10\n	push %r11\n"
#define RESTORE_GPRS                                                                               \
	"	pop %r11\n	pop %r10\n	pop %r9\n	pop %r8\n	pop %rdi\n"                                    \
	"	pop %rsi\n	pop %rdx\n	pop %rcx\n	pop %rax\n"
/* xmm0 and xmm1 only: they are all that hotpath's C code on these paths uses (results of
 * the function in the exit stub, and the compiler's 16-byte copies in funcs.c). Saving
 * xmm2-15 as well cost ~12 ns per call; tests/test_patch.py
 * (test_patch_stubs_cover_the_registers_c_uses) disassembles everything the stubs call and
 * fails when other vector registers appear, so a compiler or code change cannot break the
 * callers silently. */
#define SAVE_XMM "	movups %xmm0, 0(%rsp)\n	movups %xmm1, 16(%rsp)\n"
#define RESTORE_XMM "	movups 0(%rsp), %xmm0\n	movups 16(%rsp), %xmm1\n"

__asm__(".text\n"
	".globl hp_arch_entry\n"
	".hidden hp_arch_entry\n"
	".type hp_arch_entry, @function\n"
	".p2align 4\n"
	"hp_arch_entry:\n"
	"	endbr64\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n" /* 8(%rbp): resume[], 16(%rbp): the caller's return address */
	SAVE_GPRS "	and $-16, %rsp\n" /* whatever the caller's alignment was */
	"	sub $32, %rsp\n" SAVE_XMM
	"	mov 8(%rbp), %rdi\n" /* the trampoline's entry + 6 */
	"	lea 16(%rbp), %rsi\n"
	"	call hp_patch_enter\n"
	"	test %eax, %eax\n" /* ZF for the trampoline's jz: nothing below changes flags */
	RESTORE_XMM "	lea -72(%rbp), %rsp\n" RESTORE_GPRS "	pop %rbp\n"
	"	ret\n"
	".size hp_arch_entry, .-hp_arch_entry\n"
	"\n"
	".globl hp_arch_exit_stub\n"
	".hidden hp_arch_exit_stub\n"
	".type hp_arch_exit_stub, @function\n"
	".p2align 4\n"
	"hp_arch_exit_stub:\n"
	"	endbr64\n"
	"	sub $8, %rsp\n" /* the function's slot again: becomes the real return address */
	"	push %rbp\n"
	"	mov %rsp, %rbp\n" /* 8(%rbp): that slot */
	SAVE_GPRS "	and $-16, %rsp\n"
	"	sub $32, %rsp\n" SAVE_XMM "	lea 8(%rbp), %rdi\n" /* the slot */
	"	call hp_patch_exit\n"
	"	mov %rax, 8(%rbp)\n" RESTORE_XMM "	lea -72(%rbp), %rsp\n" RESTORE_GPRS
	"	pop %rbp\n"
	"	ret\n" /* pairs with the caller's call: predicted */
	".size hp_arch_exit_stub, .-hp_arch_exit_stub\n");
