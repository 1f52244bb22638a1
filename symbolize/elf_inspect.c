/* elf_inspect.c - the ELF facts the launcher checks before it starts a program: dynamic or
 * static, PIE, its own malloc, and whether it (or a library it needs) was built with
 * -finstrument-functions. The library search follows ld.so: RPATH, LD_LIBRARY_PATH, RUNPATH,
 * /etc/ld.so.conf, the default directories; one level of DT_NEEDED deep. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/arch/arch.h" /* the multiarch library folders */
#include "sym_internal.h"
#include "symbolize.h"

#define HP_CYG_ENTER "__cyg_profile_func_enter"
#define HP_MAX_DIRS 128

static const char *const default_dirs[] = {
	HP_ARCH_LIB_DIRS, "/lib64", "/usr/lib64", "/usr/lib", "/lib",
};

/* Libraries of the toolchain itself: never built with -finstrument-functions. */
static const char *const system_libs[] = {
	"libc.so",    "libm.so",      "libpthread.so", "libdl.so",    "librt.so",
	"libutil.so", "libresolv.so", "libmvec.so",    "libgcc_s.so", "libstdc++.so",
	"ld-linux",   "libanl.so",    "libnsl.so",     "libcrypt.so", "libatomic.so",
	"libgomp.so", "libasan.so",   "libubsan.so",   "libtsan.so",  "liblsan.so",
};

struct hp_dirs {
	char *dir[HP_MAX_DIRS];
	size_t n;
};

static void dirs_add(struct hp_dirs *d, const char *dir, size_t len)
{
	if (len == 0 || d->n == HP_MAX_DIRS)
		return;
	d->dir[d->n] = strndup(dir, len);
	if (d->dir[d->n])
		d->n++;
}

static void dirs_free(struct hp_dirs *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->dir[i]);
	d->n = 0;
}

/* A colon-separated list with $ORIGIN / ${ORIGIN} replaced by `origin`. */
static void dirs_add_list(struct hp_dirs *d, const char *list, const char *origin)
{
	while (list && *list) {
		size_t len = strcspn(list, ":;");
		char buf[PATH_MAX];
		size_t o = 0;

		for (size_t i = 0; i < len && o + 1 < sizeof(buf);) {
			if (strncmp(list + i, "$ORIGIN", 7) == 0 ||
			    strncmp(list + i, "${ORIGIN}", 9) == 0) {
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", origin);
				if (o >= sizeof(buf))
					o = sizeof(buf) - 1;
				i += list[i + 1] == '{' ? 9 : 7;
			} else {
				buf[o++] = list[i++];
			}
		}
		dirs_add(d, buf, o);
		list += len;
		if (*list)
			list++;
	}
}

