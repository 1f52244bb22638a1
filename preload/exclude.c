/* exclude.c - `!pattern` items of HOTPATH_FUNCTIONS (and `exclude` in hotpath.conf) also drop
 * functions built with -finstrument-functions from recording: at start-up the addresses of
 * every function they match in the loaded modules are collected (sorted, mapped, never
 * malloc'd); funcs.c asks hp_func_excluded once per (thread, function), on its cache miss,
 * and caches the answer, so an excluded function costs one cached lookup per hook and
 * neither a frame nor a timestamp. Modules loaded later with dlopen are not searched.
 * docs/patching.md. */
#include <link.h>
#include <sys/mman.h>

#include "hp/patch.h"
#include "internal.h"
#include "patch_int.h"

#define EXCL_MAX 65536
#define PATS 64

static uint64_t *excl; /* sorted addresses */
static uint32_t nexcl;
static struct hp_pat pats[PATS];
static int npats;

static const char *base_of(const char *path)
{
	const char *b = path;
	for (const char *p = path; *p; p++)
		if (*p == '/')
			b = p + 1;
	return b;
}

struct excl_mod {
	const char *base;
	uint64_t bias;
	int is_exe;
};

static int excl_cb(void *arg, const char *raw, uint64_t value, uint64_t size, int local)
{
	const struct excl_mod *m = arg;
	(void)size, (void)local;
	char dem[HP_LABEL_MAX * 2];
	size_t nl = hp_demangle_short(raw, dem, sizeof(dem));
	const char *name = nl ? dem : raw;
	if (!nl)
		nl = hp_strlen(raw);
	size_t ml = hp_strlen(m->base);
	for (int i = 0; i < npats; i++) {
		if (hp_pat_match(&pats[i], m->base, ml, m->is_exe, name, nl) ||
		    (name != raw &&
		     hp_pat_match(&pats[i], m->base, ml, m->is_exe, raw, hp_strlen(raw)))) {
			if (nexcl < EXCL_MAX)
				excl[nexcl++] = value + m->bias;
			break;
		}
	}
	return 0;
}

/* Could an exclude pattern name a function of this module? */
static int module_wanted(const char *base, int is_exe)
{
	for (int i = 0; i < npats; i++)
		if (pats[i].mod ? hp_glob_n(pats[i].mod, pats[i].mod_len, base, hp_strlen(base))
				: is_exe)
			return 1;
	return 0;
}

static int mods_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	int *index = arg;
	(void)size;
	int is_exe = (*index)++ == 0;
	const char *path = is_exe ? hp_g.hdr->exe : info->dlpi_name;
	if (!path || !*path)
		return 0;
	struct excl_mod m = {base_of(path), (uint64_t)info->dlpi_addr, is_exe};
	if (!module_wanted(m.base, is_exe))
		return 0;
	struct hp_elf_file f;
	if (hp_elf_map(path, &f) < 0)
		return 0;
	hp_elf_functions(&f, excl_cb, &m);
	hp_elf_unmap(&f);
	return 0;
}

static void sift(uint64_t *a, uint32_t i, uint32_t n)
{
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (a[i] >= a[c])
			return;
		uint64_t t = a[i];
		a[i] = a[c];
		a[c] = t;
		i = c;
	}
}

/* Heapsort: no allocation, in the constructor. */
static void sort_addrs(uint64_t *a, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		sift(a, i, n);
	for (uint32_t k = n; k-- > 1;) {
		uint64_t t = a[0];
		a[0] = a[k];
		a[k] = t;
		sift(a, 0, k);
	}
}

void hp_exclude_init(void)
{
	const char *list = hp_getenv("HOTPATH_FUNCTIONS");
	struct hp_pat p;
	if (!list || !hp_g.hdr)
		return;
	while (hp_pat_next(&list, &p))
		if (p.exclude && npats < PATS)
			pats[npats++] = p;
	if (!npats)
		return;
	void *m = mmap(NULL, sizeof(uint64_t) * EXCL_MAX, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return;
	excl = m;
	int index = 0;
	dl_iterate_phdr(mods_cb, &index);
	sort_addrs(excl, nexcl);
	hp_debug("exclude: %u functions not recorded", nexcl);
	if (!nexcl) {
		munmap(excl, sizeof(uint64_t) * EXCL_MAX);
		excl = NULL;
	}
}

int hp_func_excluded(uint64_t fn)
{
	uint32_t lo = 0, hi = nexcl;
	if (!excl)
		return 0;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (excl[mid] == fn)
			return 1;
		if (excl[mid] < fn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}
