/* patch_rt.c - the run-time side of patching: what every patched call goes through
 * (hp_patch_enter / hp_patch_exit, called by the arch layer's stubs, arch/arch.h), the per-thread
 * return stack, and the wrappers that give the unwinder real return addresses (C++
 * exceptions, backtrace). Patching itself is patch.c; docs/patching.md explains both.
 *
 * Hot path: no syscalls, locks or allocation; the rows it updates are funcs.c's (through
 * hp_func_enter / hp_func_exit), marked HP_FN_PATCHED.
 *
 * Return stack invariants: an entry is pushed (depth bumped first, then filled) before the
 * return address is replaced; at exit the topmost entry whose slot is the returning frame's
 * is taken and everything above it is dropped (frames left by longjmp). C++ exceptions: the
 * real return addresses are put back before the unwinder runs (_Unwind_RaiseException,
 * _Unwind_Resume_or_Rethrow), and the live ones hooked again in __cxa_begin_catch. */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "arch/arch.h"

#define RSTACK_MAX 131072 /* as HP_STACK_MAX: 6 MiB of address space, touched as deep as used */

struct rent {
	uint64_t ret;  /* the caller's real return address */
	uint64_t slot; /* where it was on the stack */
	uint64_t fn;
	uint32_t hooked; /* 1 while *slot holds `hook` */
	uint32_t reserved;
	uint64_t hook; /* the trampoline's `back`: what the slot holds while the call is timed */
};

struct rstack {
	uint32_t depth;
	uint32_t reserved;
	struct rent e[RSTACK_MAX];
};

static __thread struct rstack *rs;
static __thread int rs_off; /* thread ended (or no memory): pass through */

int hp_patch_enter(uint64_t ret, uint64_t *slot);
uint64_t hp_patch_exit(uint64_t slot);