/* The directories of /etc/ld.so.conf, following `include` globs a few levels deep. */
static void dirs_add_conf(struct hp_dirs *d, const char *conf, int depth)
{
	char line[PATH_MAX];
	FILE *f;

	if (depth > 4 || !(f = fopen(conf, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		p[strcspn(p, "#\n")] = '\0';
		p += strspn(p, " \t");
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (strncmp(p, "include", 7) == 0 && (p[7] == ' ' || p[7] == '\t')) {
			char pattern[PATH_MAX];
			glob_t g;

			p += 7 + strspn(p + 7, " \t");
			/* A relative pattern is relative to the including file's directory. */
			snprintf(pattern, sizeof(pattern), "%s%s", *p == '/' ? "" : "/etc/", p);
			if (glob(pattern, 0, NULL, &g) == 0) {
				for (size_t i = 0; i < g.gl_pathc; i++)
					dirs_add_conf(d, g.gl_pathv[i], depth + 1);
				globfree(&g);
			}
		} else if (*p == '/') {
			dirs_add(d, p, strcspn(p, " \t="));
		}
	}
	fclose(f);
}

/* Look through a symbol table for `name`; *defined says whether it was defined. */
static int symtab_has(Elf *elf, Elf_Scn *scn, const char *name, int func_only, int *defined)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	GElf_Shdr sh;
	size_t count;

	if (!data || !gelf_getshdr(scn, &sh) || sh.sh_entsize == 0)
		return 0;
	count = sh.sh_size / sh.sh_entsize;
	for (size_t i = 0; i < count; i++) {
		const char *n;
		GElf_Sym sym;

		if (!gelf_getsym(data, (int)i, &sym) || sym.st_name == 0)
			continue;
		if (func_only && !hp_sym_is_function(&sym))
			continue;
		n = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (n && strcmp(n, name) == 0) {
			*defined = sym.st_shndx != SHN_UNDEF;
			return 1;
		}
	}
	return 0;
}

/* Whether the .dynsym (or .symtab) of `elf` has an undefined __cyg_profile_func_enter. */
static int references_cyg(Elf *elf)
{
	GElf_Word types[] = {SHT_DYNSYM, SHT_SYMTAB};
	int defined;

	for (size_t i = 0; i < 2; i++) {
		Elf_Scn *scn = hp_elf_section(elf, types[i]);

		if (scn && symtab_has(elf, scn, HP_CYG_ENTER, 0, &defined) && !defined)
			return 1;
	}
	return 0;
}

static int defines_malloc(Elf *elf)
{
	GElf_Word types[] = {SHT_DYNSYM, SHT_SYMTAB};
	int defined;

	for (size_t i = 0; i < 2; i++) {
		Elf_Scn *scn = hp_elf_section(elf, types[i]);

		if (scn && symtab_has(elf, scn, "malloc", 1, &defined) && defined)
			return 1;
	}
	return 0;
}

static int is_system_lib(const char *name)
{
	for (size_t i = 0; i < sizeof(system_libs) / sizeof(system_libs[0]); i++) {
		if (strncmp(name, system_libs[i], strlen(system_libs[i])) == 0)
			return 1;
	}
	return 0;
}

/* Whether the ELF at `path` is of the executable's machine and class and references the hooks:
 * 1, 0 when it does not, -1 when it is not such a library (the search goes on, as in ld.so). */
static int lib_references_cyg(const char *path, const GElf_Ehdr *exe)
{
	struct hp_elf_file lib;
	GElf_Ehdr eh;
	int found = -1;

	if (hp_elf_open(path, &lib) < 0)
		return -1;
	if (gelf_getehdr(lib.elf, &eh) && eh.e_machine == exe->e_machine &&
	    eh.e_ident[EI_CLASS] == exe->e_ident[EI_CLASS])
		found = references_cyg(lib.elf);
	hp_elf_close(&lib);
	return found;
}

/* Whether library `name`, the first match in `dirs` (or the path itself when it has a '/'),
 * references the hooks. */
static int needed_references_cyg(const char *name, const struct hp_dirs *dirs, const GElf_Ehdr *exe)
{
	char path[PATH_MAX];

	if (strchr(name, '/'))
		return lib_references_cyg(name, exe) == 1;
	for (size_t i = 0; i < dirs->n; i++) {
		int found;

		if (snprintf(path, sizeof(path), "%s/%s", dirs->dir[i], name) >= (int)sizeof(path))
			continue;
		found = lib_references_cyg(path, exe);
		if (found >= 0)
			return found;
	}
	return 0;
}

/* A sanitizer runtime among the DT_NEEDED entries: its name in `out`, else "". */
static void needed_sanitizer(Elf *elf, char *out, size_t outlen)
{
	static const char *const rts[] = {"libasan.so"};
	Elf_Scn *scn = hp_elf_section(elf, SHT_DYNAMIC);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	GElf_Shdr sh;

	out[0] = '\0';
	if (!data || !gelf_getshdr(scn, &sh) || sh.sh_entsize == 0)
		return;
	for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Dyn dyn;
		const char *s;

		if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED || !(s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val)))
			continue;
		for (size_t k = 0; k < sizeof(rts) / sizeof(rts[0]); k++)
			if (!strncmp(s, rts[k], strlen(rts[k])) && !strchr(s, '/') &&
			    strlen(s) < outlen)
				snprintf(out, outlen, "%s", s);
	}
}

