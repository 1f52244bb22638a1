/* symtab.c - ELF function symbols: open a module (and its separate debug file), read .symtab
 * or .dynsym into one sorted array per module, find the function holding an address, and list
 * a file's functions for hp_elf_foreach_function. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>

#include "hp/open_regular.h"

#include "sym_internal.h"
#include "symbolize.h"

#define HP_DEBUG_ROOT "/usr/lib/debug"

void hp_sym_copy(char *dst, const char *src, size_t n)
{
	size_t len;

	if (n == 0)
		return;
	len = strnlen(src, n - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

int hp_elf_open(const char *path, struct hp_elf_file *f)
{
	struct stat st;
	int ret;

	f->fd = -1;
	f->elf = NULL;
	elf_version(EV_CURRENT);
	/* The path may come from a region another user wrote: a FIFO or a device there must not
	 * block or be opened (symbolic links are followed: libraries are named through them). */
	f->fd = hp_open_regular(path, 1, &st, NULL, 0);
	if (f->fd == -EBADMSG) {
		f->fd = -1;
		return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? -EISDIR : -ENOEXEC;
	}
	if (f->fd < 0) {
		ret = f->fd;
		f->fd = -1;
		return ret;
	}
	ret = -ENOEXEC;
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF)
		goto err;
	return 0;
err:
	hp_elf_close(f);
	return ret;
}

void hp_elf_close(struct hp_elf_file *f)
{
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	f->elf = NULL;
	f->fd = -1;
}

Elf_Scn *hp_elf_section(Elf *elf, GElf_Word type)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			return scn;
	}
	return NULL;
}

int hp_sym_is_function(const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);

	return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_shndx != SHN_UNDEF;
}

/* Whether `candidate` is a debug file for `elf`: an ELF, not the file itself, with the same
 * build-id when both have one. */
static int debug_file_try(const char *candidate, Elf *elf, const struct stat *self,
			  struct hp_elf_file *dbg)
{
	const void *id, *dbg_id;
	ssize_t len, dbg_len;
	struct stat st;

	if (stat(candidate, &st) < 0 || (st.st_dev == self->st_dev && st.st_ino == self->st_ino))
		return -ENOENT;
	if (hp_elf_open(candidate, dbg) < 0)
		return -ENOENT;
	len = dwelf_elf_gnu_build_id(elf, &id);
	dbg_len = dwelf_elf_gnu_build_id(dbg->elf, &dbg_id);
	if (len > 0 && dbg_len > 0 && (len != dbg_len || memcmp(id, dbg_id, len) != 0)) {
		hp_elf_close(dbg);
		return -ENOENT;
	}
	return 0;
}

int hp_debug_file_open(Elf *elf, const char *path, struct hp_elf_file *dbg)
{
	char candidate[PATH_MAX], dir[PATH_MAX];
	const unsigned char *id;
	const char *link;
	GElf_Word crc;
	struct stat self;
	ssize_t len;
	char *slash;
	size_t off;

	dbg->fd = -1;
	dbg->elf = NULL;
	if (stat(path, &self) < 0)
		return -ENOENT;

	len = dwelf_elf_gnu_build_id(elf, (const void **)&id);
	if (len > 1) {
		static const char hex[] = "0123456789abcdef";

		/* .build-id/ab/cdef….debug; a build-id is at most a few dozen bytes. */
		off = (size_t)snprintf(candidate, sizeof(candidate),
				       HP_DEBUG_ROOT "/.build-id/%02x/", id[0]);
		for (ssize_t i = 1; i < len && off + 8 < sizeof(candidate); i++) {
			candidate[off++] = hex[id[i] >> 4];
			candidate[off++] = hex[id[i] & 15];
		}
		memcpy(candidate + off, ".debug", sizeof(".debug"));
		if (debug_file_try(candidate, elf, &self, dbg) == 0)
			return 0;
	}

	link = dwelf_elf_gnu_debuglink(elf, &crc);
	if (!link || !*link || !realpath(path, dir))
		return -ENOENT;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	/* The places gdb looks: next to the file, in .debug/ beside it, under the debug root. */
	static const char *const fmts[] = {"%s/%s", "%s/.debug/%s", HP_DEBUG_ROOT "%s/%s"};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		int n = snprintf(candidate, sizeof(candidate), fmts[i], dir, link);

		if (n < 0 || n >= (int)sizeof(candidate))
			continue;
		if (debug_file_try(candidate, elf, &self, dbg) == 0)
			return 0;
	}
	return -ENOENT;
}

