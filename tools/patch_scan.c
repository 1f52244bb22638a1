/* patch_scan.c - the patching analysis of an ELF file ahead of the run (patch_scan.h): read the
 * symbol table, match the --functions patterns, and ask the patcher whether each selected
 * function can be patched, with the patcher's own analysis: the architecture layer's pure
 * part (preload/arch/arch.h: capstone and the bytes it is given), linked into the readers. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hotpath.h"
#include "patch_scan.h"
#include "symbolize/symbolize.h"

#include "hp/patch.h"
#include "hp/plan.h"
#include "preload/arch/arch.h"

struct lf_module {
	const char *path;
	int is_exe;
	const uint8_t *map;
	size_t size;
	GElf_Phdr ph[64];
	int nph;
	int instrumented;
};

/* The function's bytes in the file, or NULL when they are not in a PT_LOAD with file data. */
/* The function's bytes in the file's mapping, and in *readable how many may be read there (to
 * the end of its segment's file bytes, or of the file); NULL when they are not all there. */
static const uint8_t *lf_bytes(const struct lf_module *m, uint64_t vaddr, uint64_t size,
			       uint64_t *readable)
{
	for (int i = 0; i < m->nph; i++) {
		const GElf_Phdr *p = &m->ph[i];
		if (p->p_type != PT_LOAD || !(p->p_flags & PF_X))
			continue;
		uint64_t at = p->p_offset + (vaddr - p->p_vaddr);
		if (vaddr >= p->p_vaddr && vaddr + size <= p->p_vaddr + p->p_filesz &&
		    at + size <= m->size) {
			uint64_t seg_end = p->p_offset + p->p_filesz;
			*readable = (seg_end < m->size ? seg_end : m->size) - at;
			return m->map + at;
		}
	}
	return NULL;
}

/* "Foo::bar(int) const" -> "Foo::bar" (the parameter list at template depth 0 cut off);
 * "foo(int) [clone .cold]" -> "foo.cold", as the patcher names clones. */
static void strip_params(const char *in, char *out, size_t n)
{
	char clones[256] = "";
	for (const char *c = in; (c = strstr(c, " [clone ")); c += 8) {
		const char *e = strchr(c + 8, ']');
		if (e && strlen(clones) + (size_t)(e - c - 8) < sizeof(clones))
			strncat(clones, c + 8, (size_t)(e - c - 8));
	}
	snprintf(out, n, "%s", in);
	int depth = 0;
	for (char *c = out; *c; c++) {
		if (*c == '<')
			depth++;
		else if (*c == '>' && depth)
			depth--;
		else if (*c == '(' && !depth && c > out &&
			 strncmp(c - 8 > out ? c - 8 : out, "operator", 8)) {
			*c = 0;
			break;
		}
	}
	if (clones[0] && strlen(out) + strlen(clones) < n)
		strcat(out, clones);
}

static int lf_cb(void *arg, const char *raw, const char *demangled, uint64_t vaddr, uint64_t size,
		 int local)
{
	struct hp_patch_scan *st = arg;
	struct lf_module *m = st->m;
	char name[1024];
	strip_params(demangled && *demangled ? demangled : raw, name, sizeof(name));
	const char *b = strrchr(m->path, '/');
	b = b ? b + 1 : m->path;
	int hit = 0;
	const char *list = st->patterns;
	struct hp_pat p;
	while (hp_pat_next(&list, &p)) {
		int match = hp_pat_match(&p, b, strlen(b), m->is_exe, name, strlen(name)) ||
			    hp_pat_match(&p, b, strlen(b), m->is_exe, raw, strlen(raw));
		if (match && p.exclude)
			return 0;
		hit |= match;
	}
	if (!hit)
		return 0;
	st->selected++;
	char detail[64] = "";
	int status = 0;
	uint64_t readable = 0;
	const uint8_t *bytes = lf_bytes(m, vaddr, size, &readable);
	struct hp_arch_plan plan;
	if (strstr(name, ".cold") || hp_patch_denied(raw))
		status = HP_PATCH_EXCLUDED_NAME;
	else if (m->instrumented)
		status = HP_PATCH_INSTRUMENTED;
	else if (!bytes)
		status = HP_PATCH_NOT_CODE;
	else
		status = hp_arch_plan(st->handle, bytes, readable, vaddr, size, vaddr - (1u << 20),
				      1, &plan, detail, sizeof(detail));
	st->ok += status == 0;
	if (st->quiet) {
		if (st->nrecs == st->cap) {
			size_t cap = st->cap ? st->cap * 2 : 1024;
			struct hp_plan_rec *r = realloc(st->recs, cap * sizeof(*r));
			if (!r)
				return 1;
			st->recs = r;
			st->cap = cap;
		}
		struct hp_plan_rec *r = &st->recs[st->nrecs++];
		memset(r, 0, sizeof(*r));
		r->key = st->key;
		r->vaddr = vaddr;
		r->status = status;
		snprintf(r->detail, sizeof(r->detail), "%s", detail);
		/* The plan itself, with the bytes it replaces: the process moves it to its
		 * addresses without a decoder (include/hp/plan.h). */
		uint32_t len = status ? 0 : plan.skip + plan.patch_len;
		if (len && len <= sizeof(r->orig) && len <= readable) {
			r->orig_len = len;
			memcpy(r->orig, bytes, len);
			r->plan = plan;
		}
		return 0;
	}
	printf("  %-10s %s%s", status ? "refused" : "patchable", name, local ? " (static)" : "");
	if (status)
		printf("  -- %s%s%s", hp_patch_reason(status), detail[0] ? ": " : "", detail);
	printf("\n");
	return 0;
}

