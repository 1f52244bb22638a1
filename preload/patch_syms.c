/* patch_syms.c - the function symbols of a loaded module, read inside the profiled process
 * without malloc: the file is mapped read-only and walked by hand (.symtab when present, else
 * .dynsym), every offset bounds-checked. libelf allocates, so it is only for the readers.
 * Also a small demangler for matching: `_ZN3Foo3barEi` -> "Foo::bar" (no parameters). */
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hp/patch.h"
#include "internal.h"
#include "patch_int.h"

int hp_elf_check(const void *base, uint64_t size)
{
	const Elf64_Ehdr *eh = base;
	if (size < sizeof(*eh) || eh->e_ident[EI_MAG0] != ELFMAG0 ||
	    eh->e_ident[EI_MAG1] != ELFMAG1 || eh->e_ident[EI_MAG2] != ELFMAG2 ||
	    eh->e_ident[EI_MAG3] != ELFMAG3 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > size ||
	    (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > size - eh->e_shoff ||
	    eh->e_shoff % 8) /* real files align their tables; the walk reads them in place */
		return -1;
	return 0;
}

int hp_elf_map(const char *path, struct hp_elf_file *f)
{
	f->base = NULL;
	f->size = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return -1;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	if (hp_elf_check(m, (uint64_t)st.st_size) < 0) {
		munmap(m, (size_t)st.st_size);
		return -1;
	}
	f->base = m;
	f->size = (uint64_t)st.st_size;
	f->key = hp_plan_key((uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
			     (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
				     (uint64_t)st.st_mtim.tv_nsec);
	return 0;
}

void hp_elf_unmap(struct hp_elf_file *f)
{
	if (f->base)
		munmap((void *)f->base, f->size);
	f->base = NULL;
}

static const Elf64_Shdr *shdr(const struct hp_elf_file *f, uint32_t i)
{
	const Elf64_Ehdr *eh = (const void *)f->base;
	if (i >= eh->e_shnum)
		return NULL;
	return (const Elf64_Shdr *)(f->base + eh->e_shoff) + i;
}

static int in_file(const struct hp_elf_file *f, uint64_t off, uint64_t len)
{
	return off <= f->size && len <= f->size - off;
}

/* The symbol table of `type` and its string table; 0 or -1. */
static int find_table(const struct hp_elf_file *f, uint32_t type, const Elf64_Sym **syms,
		      uint64_t *nsyms, const char **str, uint64_t *strsz)
{
	const Elf64_Ehdr *eh = (const void *)f->base;
	for (uint32_t i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *s = shdr(f, i);
		if (s->sh_type != type || s->sh_entsize != sizeof(Elf64_Sym) || s->sh_offset % 8 ||
		    !in_file(f, s->sh_offset, s->sh_size))
			continue;
		const Elf64_Shdr *ss = shdr(f, s->sh_link);
		if (!ss || ss->sh_type != SHT_STRTAB || !in_file(f, ss->sh_offset, ss->sh_size) ||
		    !ss->sh_size)
			continue;
		*syms = (const void *)(f->base + s->sh_offset);
		*nsyms = s->sh_size / sizeof(Elf64_Sym);
		*str = (const char *)f->base + ss->sh_offset;
		*strsz = ss->sh_size;
		return 0;
	}
	return -1;
}

int hp_elf_functions(const struct hp_elf_file *f, hp_elf_func_cb cb, void *arg)
{
	const Elf64_Sym *syms;
	uint64_t n, strsz;
	const char *str;
	if (find_table(f, SHT_SYMTAB, &syms, &n, &str, &strsz) < 0 &&
	    find_table(f, SHT_DYNSYM, &syms, &n, &str, &strsz) < 0)
		return 0;
	const Elf64_Ehdr *eh = (const void *)f->base;
	for (uint64_t i = 1; i < n; i++) {
		const Elf64_Sym *s = &syms[i];
		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || !s->st_size ||
		    s->st_shndx == SHN_UNDEF || s->st_shndx >= eh->e_shnum || s->st_name >= strsz)
			continue;
		const Elf64_Shdr *sec = shdr(f, s->st_shndx);
		if (!sec || !(sec->sh_flags & SHF_EXECINSTR))
			continue;
		const char *name = str + s->st_name;
		/* NUL within the table. */
		uint64_t k = s->st_name;
		while (k < strsz && str[k])
			k++;
		if (k >= strsz || !*name)
			continue;
		int r = cb(arg, name, s->st_value, s->st_size,
			   ELF64_ST_BIND(s->st_info) == STB_LOCAL);
		if (r)
			return r;
	}
	return 0;
}

int hp_elf_imports(const struct hp_elf_file *f, const char *name)
{
	const Elf64_Sym *syms;
	uint64_t n, strsz;
	const char *str;
	if (find_table(f, SHT_DYNSYM, &syms, &n, &str, &strsz) < 0)
		return 0;
	size_t len = hp_strlen(name);
	for (uint64_t i = 1; i < n; i++) {
		const Elf64_Sym *s = &syms[i];
		if (s->st_shndx != SHN_UNDEF || s->st_name >= strsz || strsz - s->st_name <= len)
			continue;
		if (!hp_strncmp(str + s->st_name, name, len + 1))
			return 1;
	}
	return 0;
}

/* ---- demangling for matching ---- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* One <source-name> (<length><identifier>) at *p; appends it. 0 or -1. */
static int source_name(const char **p, char *out, size_t n, size_t *at, const char **last,
		       size_t *last_len)
{
	size_t len = 0;
	const char *s = *p;
	if (!is_digit(*s))
		return -1;
	while (is_digit(*s)) {
		len = len * 10 + (size_t)(*s - '0');
		if (len > 4096)
			return -1;
		s++;
	}
	for (size_t i = 0; i < len; i++)
		if (!s[i])
			return -1;
	/* Rust legacy mangling ends the path with a hash element "h<16 hex digits>": drop it. */
	if (len == 17 && s[0] == 'h' && s[len] == 'E') {
		int hex = 1;
		for (size_t i = 1; i < len && hex; i++)
			hex = is_digit(s[i]) || (s[i] >= 'a' && s[i] <= 'f');
		if (hex) {
			*p = s + len;
			return 0;
		}
	}
	if (*at) {
		if (*at + 2 >= n)
			return -1;
		out[(*at)++] = ':';
		out[(*at)++] = ':';
	}
	if (*at + len >= n)
		return -1;
	hp_memcpy(out + *at, s, len);
	*last = out + *at;
	*last_len = len;
	*at += len;
	out[*at] = 0;
	*p = s + len;
	return 0;
}

static size_t demangle_core(const char *raw, char *out, size_t n);

/* A clone suffix (".cold", ".part.0", ".isra.0", ".constprop.0") stays on the name: "foo.cold"
 * is not "foo". */
size_t hp_demangle_short(const char *raw, char *out, size_t n)
{
	size_t at = demangle_core(raw, out, n);
	const char *dot = raw;
	while (*dot && *dot != '.')
		dot++;
	if (at && *dot) {
		size_t l = hp_strlen(dot);
		if (at + l >= n)
			return 0;
		hp_memcpy(out + at, dot, l + 1);
		at += l;
	}
	return at;
}

static size_t demangle_core(const char *raw, char *out, size_t n)
{
	size_t at = 0;
	const char *last = NULL;
	size_t last_len = 0;
	if (n < 2 || raw[0] != '_' || raw[1] != 'Z')
		return 0;
	out[0] = 0;
	const char *p = raw + 2;
	if (*p == 'L')
		p++; /* internal linkage */
	if (*p != 'N')
		return source_name(&p, out, n, &at, &last, &last_len) < 0 ? 0 : at;
	p++;
	while (*p == 'r' || *p == 'V' || *p == 'K' || *p == 'R' || *p == 'O')
		p++;
	if (p[0] == 'S' && p[1] == 't') {
		hp_strlcpy(out, "std", n);
		at = 3;
		p += 2;
	}
	while (*p && *p != 'E') {
		if (is_digit(*p)) {
			if (source_name(&p, out, n, &at, &last, &last_len) < 0)
				return 0;
		} else if ((p[0] == 'C' && p[1] >= '1' && p[1] <= '4') ||
			   (p[0] == 'D' && p[1] >= '0' && p[1] <= '4')) {
			/* Constructor / destructor: the class name again. */
			if (!last || at + last_len + 4 >= n)
				return 0;
			char cls[256];
			size_t cl = last_len < sizeof(cls) - 1 ? last_len : sizeof(cls) - 1;
			hp_memcpy(cls, last, cl);
			out[at++] = ':';
			out[at++] = ':';
			if (p[0] == 'D')
				out[at++] = '~';
			hp_memcpy(out + at, cls, cl);
			at += cl;
			out[at] = 0;
			p += 2;
		} else {
			return 0; /* templates, operators, substitutions: match the raw name */
		}
	}
	return *p == 'E' ? at : 0;
}
