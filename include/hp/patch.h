/* patch.h - patching without recompile: the reasons a selected function is refused (the
 * `status` of struct hp_patch_rec in region.h), and the pattern matching shared by the writer
 * (preload/patch.c, no libc allowed beyond what is here) and the readers.
 *
 * A pattern list is what --functions / HOTPATH_FUNCTIONS hold: items separated by commas,
 * each `[MODULE:]NAME`, an item starting with '!' excludes. NAME and MODULE are globs ('*',
 * '?', '[...]'); MODULE matches the file name of an object (libz.so.1), NAME the function's
 * name demangled without its parameter list (Foo::bar). An item without MODULE selects in the
 * executable only. See docs/patching.md. */
#ifndef HP_PATCH_H
#define HP_PATCH_H

#include <stddef.h>
#include <stdint.h>

enum hp_patch_status {
	HP_PATCH_OK = 0,
	HP_PATCH_TOO_SHORT = 1,	   /* fewer bytes than the 5-byte jump */
	HP_PATCH_JUMP_BACK = 2,	   /* a branch of the function lands inside the patched bytes */
	HP_PATCH_UNKNOWN_INSN = 3, /* the disassembler did not decode an instruction */
	HP_PATCH_UNSUPPORTED = 4, /* an instruction that cannot be moved (loop, jrcxz, xbegin…) */
	HP_PATCH_OUT_OF_REACH = 5,  /* a relocated operand or the trampoline is beyond ±2 GiB */
	HP_PATCH_NO_MEMORY = 6,	    /* no trampoline memory near the function */
	HP_PATCH_PROTECT = 7,	    /* mprotect of the code failed */
	HP_PATCH_INSTRUMENTED = 8,  /* the module has -finstrument-functions hooks already */
	HP_PATCH_EXCLUDED_NAME = 9, /* *.cold parts, _start, setjmp, vfork…: see hp_patch_denied */
	HP_PATCH_CAPPED = 10, /* the pattern selected more than the cap: this and the rest skipped */
	HP_PATCH_NOT_CODE = 11,	  /* the address is not in an executable mapping */
	HP_PATCH_MODULE = 12,	  /* the module cannot be patched (the loader, hotpath itself) */
	HP_PATCH_NO_DECODER = 13, /* the disassembler (libcapstone) could not be loaded */
	HP_PATCH_REASONS
};

static inline const char *hp_patch_reason(int status)
{
	static const char *const names[HP_PATCH_REASONS] = {
		[HP_PATCH_OK] = "patched",
		[HP_PATCH_TOO_SHORT] = "too short",
		[HP_PATCH_JUMP_BACK] = "jump back into the patched bytes",
		[HP_PATCH_UNKNOWN_INSN] = "unknown instruction",
		[HP_PATCH_UNSUPPORTED] = "instruction cannot be relocated",
		[HP_PATCH_OUT_OF_REACH] = "operand out of reach",
		[HP_PATCH_NO_MEMORY] = "no trampoline memory in reach",
		[HP_PATCH_PROTECT] = "cannot change page protection",
		[HP_PATCH_INSTRUMENTED] = "module built with -finstrument-functions",
		[HP_PATCH_EXCLUDED_NAME] = "cannot be timed by its return",
		[HP_PATCH_CAPPED] = "pattern cap reached",
		[HP_PATCH_NOT_CODE] = "not in executable code",
		[HP_PATCH_MODULE] = "module cannot be patched",
		[HP_PATCH_NO_DECODER] = "no disassembler",
	};
	return status >= 0 && status < HP_PATCH_REASONS && names[status] ? names[status]
									 : "unknown";
}

