/* patch_int.h - what the files of the patcher share (patch.c, patch_syms.c). */
#ifndef HP_PATCH_INT_H
#define HP_PATCH_INT_H

#include <stddef.h>
#include <stdint.h>

/* An ELF file mapped read-only. */
struct hp_elf_file {
	const uint8_t *base;
	uint64_t size;
	uint64_t key; /* hp_plan_key: which file this is (device, inode, size, mtime) */
};

int hp_elf_map(const char *path, struct hp_elf_file *f); /* 0 or -1 (not a 64-bit ELF) */
/* 0 when `size` bytes at `base` start a 64-bit ELF whose section headers are inside them:
 * what hp_elf_functions and hp_elf_imports need before they walk it. */
int hp_elf_check(const void *base, uint64_t size);
void hp_elf_unmap(struct hp_elf_file *f);

/* Every defined STT_FUNC symbol with a size in an executable section, from .symtab when
 * present, else .dynsym. Stops when cb returns non-zero and returns that value. */
typedef int (*hp_elf_func_cb)(void *arg, const char *name, uint64_t value, uint64_t size,
			      int local);
int hp_elf_functions(const struct hp_elf_file *f, hp_elf_func_cb cb, void *arg);

/* 1 when the dynamic symbol table has an undefined reference to `name`. */
int hp_elf_imports(const struct hp_elf_file *f, const char *name);

/* "_ZN3Foo3barEi" -> "Foo::bar" in out; returns its length, 0 when the name is not mangled or
 * uses what this small demangler does not handle (templates, operators): match the raw name. */
size_t hp_demangle_short(const char *raw, char *out, size_t n);

#endif