int hp_symbols_open(const char *path, struct hp_elf_file *file, struct hp_elf_file *dbg, Elf **elf,
		    Elf_Scn **scn)
{
	int ret;

	dbg->fd = -1;
	dbg->elf = NULL;
	ret = hp_elf_open(path, file);
	if (ret < 0)
		return ret;
	*elf = file->elf;
	*scn = hp_elf_section(file->elf, SHT_SYMTAB);
	if (*scn)
		return 0;
	/* Stripped: the full table may live in the separate debug file. */
	if (hp_debug_file_open(file->elf, path, dbg) == 0) {
		*scn = hp_elf_section(dbg->elf, SHT_SYMTAB);
		if (*scn) {
			*elf = dbg->elf;
			return 0;
		}
		hp_elf_close(dbg);
	}
	*scn = hp_elf_section(file->elf, SHT_DYNSYM); /* may be NULL: no symbols at all */
	return 0;
}

/* Which of several names at one address to show, so the choice is stable: one with a size
 * over one without, then global/weak over local, then a name not starting with '_' (mangled
 * names count as not) over one that does, then global over weak, then fewer leading '_', then
 * the alphabetically first. libc's getpid/__getpid so reads getpid, malloc/__libc_malloc
 * malloc. Negative when a is the better name. */
static int sym_rank_cmp(const struct hp_fsym *a, const struct hp_fsym *b, const char *strings)
{
	const char *na = strings + a->name, *nb = strings + b->name;
	size_t ua, ub;

	if ((a->size != 0) != (b->size != 0))
		return a->size != 0 ? -1 : 1;
	if (a->local != b->local)
		return a->local ? 1 : -1;
	ua = strspn(na, "_");
	ub = strspn(nb, "_");
	if (ua == 1 && (na[1] == 'Z' || na[1] == 'R'))
		ua = 0;
	if (ub == 1 && (nb[1] == 'Z' || nb[1] == 'R'))
		ub = 0;
	if ((ua != 0) != (ub != 0))
		return ua != 0 ? 1 : -1;
	if (a->bind != b->bind)
		return a->bind == STB_GLOBAL ? -1 : b->bind == STB_GLOBAL ? 1 : 0;
	if (ua != ub)
		return ua < ub ? -1 : 1;
	return strcmp(na, nb);
}

static int sym_cmp(const void *pa, const void *pb, void *strings)
{
	const struct hp_fsym *a = pa, *b = pb;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return sym_rank_cmp(a, b, strings);
}

/* sh_addr + sh_size of every section, so a zero-size symbol does not reach past its own. */
static uint64_t *section_ends(Elf *elf, size_t *n)
{
	uint64_t *ends;
	GElf_Shdr sh;

	if (elf_getshdrnum(elf, n) < 0)
		return NULL;
	ends = calloc(*n ? *n : 1, sizeof(*ends));
	if (!ends)
		return NULL;
	for (size_t i = 0; i < *n; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);

		ends[i] = scn && gelf_getshdr(scn, &sh) ? sh.sh_addr + sh.sh_size : UINT64_MAX;
	}
	return ends;
}

static int strings_add(struct hp_symtab *t, size_t *cap, const char *name, uint32_t *off)
{
	size_t len = strlen(name) + 1;

	if (t->strings_len + len > UINT32_MAX)
		return -EFBIG;
	if (t->strings_len + len > *cap) {
		size_t ncap = *cap ? *cap : 4096;
		char *p;

		while (ncap < t->strings_len + len)
			ncap *= 2;
		p = realloc(t->strings, ncap);
		if (!p)
			return -ENOMEM;
		t->strings = p;
		*cap = ncap;
	}
	memcpy(t->strings + t->strings_len, name, len);
	*off = (uint32_t)t->strings_len;
	t->strings_len += len;
	return 0;
}

static int symtab_read(struct hp_symtab *t, Elf *elf, Elf_Scn *scn)
{
	size_t count, nends = 0, strings_cap = 0, n = 0;
	uint64_t *ends = NULL;
	Elf_Data *data;
	GElf_Shdr sh;
	int ret = -ENOMEM;

	if (!gelf_getshdr(scn, &sh) || sh.sh_entsize == 0)
		return -ENOEXEC;
	data = elf_getdata(scn, NULL);
	if (!data)
		return -ENOEXEC;
	count = sh.sh_size / sh.sh_entsize;
	ends = section_ends(elf, &nends);
	t->syms = calloc(count ? count : 1, sizeof(*t->syms));
	if (!ends || !t->syms)
		goto out;

	for (size_t i = 0; i < count; i++) {
		struct hp_fsym *f = &t->syms[n];
		const char *name;
		GElf_Sym sym;

		if (!gelf_getsym(data, (int)i, &sym) || !hp_sym_is_function(&sym))
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		ret = strings_add(t, &strings_cap, name, &f->name);
		if (ret < 0)
			goto out;
		f->addr = sym.st_value;
		f->size = sym.st_size;
		f->bind = GELF_ST_BIND(sym.st_info);
		f->local = f->bind == STB_LOCAL;
		f->limit = sym.st_shndx < nends ? ends[sym.st_shndx] : UINT64_MAX;
		if (f->limit < f->addr)
			f->limit = UINT64_MAX;
		n++;
	}

	qsort_r(t->syms, n, sizeof(*t->syms), sym_cmp, t->strings);
	/* Keep the best-ranked name of each address: it sorts first. */
	t->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (t->n > 0 && t->syms[t->n - 1].addr == t->syms[i].addr)
			continue;
		t->syms[t->n++] = t->syms[i];
	}
	ret = 0;
