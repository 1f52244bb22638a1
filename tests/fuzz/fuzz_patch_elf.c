/* fuzz_patch_elf.c - libFuzzer target for the ELF walk libhotpath.so does inside the profiled
 * process to select functions to patch (preload/patch_syms.c: sections, .symtab/.dynsym,
 * string tables, all read by hand without malloc), the small demangler it applies to every
 * name, and the pattern matcher. Built and run by tests/fuzz/build.sh.
 * FUZZ_SOURCES: */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hp/patch.h"

#include "../unit/libc_stubs.h" /* the preload/libc.c helpers patch_syms.c uses */

#include "../../preload/patch_syms.c"

static int visit(void *arg, const char *name, uint64_t value, uint64_t size, int local)
{
	char out[192];
	size_t n = hp_demangle_short(name, out, sizeof(out));
	const char *list = "main,*:deflate*,!x*,Foo::*";
	struct hp_pat p;
	while (hp_pat_next(&list, &p))
		(void)hp_pat_match(&p, "libz.so.1", 9, local, n ? out : name, n ? n : strlen(name));
	*(uint64_t *)arg += value + size + (uint64_t)hp_patch_denied(name);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An aligned copy, as a mapped file would be. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (hp_elf_check(buf, size) == 0) {
		struct hp_elf_file f = {buf, size, 0};
		uint64_t sum = 0;
		hp_elf_functions(&f, visit, &sum);
		(void)hp_elf_imports(&f, "__cyg_profile_func_enter");
	}
	/* The input as a symbol name too. */
	char name[256];
	size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	memcpy(name, data, n);
	name[n] = 0;
	char out[64];
	(void)hp_demangle_short(name, out, sizeof(out));
	free(buf);
	return 0;
}