static int lf_module(struct hp_patch_scan *st, const char *path, int is_exe)
{
	struct lf_module m = {.path = path, .is_exe = is_exe};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		if (!st->quiet)
			hp_err("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	m.size = (size_t)sb.st_size;
	st->key = hp_plan_key((uint64_t)sb.st_dev, (uint64_t)sb.st_ino, (uint64_t)sb.st_size,
			      (uint64_t)sb.st_mtim.tv_sec * 1000000000ull +
				      (uint64_t)sb.st_mtim.tv_nsec);
	m.map = mmap(NULL, m.size, PROT_READ, MAP_PRIVATE, fd, 0);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	size_t nph = 0;
	if (m.map == MAP_FAILED || !e || elf_getphdrnum(e, &nph) < 0) {
		if (!st->quiet)
			hp_err("%s: not an ELF file", path);
		if (e)
			elf_end(e);
		if (m.map != MAP_FAILED)
			munmap((void *)m.map, m.size);
		close(fd);
		return -1;
	}
	for (size_t i = 0; i < nph && m.nph < 64; i++)
		if (gelf_getphdr(e, (int)i, &m.ph[m.nph]))
			m.nph++;
	elf_end(e);
	close(fd);
	struct hp_elf_facts f;
	char why[256];
	/* has_cyg_hooks also counts the module's libraries; the patcher looks at the module
	 * alone, so this may say "instrumented" for a few more functions than a run would. */
	m.instrumented = hp_elf_inspect(path, &f, why, sizeof(why)) == 0 && f.has_cyg_hooks;
	if (!st->quiet)
		printf("%s%s\n", path, is_exe ? "" : " (library)");
	st->m = &m;
	int rc = hp_elf_foreach_function(path, lf_cb, st);
	munmap((void *)m.map, m.size);
	return rc < 0 ? -1 : 0;
}

/* Libraries PROG loads, from the dynamic loader's --list (what ldd prints). */
static int lf_libraries(const char *prog, char ***out, size_t *n)
{
	char cmd[4200];
	*out = NULL;
	*n = 0;
	if (strchr(prog, '\''))
		return -1;
	snprintf(cmd, sizeof(cmd), HP_ARCH_LD_SO " --list '%s' 2>/dev/null", prog);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	char line[4096];
	while (fgets(line, sizeof(line), p)) {
		char *arrow = strstr(line, "=> ");
		if (!arrow)
			continue;
		char *path = arrow + 3, *end = strstr(path, " (");
		if (!end || path[0] != '/')
			continue;
		*end = 0;
		char **v = realloc(*out, (*n + 1) * sizeof(char *));
		if (!v)
			break;
		*out = v;
		v[(*n)++] = strdup(path);
	}
	pclose(p);
	return 0;
}

/* The executable, and the libraries it loads when a pattern names a module. */
int hp_patch_scan(struct hp_patch_scan *st, const char *prog)
{
	int rc = lf_module(st, prog, 1);
	const char *list = st->patterns;
	struct hp_pat p;
	int qualified = 0;
	while (hp_pat_next(&list, &p))
		qualified |= p.mod != NULL;
	if (rc == 0 && qualified) {
		char **libs;
		size_t n;
		lf_libraries(prog, &libs, &n);
		for (size_t i = 0; i < n; i++) {
			const char *b = strrchr(libs[i], '/') + 1;
			int want = 0;
			list = st->patterns;
			while (hp_pat_next(&list, &p))
				want |= p.mod && !p.exclude &&
					hp_glob_n(p.mod, p.mod_len, b, strlen(b));
			if (want)
				lf_module(st, libs[i], 0);
			free(libs[i]);
		}
		free(libs);
	}
	return rc;
}

int hp_patch_scan_open(struct hp_patch_scan *st)
{
	return hp_arch_open(&st->handle) < 0 ? -1 : 0;
}

void hp_patch_scan_close(struct hp_patch_scan *st)
{
	hp_arch_close(&st->handle);
}