/* The key of an ELF file in the launcher's analysis (include/hp/plan.h). */
static inline uint64_t hp_plan_key(uint64_t dev, uint64_t ino, uint64_t size, uint64_t mtime_ns)
{
	uint64_t v[4] = {dev, ino, size, mtime_ns}, h = 0xcbf29ce484222325ull;
	for (int i = 0; i < 4; i++) {
		h ^= v[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h ? h : 1;
}

/* Functions that must not be patched whatever their bytes: they return twice (setjmp, vfork,
 * getcontext: the second return would come through a trampoline whose call was already
 * recorded as returned), use their return address to find their caller (dlsym(RTLD_NEXT),
 * dlopen), are entered without a call (_start, the signal return trampoline), or are the
 * program's and threads' start (their frames never return). 1 when `name` is one. */
static inline int hp_patch_denied(const char *name)
{
	/* clang-format off */
	static const char *const exact[] = {
		"_start", "__libc_start_main", "__libc_start_call_main", "setjmp", "_setjmp",
		"__setjmp", "sigsetjmp", "__sigsetjmp", "__sigsetjmp_cancel", "vfork", "__vfork",
		"getcontext", "__getcontext", "swapcontext", "__swapcontext", "savecontext",
		"dlsym", "dlvsym", "dlopen", "dlmopen", "__libc_dlsym", "__libc_dlvsym",
		"__libc_dlopen_mode", "__restore_rt", "clone", "__clone", "__clone3",
		"__clone_internal", "__clone_internal_fallback", "start_thread", "_Unwind_RaiseException",
		"_Unwind_Resume", "_Unwind_Resume_or_Rethrow", "_Unwind_ForcedUnwind",
		"__cxa_begin_catch", "backtrace", "__backtrace", NULL};
	/* clang-format on */
	for (int i = 0; exact[i]; i++) {
		const char *a = exact[i], *b = name;
		while (*a && *a == *b)
			a++, b++;
		if (!*a && !*b)
			return 1;
	}
	return name[0] == '_' && name[1] == 'd' && name[2] == 'l' && name[3] == '_'; /* _dl_* */
}

/* Glob match of the whole string s against pattern p (length-bounded: pn and sn). '*' any run,
 * '?' one character, '[abc]' '[a-z]' '[!a]' a class, '\\' quotes. No allocation, no libc. */
static inline int hp_glob_n(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;
	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi < pn && p[pi] == '[') {
			size_t q = pi + 1;
			int neg = q < pn && (p[q] == '!' || p[q] == '^');
			if (neg)
				q++;
			int hit = 0, closed = 0;
			for (size_t first = q; q < pn; q++) {
				if (p[q] == ']' && q > first) {
					closed = 1;
					break;
				}
				if (q + 2 < pn && p[q + 1] == '-' && p[q + 2] != ']') {
					hit |= s[si] >= p[q] && s[si] <= p[q + 2];
					q += 2;
				} else {
					hit |= s[si] == p[q];
				}
			}
			if (closed && hit != neg) {
				pi = q + 1;
				si++;
				continue;
			}
			if (!closed && s[si] == '[') { /* an unclosed '[' is literal */
				pi++;
				si++;
				continue;
			}
		} else if (pi < pn &&
			   (p[pi] == '?' || (p[pi] == '\\' && pi + 1 < pn && p[pi + 1] == s[si]) ||
			    p[pi] == s[si])) {
			pi += p[pi] == '\\' ? 2 : 1;
			si++;
			continue;
		}
		if (star_p == (size_t)-1)
			return 0;
		pi = star_p;
		si = ++star_s;
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

/* One item of a pattern list, located inside the list (no copies). */
struct hp_pat {
	const char *mod; /* NULL when the item names no module */
	size_t mod_len;
	const char *name;
	size_t name_len;
	int exclude;
};

/* Split the next item off *list (advanced past it). Returns 1 with `out` set, 0 at the end.
 * Blank items are skipped. "::" in a C++ name is not a module separator. */
static inline int hp_pat_next(const char **list, struct hp_pat *out)
{
	const char *s = *list;
	for (;;) {
		while (*s == ',' || *s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s) {
			*list = s;
			return 0;
		}
		const char *e = s;
		while (*e && *e != ',')
			e++;
		const char *end = e;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*list = e;
		out->exclude = *s == '!';
		if (out->exclude)
			s++;
		out->mod = NULL;
		out->mod_len = 0;
		for (const char *c = s; c < end; c++) {
			if (*c == ':' && !(c + 1 < end && c[1] == ':') &&
			    !(c > s && c[-1] == ':')) {
				out->mod = s;
				out->mod_len = (size_t)(c - s);
				s = c + 1;
				break;
			}
		}
		out->name = s;
		out->name_len = (size_t)(end - s);
		if (out->name_len || out->mod)
			return 1;
		s = e;
	}
}

/* Does item `p` select function `name` (demangled, no parameters) of the module whose file
 * name (no directory) is `mod`; is_exe tells whether that module is the executable. */
static inline int hp_pat_match(const struct hp_pat *p, const char *mod, size_t mod_len, int is_exe,
			       const char *name, size_t name_len)
{
	if (p->mod ? !hp_glob_n(p->mod, p->mod_len, mod, mod_len) : !is_exe)
		return 0;
	return hp_glob_n(p->name, p->name_len, name, name_len);
}

#endif
