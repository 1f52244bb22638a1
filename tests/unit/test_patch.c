/* test_patch.c - unit tests of the patcher's pure parts: the pattern matcher
 * (include/hp/patch.h), the small demangler used inside the process (preload/patch_syms.c,
 * compiled in here), and the x86-64 analysis and relocation (preload/arch/x86_64.c, linked
 * into libhpreader.a as the readers' architecture layer) on hand-made instruction bytes. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "hp/patch.h"
#include "preload/arch/arch.h"

#include "libc_stubs.h" /* the preload/libc.c helpers patch_syms.c uses */

#include "../../preload/patch_syms.c"

static int glob(const char *p, const char *s)
{
	return hp_glob_n(p, strlen(p), s, strlen(s));
}

START_TEST(test_glob)
{
	ck_assert(glob("deflate*", "deflate"));
	ck_assert(glob("deflate*", "deflateInit2_"));
	ck_assert(!glob("deflate*", "inflate"));
	ck_assert(glob("*", ""));
	ck_assert(glob("a?c", "abc"));
	ck_assert(!glob("a?c", "ac"));
	ck_assert(glob("lib[xz]*.so*", "libz.so.1"));
	ck_assert(!glob("lib[!z].so*", "libz.so.1"));
	ck_assert(glob("[a-c]x", "bx"));
	ck_assert(glob("a\\*b", "a*b"));
	ck_assert(!glob("a\\*b", "axb"));
	ck_assert(glob("myapp::parser::*", "myapp::parser::parse"));
	ck_assert(glob("*::parse", "a::b::parse"));
	ck_assert(glob("*a*a*a*", "banana_a"));
	ck_assert(!glob("*a*a*a*a", "banana"));
}
END_TEST

START_TEST(test_patterns)
{
	const char *list = " main, libz.so*:deflate* ,,!my_debug*, Foo::bar,*:qsort";
	struct hp_pat p[8];
	int n = 0;
	while (n < 8 && hp_pat_next(&list, &p[n]))
		n++;
	ck_assert_int_eq(n, 5);
	ck_assert(p[0].mod == NULL && p[0].name_len == 4 && !strncmp(p[0].name, "main", 4));
	ck_assert(p[1].mod && p[1].mod_len == 8 && !strncmp(p[1].mod, "libz.so*", 8));
	ck_assert(p[1].name_len == 8 && !strncmp(p[1].name, "deflate*", 8));
	ck_assert(p[2].exclude && p[2].name_len == 9);
	ck_assert(p[3].mod == NULL && p[3].name_len == 8); /* "::" is not a module separator */
	ck_assert(p[4].mod && p[4].mod_len == 1);
	/* Unqualified: the executable only. */
	ck_assert(hp_pat_match(&p[0], "app", 3, 1, "main", 4));
	ck_assert(!hp_pat_match(&p[0], "libc.so.6", 9, 0, "main", 4));
	ck_assert(hp_pat_match(&p[1], "libz.so.1", 9, 0, "deflateEnd", 10));
	ck_assert(!hp_pat_match(&p[1], "app", 3, 1, "deflateEnd", 10));
	ck_assert(hp_pat_match(&p[4], "libc.so.6", 9, 0, "qsort", 5));
	ck_assert_str_eq(hp_patch_reason(HP_PATCH_JUMP_BACK), "jump back into the patched bytes");
	ck_assert_str_eq(hp_patch_reason(999), "unknown");
}
END_TEST

static const char *dem(const char *raw)
{
	static char out[256];
	size_t n = hp_demangle_short(raw, out, sizeof(out));
	return n ? out : "";
}

START_TEST(test_demangle_short)
{
	ck_assert_str_eq(dem("_ZN3Foo3barEi"), "Foo::bar");
	ck_assert_str_eq(dem("_ZN5myapp6parser5parseERKNSt7__cxx1112basic_stringIcEE"),
			 "myapp::parser::parse");
	ck_assert_str_eq(dem("_Z7throweri"), "thrower");
	ck_assert_str_eq(dem("_Z7throweri.cold"), "thrower.cold");
	ck_assert_str_eq(dem("_ZN3app6ParserC2Ei"), "app::Parser::Parser");
	ck_assert_str_eq(dem("_ZN3app6ParserD1Ev"), "app::Parser::~Parser");
	ck_assert_str_eq(dem("_ZNK3Foo3getEv"), "Foo::get");
	ck_assert_str_eq(dem("_ZNSt6vector4sizeEv"), "std::vector::size");
	ck_assert_str_eq(dem("_ZN4core3fmt5write17h0123456789abcdefE"), "core::fmt::write");
	ck_assert_str_eq(dem("_ZN3FooIiE3barEv"), ""); /* templates: matched raw */
	ck_assert_str_eq(dem("main"), "");
	ck_assert_str_eq(dem("_Z"), "");
	ck_assert_str_eq(dem("_ZN3Foo"), ""); /* truncated */
	ck_assert_str_eq(dem("_Z999x"), "");
}
END_TEST

static uint64_t handle;

