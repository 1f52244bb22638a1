/* x86_64.h - the x86-64 architecture layer (the contract is in arch.h): the TSC as tick source,
 * `jmp rel32` at a patched entry, int3 as filler, and the trampoline layout that
 * x86_64_stubs.c enters and returns through. */
#ifndef HP_ARCH_X86_64_H
#define HP_ARCH_X86_64_H

#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>
#include <x86intrin.h>

/* rdtsc: invariant and synchronised across CPUs on the machines we run on (constant_tsc,
 * nonstop_tsc); ~10 ns, against ~24 for clock_gettime (docs/performance.md). */
static inline uint64_t hp_arch_ticks(void)
{
	return __rdtsc();
}

static inline void hp_arch_cpu_relax(void)
{
	__builtin_ia32_pause();
}

/* One `addq` to memory: a signal cannot land inside it. */
static inline void hp_arch_add_local(uint64_t *p, uint64_t v)
{
	__asm__ __volatile__("addq %1, %0" : "+m"(*p) : "er"(v));
}

/* glibc's symbol versions: the architecture's first, and the pthread_cond_* of the new layout
 * (the GLIBC_2.2.5 ones keep the old object layout). */
/* The interrupted instruction of a signal's ucontext_t (the sampler's fallback frame). */
static inline uint64_t hp_arch_ucontext_pc(const void *ucontext)
{
	return (uint64_t)((const ucontext_t *)ucontext)->uc_mcontext.gregs[REG_RIP];
}

/* Frames (alloc_stacks.c): a function of ours keeps a frame pointer (-fno-omit-frame-pointer),
 * so from its __builtin_frame_address(0) its caller's stack pointer after the return (the
 * canonical frame address) is 16 bytes up: saved %rbp, then the return address. In any frame,
 * the return address into the caller sits just below that caller's stack pointer. */
static inline uint64_t hp_arch_frame_cfa(const void *frame)
{
	return (uint64_t)frame + 16;
}

static inline uint64_t hp_arch_ra_slot(uint64_t caller_sp)
{
	return caller_sp - 8;
}

#define HP_ARCH_GLIBC_BASE "GLIBC_2.2.5"
#define HP_ARCH_GLIBC_COND "GLIBC_2.3.2"

/* What the readers know of this architecture's programs: the ELF machine `hotpath run`
 * accepts, the dynamic loader that lists a program's libraries, and the library folders of
 * Debian's multiarch layout (searched before the generic ones). */
#define HP_ARCH_NAME "x86-64"
#define HP_ARCH_ELF_MACHINE 62 /* EM_X86_64 */
#define HP_ARCH_LD_SO "/lib64/ld-linux-x86-64.so.2"
#define HP_ARCH_LIB_DIRS "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"

#define HP_ARCH_JUMP_LEN 5		/* jmp rel32 written at the entry */
#define HP_ARCH_JUMP_REACH (3ull << 29) /* rel32 reaches ±2 GiB: 1.5 GiB leaves the module room */
#define HP_ARCH_FILL_BYTE 0xCC		/* int3 */
#define HP_ARCH_RELOC_MAX 80		/* relocated instructions + the jump back */

/* One trampoline: 128 bytes in executable memory within reach of its function.
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
#define HP_ARCH_ENTRY_CALL_END 6 /* the end of `call *common` within entry[] */
#define HP_ARCH_BACK_OFF 18	 /* `back` within entry[] */
struct hp_tramp {
	uint64_t fn;	 /* the function's symbol address: the identity its calls are recorded by */
	uint64_t common; /* address of hp_arch_entry */
	uint64_t exit;	 /* address of hp_arch_exit_stub */
	uint8_t entry[HP_ARCH_ENTRY_LEN];
	uint8_t resume[HP_ARCH_RELOC_MAX];
};
_Static_assert(sizeof(struct hp_tramp) == 128, "one trampoline is 128 bytes");

static inline const struct hp_tramp *hp_arch_tramp_of(uint64_t ret)
{
	return (const struct hp_tramp *)(ret - HP_ARCH_ENTRY_CALL_END -
					 offsetof(struct hp_tramp, entry));
}

static inline uint64_t hp_arch_tramp_back(const struct hp_tramp *t)
{
	return (uint64_t)t->entry + HP_ARCH_BACK_OFF;
}

/* glibc's __sigsetjmp stores the caller's %rsp after setjmp returns at __jmpbuf[6] (JB_RSP)
 * through PTR_MANGLE: xor with the thread's pointer guard (tcbhead_t.pointer_guard,
 * %fs:0x30), then rol $0x11. Undo both. */
static inline uint64_t hp_arch_jmpbuf_sp(const void *env)
{
	uint64_t v = ((const uint64_t *)env)[6], guard;
	__asm__("mov %%fs:0x30, %0" : "=r"(guard));
	v = (v >> 0x11) | (v << (64 - 0x11)); /* ror $0x11 */
	return v ^ guard;
}

#endif
