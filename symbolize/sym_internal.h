/* sym_internal.h - what the files of symbolize/ share: opening ELF files (and their separate
 * debug files), the sorted per-module function table, and the per-module DWARF line lookup.
 * Not for use outside symbolize/. */
#ifndef HP_SYM_INTERNAL_H
#define HP_SYM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <elfutils/libdw.h>
#include <gelf.h>

/* An open ELF file: the descriptor stays open as long as `elf` lives. */
struct hp_elf_file {
	int fd;	  /* -1 when closed */
	Elf *elf; /* ELF_K_ELF, checked by hp_elf_open */
};

/* 0, -errno when the file cannot be opened, -ENOEXEC when it is not an ELF object. */
int hp_elf_open(const char *path, struct hp_elf_file *f);
void hp_elf_close(struct hp_elf_file *f);
/* The first section of type `type` (SHT_SYMTAB, SHT_DYNSYM, SHT_DYNAMIC) or NULL. */
Elf_Scn *hp_elf_section(Elf *elf, GElf_Word type);
/* Find the separate debug file of `elf` (opened from `path`): first by build-id under
 * /usr/lib/debug/.build-id/xx/yyyy.debug, then by .gnu_debuglink next to the file, in its
 * .debug/ directory and under /usr/lib/debug/<dir>/. 0 and `dbg` open, or -ENOENT. */
int hp_debug_file_open(Elf *elf, const char *path, struct hp_elf_file *dbg);

/* One function of a module, at its file vaddr. Aliases at one address are folded into one. */
struct hp_fsym {
	uint64_t addr;	/* st_value */
	uint64_t size;	/* st_size; 0 for symbols without a size */
	uint64_t limit; /* end of the symbol's section: bounds a zero-size symbol's reach */
	uint32_t name;	/* offset of the raw name in hp_symtab.strings */
	uint8_t local;	/* STB_LOCAL */
	uint8_t bind;	/* STB_* */
};

struct hp_symtab {
	struct hp_fsym *syms; /* sorted by addr, one per address */
	size_t n;
	char *strings; /* all raw names, NUL-terminated, back to back */
	size_t strings_len;
	char **demangled; /* per symbol, filled on first use; NULL until then */
};

/* Read the function symbols of the ELF at `path` (.symtab when present, in the file or in its
 * separate debug file, else .dynsym). 0 (possibly with n == 0), or -errno. */
int hp_symtab_load(const char *path, struct hp_symtab *t);
void hp_symtab_free(struct hp_symtab *t);
/* The symbol that holds file address `vaddr`, or NULL. */
const struct hp_fsym *hp_symtab_find(const struct hp_symtab *t, uint64_t vaddr);
/* The demangled (or raw, when not mangled) name of t->syms[i]; NULL only when out of memory. */
const char *hp_symtab_demangled(struct hp_symtab *t, size_t i);

/* Which symbol table a file's functions come from, shared by hp_symtab_load and
 * hp_elf_foreach_function. `file` and `dbg` are to be closed by the caller. */
int hp_symbols_open(const char *path, struct hp_elf_file *file, struct hp_elf_file *dbg, Elf **elf,
		    Elf_Scn **scn);
/* A defined function symbol (STT_FUNC/STT_GNU_IFUNC, st_shndx != SHN_UNDEF). */
int hp_sym_is_function(const GElf_Sym *sym);

/* The DWARF of one module, opened on first use. */
struct hp_cu_range {
	uint64_t lo, hi; /* [lo, hi) in file addresses */
	size_t cu;	 /* index into hp_dwarf.cus */
};

struct hp_dwarf {
	int tried; /* hp_dwarf_open ran; `dw` is NULL when the module has no usable DWARF */
	struct hp_elf_file file;
	Dwarf *dw;
	Dwarf_Die *cus;
	size_t ncus;
	struct hp_cu_range *ranges; /* sorted by lo; built from the CUs, not .debug_aranges */
	size_t nranges;
};

/* Open the DWARF of `path` (or of its separate debug file); at most once per hp_dwarf. */
void hp_dwarf_open(struct hp_dwarf *d, const char *path);
void hp_dwarf_close(struct hp_dwarf *d);
/* The source file and line of file address `vaddr`: 0, or -ENOENT. */
int hp_dwarf_line(struct hp_dwarf *d, uint64_t vaddr, char *file, size_t filelen, int *line);

/* strlcpy: copy what fits, always terminate (when n > 0). */
void hp_sym_copy(char *dst, const char *src, size_t n);

#endif