/* A plan made for other addresses (the launcher's: the file's address, 1 MiB below), moved
 * by hp_arch_rebase to (addr, dest), must be byte for byte the plan made there. */
static void check_rebase(const uint8_t *b, size_t readable, size_t size, uint64_t addr,
			 uint64_t dest, const struct hp_arch_plan *want)
{
	static const uint64_t elsewhere[][2] = {{0x1040, 0x1040 - (1u << 20)},
						{0x7f1234567000ull, 0x7f1234567000ull + 4096},
						{0x401000, 0x401000}};
	for (size_t k = 0; k < sizeof(elsewhere) / sizeof(elsewhere[0]); k++) {
		struct hp_arch_plan p;
		char d[64];
		if (hp_arch_plan(handle, b, readable, elsewhere[k][0], size, elsewhere[k][1], 1, &p,
				 d, 64))
			continue; /* out of reach from there: no template */
		ck_assert_int_eq(hp_arch_rebase(&p, addr, dest), 0);
		ck_assert_int_eq(p.skip, want->skip);
		ck_assert_int_eq(p.patch_len, want->patch_len);
		ck_assert_int_eq(p.code_len, want->code_len);
		ck_assert_int_eq(p.nfix, want->nfix);
		ck_assert_mem_eq(p.code, want->code, want->code_len);
		/* and the other way: this plan moved there is the plan made there */
		struct hp_arch_plan there = p, moved = *want;
		ck_assert_int_eq(hp_arch_plan(handle, b, readable, elsewhere[k][0], size,
					      elsewhere[k][1], 1, &there, d, 64),
				 0);
		ck_assert_int_eq(hp_arch_rebase(&moved, elsewhere[k][0], elsewhere[k][1]), 0);
		ck_assert_mem_eq(moved.code, there.code, there.code_len);
	}
}

static int plan(const uint8_t *b, size_t n, uint64_t addr, uint64_t dest, struct hp_arch_plan *p,
		char *detail)
{
	int rc = hp_arch_plan(handle, b, n, addr, n, dest, 1, p, detail, 64);
	if (rc == 0)
		check_rebase(b, n, n, addr, dest, p);
	return rc;
}

static int32_t rd32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