static HP_NOINLINE struct rstack *rstack_new(void)
{
	if (rs_off)
		return NULL;
	struct hp_own own = hp_own_begin();
	void *m = mmap(NULL, sizeof(struct rstack), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	hp_own_end(own);
	if (m == MAP_FAILED) {
		rs_off = 1;
		return NULL;
	}
	rs = m;
	return m;
}

/* Called by hp_arch_entry with its return address in the trampoline and the slot that holds
 * the caller's return address. Returns 1 when the call is timed: the trampoline then calls
 * the function with `back` in that slot, and the return comes through hp_patch_exit. 0: the
 * function runs as if not patched. */
int hp_patch_enter(uint64_t ret, uint64_t *slot)
{
	const struct hp_tramp *t = hp_arch_tramp_of(ret);
	if (HP_UNLIKELY(hp_tls.guard || !hp_g.ready || hp_tls.state == HP_TLS_OFF))
		return 0;
	struct rstack *r = rs;
	if (HP_UNLIKELY(!r)) {
		r = rstack_new();
		if (!r)
			return 0;
	}
	uint32_t d = r->depth;
	if (HP_UNLIKELY(d >= RSTACK_MAX)) {
		if (hp_g.hdr)
			__atomic_fetch_add(&hp_g.hdr->depth_overflow, 1, __ATOMIC_RELAXED);
		return 0;
	}
	r->depth = d + 1;
	HP_BARRIER();
	struct rent *e = &r->e[d];
	e->ret = *slot;
	e->slot = (uint64_t)slot;
	e->fn = t->fn;
	e->hook = hp_arch_tramp_back(t);
	e->hooked = 1;
	HP_BARRIER();
	/* jumps.c: the frame is where its return slot is, not in our stubs below */
	hp_func_enter_patched((void *)t->fn, (uint64_t)slot - 16);
	return 1;
}

static void die_no_return(uint64_t slot)
{
	char buf[160];
	int n = hp_snprintf(
		buf, sizeof(buf),
		"hotpath: patched function returned through frame 0x%lx that is not on its "
		"return stack; aborting\n",
		(unsigned long)slot);
	ssize_t w = write(2, buf, (size_t)n);
	(void)w;
	abort();
}

/* Called by hp_arch_exit_stub with the return-address slot of the call that returned. Returns
 * the real return address. */
uint64_t hp_patch_exit(uint64_t slot)
{
	struct rstack *r = rs;
	if (HP_UNLIKELY(!r))
		die_no_return(slot);
	uint32_t k = r->depth;
	while (k > 0 && r->e[k - 1].slot != slot)
		k--;
	if (HP_UNLIKELY(k == 0))
		die_no_return(slot);
	struct rent *e = &r->e[k - 1];
	uint64_t ret = e->ret, fn = e->fn;
	/* Entries above k-1 were left by longjmp: funcs.c drops their frames by fn. */
	if (HP_LIKELY(!hp_tls.guard))
		hp_func_exit((void *)fn, NULL);
	HP_BARRIER();
	r->depth = k - 1;
	return ret;
}

/* Put the real return address back in every hooked slot (top down; a slot seen once is the
 * live one: lower entries with the same slot are dead frames of longjmp). */
static void unhook_all(struct rstack *r)
{
	for (uint32_t i = r->depth; i > 0; i--) {
		struct rent *e = &r->e[i - 1];
		if (!e->hooked)
			continue;
		int seen = 0;
		for (uint32_t j = i; j < r->depth && !seen; j++)
			seen = r->e[j].slot == e->slot;
		if (!seen && *(uint64_t *)e->slot == e->hook)
			*(uint64_t *)e->slot = e->ret;
		e->hooked = 0;
	}
}

/* After a catch in the frame whose stack pointer is `sp`: drop (as returned) the entries of
 * the frames below it, which were unwound, and hook the live ones again. */
static void rehook_after_catch(struct rstack *r, uint64_t sp)
{
	while (r->depth > 0 && r->e[r->depth - 1].slot < sp) {
		struct rent *e = &r->e[r->depth - 1];
		if (!hp_tls.guard)
			hp_func_exit((void *)e->fn, NULL);
		r->depth--;
	}
	for (uint32_t i = r->depth; i > 0; i--) {
		struct rent *e = &r->e[i - 1];
		if (e->hooked)
			continue;
		int seen = 0;
		for (uint32_t j = i; j < r->depth && !seen; j++)
			seen = r->e[j].slot == e->slot;
		if (!seen && *(uint64_t *)e->slot == e->ret) {
			*(uint64_t *)e->slot = e->hook;
			e->hooked = 1;
		}
	}
}

/* The unwinder's functions: when the global scope has none, they are in a library loaded
 * RTLD_LOCAL (a C++ extension module dlopen'ed by an interpreter): HP_NEXT_IN looks there too. */
HP_NEXT_DECL(int, _Unwind_RaiseException, (void *));
HP_NEXT_DECL(int, _Unwind_Resume_or_Rethrow, (void *));
HP_NEXT_DECL(void *, __cxa_begin_catch, (void *));
HP_NEXT_DECL(int, backtrace, (void **, int));

HP_EXPORT int _Unwind_RaiseException(void *exc)
{
	int (*real)(void *) = HP_NEXT_IN(_Unwind_RaiseException, "libgcc_s.so.1");
	if (rs)
		unhook_all(rs);
	return real(exc);
}

HP_EXPORT int _Unwind_Resume_or_Rethrow(void *exc)
{
	int (*real)(void *) = HP_NEXT_IN(_Unwind_Resume_or_Rethrow, "libgcc_s.so.1");
	if (rs)
		unhook_all(rs);
	return real(exc);
}

HP_EXPORT void *__cxa_begin_catch(void *exc)
{
	void *(*real)(void *) = HP_NEXT_IN(__cxa_begin_catch, "libstdc++.so.6");
	uint64_t cfa = (uint64_t)__builtin_dwarf_cfa(); /* the catching frame's stack pointer */
	if (rs)
		rehook_after_catch(rs, cfa);
	if (!hp_tls.guard) /* frames without exit hooks that the exception left (jumps.c) */
		hp_funcs_drop_below(cfa - 16, hp_ticks());
	return real(exc);
}

/* backtrace() walks the stack with the unwinder too: real return addresses around it. */
HP_EXPORT int backtrace(void **buf, int size)
{
	int (*real)(void **, int) = HP_NEXT_IN(backtrace, "libc.so.6");
	struct rstack *r = rs;
	if (!r || !r->depth || size <= 0)
		return real(buf, size);
	/* One more frame than asked: the first is this wrapper's, not the caller's. */
	void *tmp[257];
	int want = size < 256 ? size + 1 : 257;
	unhook_all(r);
	int n = real(tmp, want);
	rehook_after_catch(r, 0); /* nothing was unwound: hook them all again */
	int k = 0;
	for (int i = 1; i < n && k < size; i++)
		buf[k++] = tmp[i];
	return k;
}

/* The thread ends (funcs.c hp_thread_end): its frames are gone. */
void hp_patch_thread_end(void)
{
	struct rstack *r = rs;
	rs_off = 1;
	if (!r)
		return;
	rs = NULL;
	munmap(r, sizeof(*r));
}
