/* arch.h - the architecture layer: what every architecture provides, and the choice of one. It
 * only chooses; preload/arch/<arch>.h, <arch>.c and <arch>_stubs.c implement. Nothing outside
 * preload/arch/ knows an instruction, an encoding or a register: the rest of the library and
 * the readers go through the names below (the Makefile builds preload/arch/$(ARCH)*.c).
 *
 * Every <arch>.h defines, as inline functions or constants:
 *   hp_arch_ticks()           the tick source of every timestamp in the region (docs/region.md:
 *                             readers convert ticks to ns with the calibration pairs)
 *   hp_arch_cpu_relax()       the pause inside a spin-wait
 *   hp_arch_add_local(p, v)   *p += v in one instruction: atomic with respect to a signal
 *                             handler on the same thread (not to other threads)
 *   hp_arch_ucontext_pc(uc)   the interrupted program counter of a signal's ucontext_t
 *   hp_arch_frame_cfa(fa)     a library function's caller's stack pointer after the return,
 *                             from the function's __builtin_frame_address(0)
 *   hp_arch_ra_slot(sp)       where the return address into a frame whose stack pointer is sp
 *                             was stored by the call (alloc_stacks.c's cache checks it)
 *   HP_ARCH_GLIBC_BASE        glibc's first symbol version on this architecture (locks.c
 *                             reaches glibc's own lock functions through it before start-up)
 *   HP_ARCH_GLIBC_COND        the version of pthread_cond_* with today's object layout
 *   HP_ARCH_NAME              the architecture's name in messages ("x86-64")
 *   HP_ARCH_ELF_MACHINE       e_machine of the programs `hotpath run` accepts
 *   HP_ARCH_LD_SO             the dynamic loader (`hotpath list-functions` asks it --list)
 *   HP_ARCH_LIB_DIRS          the multiarch library folders, a comma-separated list of strings
 *   HP_ARCH_JUMP_LEN          bytes of the jump written at a patched function's entry
 *   HP_ARCH_JUMP_REACH        how far from its function a trampoline may lie
 *   HP_ARCH_FILL_BYTE         fills the patched bytes behind the jump (a trap)
 *   HP_ARCH_RELOC_MAX         room for the relocated displaced instructions + the jump back
 *   struct hp_tramp           one trampoline, with at least the fields
 *                               uint64_t fn      the function's address (its identity)
 *                               uint64_t common  address of hp_arch_entry
 *                               uint64_t exit    address of hp_arch_exit_stub
 *                               uint8_t entry[]  the entry stub (filled by hp_arch_tramp_init)
 *                               uint8_t resume[HP_ARCH_RELOC_MAX]  the displaced instructions
 *   hp_arch_tramp_of(ret)     the trampoline whose entry called hp_arch_entry and returns to ret
 *   hp_arch_tramp_back(t)     what a timed call's return-address slot holds while it runs
 *   hp_arch_jmpbuf_sp(env)    the stack pointer a glibc jmp_buf returns to (preload/jumps.c
 *                             drops the shadow frames a longjmp leaves below it)
 * and <arch>.c / <arch>_stubs.c the functions declared below. docs/patching.md describes the
 * x86-64 layer. */
#ifndef HP_ARCH_H
#define HP_ARCH_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)
#include "x86_64.h"
#else
#error "hotpath: no architecture layer for this target: preload/arch/ has x86_64 only (see arch.h)"
#endif

/* A 4-byte field of a plan's code that depends on where the function and its trampoline lie:
 * hp_arch_rebase rewrites it for another pair of addresses, so a plan made by the launcher
 * (for the file's addresses) serves the process without a decoder. */
struct hp_arch_fix {
	uint8_t kind;  /* HP_ARCH_FIX_* */
	uint8_t field; /* offset of the field in code[] */
	uint8_t end;   /* REL32: the offset in code[] its displacement counts from */
	uint8_t reserved[5];
	int64_t delta; /* the address it refers to, minus the function's address */
};
enum {
	HP_ARCH_FIX_REL32 = 1, /* field = (addr + delta) - (dest + end) */
	HP_ARCH_FIX_ABS_LO32,  /* field = low half of addr + delta */
	HP_ARCH_FIX_ABS_HI32,  /* field = high half of addr + delta */
};
#define HP_ARCH_FIX_MAX 12

/* What analysis decided for one function. */
struct hp_arch_plan {
	uint32_t skip;	    /* leading bytes left in place (x86-64: endbr64) */
	uint32_t patch_len; /* bytes overwritten by the jump (whole instructions, >= JUMP_LEN) */
	uint32_t code_len;  /* bytes of resume[] used */
	uint32_t nfix;	    /* fix[] used */
	uint8_t code[HP_ARCH_RELOC_MAX];
	struct hp_arch_fix fix[HP_ARCH_FIX_MAX];
};

/* ---- <arch>.c: pure (the decoder library and the bytes it is given, no other libc), so the
 * launcher links it too (`hotpath list-functions` says why a function cannot be patched) ---- */

/* Decoder handle (capstone csh); the caller opens it with hp_arch_open. */
int hp_arch_open(uint64_t *handle);
void hp_arch_close(uint64_t *handle);

/* Analyse the function at runtime address `addr` whose `size` bytes are at `bytes`, and
 * relocate its displaced instructions for a trampoline whose resume[] will be at `dest`.
 * `readable` (>= size) bytes may be read at `bytes`: what lies behind the function, up to
 * there, may be alignment padding that a too short function's jump can cover. `sweep` 0 skips
 * the check of the whole body for branches into the patched bytes (done by the launcher
 * already). Returns 0 with `plan` filled, or an HP_PATCH_* reason with `detail` saying where. */
int hp_arch_plan(uint64_t handle, const uint8_t *bytes, uint64_t readable, uint64_t addr,
		 uint64_t size, uint64_t dest, int sweep, struct hp_arch_plan *plan, char *detail,
		 size_t detail_len);

/* Move a plan made for a function at one address and its resume[] at another to `addr` and
 * `dest` (no decoder: its fixes only). 0, or HP_PATCH_OUT_OF_REACH when a displacement no
 * longer fits. */
int hp_arch_rebase(struct hp_arch_plan *plan, uint64_t addr, uint64_t dest);

/* Fill a trampoline's entry stub (its fields fn/common/exit set by the caller). */
void hp_arch_tramp_init(struct hp_tramp *t);

/* Bytes of the jump from `from` to `to` (HP_ARCH_JUMP_LEN of them); -1 when out of reach. */
int hp_arch_jump(uint8_t *out, uint64_t from, uint64_t to);

/* ---- <arch>_stubs.c: every trampoline enters hp_arch_entry and returns through
 * hp_arch_exit_stub. They save what the C code may change and call patch_rt.c:
 *   int hp_patch_enter(uint64_t ret, uint64_t *slot)   ret: hp_arch_entry's return address in
 *       the trampoline; slot: where the caller's return address is. Non-zero: timed.
 *   uint64_t hp_patch_exit(uint64_t slot)   slot: the returning call's return-address slot;
 *       returns the caller's real return address, which the stub returns to. ---- */
void hp_arch_entry(void);
void hp_arch_exit_stub(void);

#endif