/* The DT_NEEDED libraries of the executable, searched the way ld.so would. */
static int needed_have_cyg(Elf *elf, const char *path, const GElf_Ehdr *eh)
{
	const char *needed[256], *rpath = NULL, *runpath = NULL;
	char origin[PATH_MAX], *slash;
	struct hp_dirs dirs = {.n = 0};
	size_t nneeded = 0, count;
	Elf_Scn *scn = hp_elf_section(elf, SHT_DYNAMIC);
	Elf_Data *data;
	GElf_Shdr sh;
	int found = 0;

	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_entsize == 0)
		return 0;
	data = elf_getdata(scn, NULL);
	if (!data)
		return 0;
	count = sh.sh_size / sh.sh_entsize;
	for (size_t i = 0; i < count; i++) {
		const char *s;
		GElf_Dyn dyn;

		if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RPATH && dyn.d_tag != DT_RUNPATH)
			continue;
		s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
		if (!s)
			continue;
		if (dyn.d_tag == DT_RPATH)
			rpath = s;
		else if (dyn.d_tag == DT_RUNPATH)
			runpath = s;
		else if (nneeded < sizeof(needed) / sizeof(needed[0]) && !is_system_lib(s))
			needed[nneeded++] = s;
	}
	if (nneeded == 0)
		return 0;

	if (!realpath(path, origin))
		snprintf(origin, sizeof(origin), "%s", path);
	slash = strrchr(origin, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(origin, sizeof(origin), ".");
	if (!runpath) /* RPATH counts only without RUNPATH */
		dirs_add_list(&dirs, rpath, origin);
	dirs_add_list(&dirs, getenv("LD_LIBRARY_PATH"), origin);
	dirs_add_list(&dirs, runpath, origin);
	dirs_add_conf(&dirs, "/etc/ld.so.conf", 0);
	for (size_t i = 0; i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++)
		dirs_add(&dirs, default_dirs[i], strlen(default_dirs[i]));

	for (size_t i = 0; i < nneeded && !found; i++)
		found = needed_references_cyg(needed[i], &dirs, eh);
	dirs_free(&dirs);
	return found;
}

static void err_set(char *err, size_t errlen, const char *what, int errnum)
{
	if (err && errlen)
		snprintf(err, errlen, "%s%s%s", what ? what : "", what ? ": " : "",
			 strerror(errnum));
}

int hp_elf_inspect(const char *path, struct hp_elf_facts *facts, char *err, size_t errlen)
{
	static const unsigned char magic[SELFMAG] = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3};
	unsigned char ident[SELFMAG];
	struct hp_elf_file file;
	int has_interp = 0, fd;
	size_t phnum;
	GElf_Ehdr eh;
	ssize_t got;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !facts) {
		err_set(err, errlen, NULL, EINVAL);
		return -EINVAL;
	}
	memset(facts, 0, sizeof(*facts));

	/* A script or other non-ELF file is an answer, not an error. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		err_set(err, errlen, "cannot open", -ret);
		return ret;
	}
	got = read(fd, ident, sizeof(ident));
	ret = got < 0 ? -errno : 0;
	close(fd);
	if (ret < 0) {
		err_set(err, errlen, "cannot read", -ret);
		return ret;
	}
	if (got < (ssize_t)sizeof(ident) || memcmp(ident, magic, sizeof(magic)) != 0)
		return 0;

	ret = hp_elf_open(path, &file);
	if (ret == 0 && !gelf_getehdr(file.elf, &eh)) {
		hp_elf_close(&file);
		ret = -ENOEXEC;
	}
	if (ret < 0) {
		err_set(err, errlen, "malformed ELF", -ret);
		return ret;
	}
	facts->is_elf = 1;
	facts->machine = eh.e_machine;
	if (elf_getphdrnum(file.elf, &phnum) == 0) {
		for (size_t i = 0; i < phnum; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(file.elf, (int)i, &ph) && ph.p_type == PT_INTERP)
				has_interp = 1;
		}
	}
	facts->is_dynamic = has_interp;
	facts->is_pie = eh.e_type == ET_DYN && has_interp;
	facts->defines_malloc = defines_malloc(file.elf);
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(file.elf, scn));) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			facts->has_symtab = 1;
	}
	facts->has_cyg_hooks = references_cyg(file.elf) || needed_have_cyg(file.elf, path, &eh);
	needed_sanitizer(file.elf, facts->sanitizer_rt, sizeof(facts->sanitizer_rt));
	hp_elf_close(&file);
	return 0;
}
