/* symbolize.h - addresses to names: ELF symbol tables (libelf), source lines (libdw), C++ and
 * Rust demangling, and the ELF facts the launcher checks before it starts a program.
 * Used by the readers only (hotpath run/report/console); never inside the profiled process. */
#ifndef HP_SYMBOLIZE_H
#define HP_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

#define HP_SYM_NAME_MAX 1024
#define HP_SYM_FILE_MAX 512

struct hp_symbolizer; /* caches one parsed symbol table (and DWARF handle) per module path */

struct hp_sym_info {
	char name[HP_SYM_NAME_MAX]; /* demangled when the name was mangled, else as in the ELF */
	char raw[HP_SYM_NAME_MAX];  /* the name as in the ELF (mangled) */
	uint64_t sym_addr;	    /* runtime address of the symbol's start (file value + bias) */
	uint64_t size;
	int local;		    /* STB_LOCAL: a static function */
	char file[HP_SYM_FILE_MAX]; /* source file from libdw, "" when no debug info */
	int line;		    /* 0 when unknown */
};

struct hp_symbolizer *hp_symbolizer_new(void);
void hp_symbolizer_free(struct hp_symbolizer *s);

/* Resolve runtime address `addr` inside the module at `path` loaded with load bias `bias`
 * (runtime = file vaddr + bias; 0 for a non-PIE executable). Uses .symtab when present, else
 * .dynsym; the symbol is the STT_FUNC (or STT_GNU_IFUNC) whose [value, value+size) holds the
 * address, or the nearest preceding one for zero-size symbols. Fills file:line from libdw
 * when `want_line` and debug info exist (including a separate file found by build-id under
 * /usr/lib/debug/.build-id). Returns 0, -ENOENT when no symbol covers the address, or
 * another -errno when the module cannot be read. Never prints. */
int hp_symbolize(struct hp_symbolizer *s, const char *path, uint64_t bias, uint64_t addr,
		 int want_line, struct hp_sym_info *out);

/* Demangle an Itanium C++ (_Z…) or Rust (legacy _ZN…17h<hash>E with the hash dropped, or v0
 * _R…) name into out. Returns 1 when demangled, 0 when the name is not mangled (out gets a
 * copy), -1 when it looked mangled but failed to demangle (out gets a copy). */
int hp_demangle(const char *name, char *out, size_t outlen);

/* What the launcher needs to know about a program before it runs it. */
struct hp_elf_facts {
	int is_elf;	   /* an ELF file at all */
	int is_dynamic;	   /* has PT_INTERP (LD_PRELOAD can work) */
	int is_pie;	   /* ET_DYN with PT_INTERP */
	int has_cyg_hooks; /* references __cyg_profile_func_enter (-finstrument-functions), in the
			    * executable itself or in one of its DT_NEEDED libraries that can be
			    * found in the usual places (its RUNPATH/RPATH, /etc/ld.so.cache paths) */
	int defines_malloc; /* the executable itself defines malloc (a preloaded malloc is not seen) */
	int machine;	    /* e_machine */
	/* DT_NEEDED name of a sanitizer runtime (libasan.so.N) that insists on coming first in
	 * the initial library list (else it exits 1): LD_PRELOAD must name it before us. */
	char sanitizer_rt[64];
	int has_symtab; /* has a .symtab (not stripped): local functions can be selected */
};

/* Inspect an ELF file. Returns 0 (facts filled; is_elf 0 for a non-ELF file such as a script),
 * or -errno when the file cannot be opened or read; `err` then holds a short reason. */
int hp_elf_inspect(const char *path, struct hp_elf_facts *facts, char *err, size_t errlen);

/* Call `cb` for every function symbol (STT_FUNC/STT_GNU_IFUNC with non-zero size and a
 * section) of the ELF at `path`, from .symtab when present else .dynsym, with the raw and
 * demangled name, its file vaddr, size and binding. Stops early when cb returns non-zero and
 * returns that value; returns 0 when all were visited, -errno on error. */
typedef int (*hp_func_cb)(void *arg, const char *raw, const char *demangled, uint64_t vaddr,
			  uint64_t size, int local);
int hp_elf_foreach_function(const char *path, hp_func_cb cb, void *arg);

#endif
