/* arch.h - the architecture-specific part of patching: analyse a function's entry, relocate the
 * instructions the jump displaces, and the stubs that the trampolines enter and return through.
 * One implementation per architecture (x86_64.c + x86_64_stubs.c); aarch64 can follow.
 *
 * x86_64.c is pure (capstone and the bytes it is given, no other libc): the launcher's
 * `hotpath list-functions` compiles it too to say why a function cannot be patched. */
#ifndef HP_ARCH_H
#define HP_ARCH_H

#include <stddef.h>
#include <stdint.h>

#define HP_ARCH_JUMP_LEN 5     /* jmp rel32 written at the entry */
#define HP_ARCH_RELOC_MAX 80   /* relocated instructions + the jump back */

/* One trampoline: 128 bytes in executable memory within ±2 GiB of its function.
 *
 *   entry: call *common(%rip)      hp_arch_entry: record the call; ZF set = not timed
 *          jz resume               (hotpath's own code running, return stack full...)
 *          lea 8(%rsp), %rsp       drop the caller's return address (kept on the return stack)
 *          call resume             the function returns to `back` through its own slot
 *   back:  jmp *exit(%rip)         hp_arch_exit_stub: record the return, `ret` to the caller
 *   resume: the displaced instructions relocated, then a jump back behind the patched bytes
 *
 * The function's frame is where it would be (its return address slot holds `back` instead of
 * the caller's address, stack arguments stay put), and every transfer is one the CPU
 * predicts: its `ret` pairs with `call resume`, the exit stub's `ret` with the caller's call.
 * No register is changed on the way: callers compiled with -fipa-ra keep values in
 * call-clobbered registers that the callee is known not to use. */
#define HP_ARCH_ENTRY_LEN 24
#define HP_ARCH_BACK_OFF 18 /* `back` within entry[] */
struct hp_tramp {
	uint64_t fn;	 /* the function's symbol address: the identity its calls are recorded by */
	uint64_t common; /* address of hp_arch_entry */
	uint64_t exit;	 /* address of hp_arch_exit_stub */
	uint8_t entry[HP_ARCH_ENTRY_LEN];
	uint8_t resume[HP_ARCH_RELOC_MAX];
};
_Static_assert(sizeof(struct hp_tramp) == 128, "one trampoline is 128 bytes");

/* What analysis decided for one function. */
struct hp_arch_plan {
	uint32_t skip;	    /* leading bytes left in place (endbr64) */
	uint32_t patch_len; /* bytes overwritten by the jump (whole instructions, >= 5) */
	uint32_t code_len;  /* bytes of resume[] used */
	uint8_t code[HP_ARCH_RELOC_MAX];
};

/* Decoder handle (capstone csh); the caller opens it with hp_arch_open. */
int hp_arch_open(uint64_t *handle);
void hp_arch_close(uint64_t *handle);

/* Analyse the function at runtime address `addr` whose `size` bytes are readable at `bytes`,
 * and relocate its displaced instructions for a trampoline whose resume[] will be at `dest`;
 * `sweep` 0 skips the check of the whole body for branches into the patched bytes (done by
 * the launcher already). Returns 0 with `plan` filled, or an HP_PATCH_* reason with `detail`
 * saying where. */
int hp_arch_plan(uint64_t handle, const uint8_t *bytes, uint64_t addr, uint64_t size,
		 uint64_t dest, int sweep, struct hp_arch_plan *plan, char *detail,
		 size_t detail_len);

/* Fill a trampoline's entry stub (its fields fn/common set by the caller). */
void hp_arch_tramp_init(struct hp_tramp *t);

/* Bytes of the jump from `from` to `to` (HP_ARCH_JUMP_LEN of them); -1 when out of reach. */
int hp_arch_jump(uint8_t *out, uint64_t from, uint64_t to);

/* x86_64_stubs.c: called from every trampoline's entry / jumped to from its `back`. */
void hp_arch_entry(void);
void hp_arch_exit_stub(void);

#endif