START_TEST(test_relocation)
{
	struct hp_arch_plan p;
	char d[64];
	const uint64_t fn = 0x401000, dest = 0x301000;
	ck_assert_int_eq(hp_arch_open(&handle), 0);

	/* endbr64 kept; cmp $1,%edi; jle +0x1b; ... : jle rel8 becomes jle rel32 to the same target */
	const uint8_t a[] = {0xF3, 0x0F, 0x1E, 0xFA, 0x83, 0xFF, 0x01, 0x7E, 0x1B, 0x90,
			     0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
			     0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
			     0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0xC3};
	ck_assert_int_eq(plan(a, sizeof(a), fn, dest, &p, d), 0);
	ck_assert_int_eq(p.skip, 4);
	ck_assert_int_eq(p.patch_len, 5);
	ck_assert(p.code[0] == 0x83 && p.code[3] == 0x0F && p.code[4] == 0x8E);
	ck_assert_uint_eq(dest + 3 + 6 + (uint64_t)(int64_t)rd32(p.code + 5), fn + 9 + 0x1B);
	/* then jmp back behind the patched bytes */
	ck_assert_int_eq(p.code[9], 0xE9);
	ck_assert_uint_eq(dest + 14 + (uint64_t)(int64_t)rd32(p.code + 10), fn + 4 + 5);

	/* mov 0x100(%rip),%rax: the displacement follows the move */
	const uint8_t b[] = {0x48, 0x8B, 0x05, 0x00, 0x01, 0x00, 0x00, 0xC3};
	ck_assert_int_eq(plan(b, sizeof(b), fn, dest, &p, d), 0);
	ck_assert_uint_eq(dest + 7 + (uint64_t)(int64_t)rd32(p.code + 3), fn + 7 + 0x100);

	/* sub $8,%rsp; call f: push of the original return address, then jmp */
	const uint8_t c[] = {0x48, 0x83, 0xEC, 0x08, 0xE8, 0x00, 0x10,
			     0x00, 0x00, 0x48, 0x83, 0xC4, 0x08, 0xC3};
	ck_assert_int_eq(plan(c, sizeof(c), fn, dest, &p, d), 0);
	ck_assert_int_eq(p.patch_len, 9);
	ck_assert_int_eq(p.code[4], 0x68);
	ck_assert_int_eq(rd32(p.code + 5), (int32_t)(fn + 9));
	ck_assert_int_eq(rd32(p.code + 13), 0);
	ck_assert_int_eq(p.code[17], 0xE9);
	ck_assert_uint_eq(dest + 22 + (uint64_t)(int64_t)rd32(p.code + 18), fn + 9 + 0x1000);

	/* A direct call (5 bytes) is always the last displaced instruction; an indirect one in
	 * the first bytes is refused (its return would land in the trampoline). */
	const uint8_t c2[] = {0xE8, 0x00, 0x10, 0x00, 0x00, 0xC3};
	ck_assert_int_eq(plan(c2, sizeof(c2), fn, dest, &p, d), 0);
	const uint8_t c3[] = {0x90, 0xE8, 0x00, 0x10, 0x00, 0x00, 0xC3};
	ck_assert_int_eq(plan(c3, sizeof(c3), fn, dest, &p, d), 0);
	const uint8_t c4[] = {0xFF, 0xD0, 0x90, 0x90, 0x90, 0xC3}; /* call *%rax */
	ck_assert_int_eq(plan(c4, sizeof(c4), fn, dest, &p, d), HP_PATCH_UNSUPPORTED);

	/* lea 1(%rdi),%eax; ret: 4 bytes, with int3 padding up to the next 16-byte boundary. The
	 * jump covers the padding only when the caller says it may be read. */
	const uint8_t padded[16] = {0x8D, 0x47, 0x01, 0xC3, 0xCC, 0xCC, 0xCC, 0xCC,
				    0xCC, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC};
	ck_assert_int_eq(hp_arch_plan(handle, padded, sizeof(padded), fn, 4, dest, 1, &p, d, 64),
			 0);
	ck_assert_int_ge(p.patch_len, HP_ARCH_JUMP_LEN);
	check_rebase(padded, sizeof(padded), 4, fn, dest, &p);
	ck_assert_int_eq(plan(padded, 4, fn, dest, &p, d), HP_PATCH_TOO_SHORT);

	/* refusals */
	const uint8_t tiny[] = {0x31, 0xC0, 0xC3};
	ck_assert_int_eq(plan(tiny, sizeof(tiny), fn, dest, &p, d), HP_PATCH_TOO_SHORT);
	const uint8_t back[] = {0x31, 0xC0, 0x83, 0xC0, 0x01, 0x83, 0xF8, 0x0A, 0x7C, 0xF8, 0xC3};
	ck_assert_int_eq(plan(back, sizeof(back), fn, dest, &p, d), HP_PATCH_JUMP_BACK);
	ck_assert_str_eq(d, "+0x8 jl 0x401002");
	const uint8_t loopi[] = {0xE2, 0xFE, 0x90, 0x90, 0x90, 0xC3};
	ck_assert_int_eq(plan(loopi, sizeof(loopi), fn, dest, &p, d), HP_PATCH_UNSUPPORTED);
	const uint8_t bad[] = {0x06, 0xC3, 0x90, 0x90, 0x90, 0x90};
	ck_assert_int_eq(plan(bad, sizeof(bad), fn, dest, &p, d), HP_PATCH_UNKNOWN_INSN);
	const uint8_t farrip[] = {0x48, 0x8B, 0x05, 0x00, 0x00, 0x00, 0x70, 0xC3};
	ck_assert_int_eq(plan(farrip, sizeof(farrip), 0x7f0000000000ull,
			      0x7f0000000000ull - (1ull << 31) - 4096, &p, d),
			 HP_PATCH_OUT_OF_REACH);
	/* The same, planned where it fits and moved there: out of reach too. */
	ck_assert_int_eq(plan(farrip, sizeof(farrip), fn, dest, &p, d), 0);
	ck_assert_int_eq(hp_arch_rebase(&p, 0x7f0000000000ull,
					0x7f0000000000ull - (1ull << 31) - 4096),
			 HP_PATCH_OUT_OF_REACH);
	/* The fixes it needed: the rip-relative load and the jump back. */
	ck_assert_int_eq(p.nfix, 2);
	hp_arch_close(&handle);
}
END_TEST

START_TEST(test_tramp_entry)
{
	struct hp_tramp t;
	memset(&t, 0, sizeof(t));
	hp_arch_tramp_init(&t);
	/* call *common(%rip) */
	ck_assert(t.entry[0] == 0xFF && t.entry[1] == 0x15);
	ck_assert_int_eq(24 + 6 + rd32(t.entry + 2), 8);
	/* jz resume */
	ck_assert_int_eq(t.entry[6], 0x74);
	ck_assert_int_eq(24 + 8 + t.entry[7], 24 + HP_ARCH_ENTRY_LEN);
	/* call resume, returning to back */
	ck_assert_int_eq(t.entry[13], 0xE8);
	ck_assert_int_eq(24 + HP_ARCH_BACK_OFF + rd32(t.entry + 14), 24 + HP_ARCH_ENTRY_LEN);
	/* back: jmp *exit(%rip) */
	ck_assert(t.entry[18] == 0xFF && t.entry[19] == 0x25);
	ck_assert_int_eq(24 + 24 + rd32(t.entry + 20), 16);
	ck_assert_int_eq((int)((char *)t.resume - (char *)&t), 24 + HP_ARCH_ENTRY_LEN);
}
END_TEST

static Suite *patch_suite(void)
{
	Suite *s = suite_create("patch");
	TCase *tc = tcase_create("patch");
	tcase_add_test(tc, test_glob);
	tcase_add_test(tc, test_patterns);
	tcase_add_test(tc, test_demangle_short);
	tcase_add_test(tc, test_relocation);
	tcase_add_test(tc, test_tramp_entry);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(patch_suite());
	srunner_run_all(sr, CK_VERBOSE);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