out:
	free(ends);
	return ret;
}

int hp_symtab_load(const char *path, struct hp_symtab *t)
{
	struct hp_elf_file file, dbg;
	Elf_Scn *scn;
	Elf *elf;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = hp_symbols_open(path, &file, &dbg, &elf, &scn);
	if (ret < 0)
		return ret;
	if (scn)
		ret = symtab_read(t, elf, scn);
	hp_elf_close(&dbg);
	hp_elf_close(&file);
	if (ret < 0)
		hp_symtab_free(t);
	return ret;
}

void hp_symtab_free(struct hp_symtab *t)
{
	if (t->demangled) {
		for (size_t i = 0; i < t->n; i++) {
			char *d = t->demangled[i];

			/* Names that were not mangled point into the pool. */
			if (d && (d < t->strings || d >= t->strings + t->strings_len))
				free(d);
		}
		free(t->demangled);
	}
	free(t->syms);
	free(t->strings);
	memset(t, 0, sizeof(*t));
}

static int sym_covers(const struct hp_fsym *f, uint64_t vaddr)
{
	if (vaddr < f->addr)
		return 0;
	if (f->size)
		return vaddr - f->addr < f->size;
	return vaddr < f->limit;
}

const struct hp_fsym *hp_symtab_find(const struct hp_symtab *t, uint64_t vaddr)
{
	size_t lo = 0, hi = t->n;

	/* The last symbol starting at or before vaddr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	if (sym_covers(&t->syms[lo - 1], vaddr))
		return &t->syms[lo - 1];
	/* A sized symbol that encloses a smaller one (hand-written assembly): look a few back. */
	for (size_t i = lo - 1, k = 0; i > 0 && k < 4; i--, k++) {
		const struct hp_fsym *f = &t->syms[i - 1];

		if (f->size && sym_covers(f, vaddr))
			return f;
	}
	return NULL;
}

const char *hp_symtab_demangled(struct hp_symtab *t, size_t i)
{
	char buf[HP_SYM_NAME_MAX];
	const char *raw;

	if (!t->demangled) {
		t->demangled = calloc(t->n ? t->n : 1, sizeof(*t->demangled));
		if (!t->demangled)
			return NULL;
	}
	if (t->demangled[i])
		return t->demangled[i];
	raw = t->strings + t->syms[i].name;
	if (hp_demangle(raw, buf, sizeof(buf)) == 1)
		t->demangled[i] = strdup(buf);
	else
		t->demangled[i] = (char *)raw;
	return t->demangled[i];
}

int hp_elf_foreach_function(const char *path, hp_func_cb cb, void *arg)
{
	char demangled[HP_SYM_NAME_MAX];
	struct hp_elf_file file, dbg;
	size_t count;
	Elf_Data *data;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf *elf;
	int ret;

	if (!path || !cb)
		return -EINVAL;
	ret = hp_symbols_open(path, &file, &dbg, &elf, &scn);
	if (ret < 0)
		return ret;
	if (!scn)
		goto out;
	ret = -ENOEXEC;
	if (!gelf_getshdr(scn, &sh) || sh.sh_entsize == 0 || !(data = elf_getdata(scn, NULL)))
		goto out;
	ret = 0;
	count = sh.sh_size / sh.sh_entsize;
	for (size_t i = 0; i < count && ret == 0; i++) {
		const char *name;
		GElf_Sym sym;

		if (!gelf_getsym(data, (int)i, &sym) || !hp_sym_is_function(&sym) ||
		    sym.st_size == 0 || sym.st_shndx == SHN_ABS || sym.st_shndx == SHN_COMMON)
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		hp_demangle(name, demangled, sizeof(demangled));
		ret = cb(arg, name, demangled, sym.st_value, sym.st_size,
			 GELF_ST_BIND(sym.st_info) == STB_LOCAL);
	}
out:
	hp_elf_close(&dbg);
	hp_elf_close(&file);
	return ret;
}
