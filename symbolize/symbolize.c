/* symbolize.c - the per-reader symbolizer: one cached function table and DWARF handle per
 * module path, so symbolizing many addresses of a module reads its file once. Not
 * thread-safe: one hp_symbolizer per thread. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sym_internal.h"
#include "symbolize.h"

struct hp_module {
	char *path;
	uint64_t hash; /* of path */
	int load_err;  /* -errno from hp_symtab_load, remembered so a bad path is read once */
	struct hp_symtab syms;
	struct hp_dwarf dwarf;	/* opened on the first want_line lookup */
	struct hp_module *next; /* hash chain */
};

#define HP_SYM_BUCKETS 256 /* power of two; a profile touches tens to hundreds of modules */

struct hp_symbolizer {
	struct hp_module *buckets[HP_SYM_BUCKETS];
	struct hp_module *last; /* most recently used: consecutive addresses share a module */
};

static uint64_t path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

struct hp_symbolizer *hp_symbolizer_new(void)
{
	return calloc(1, sizeof(struct hp_symbolizer));
}

void hp_symbolizer_free(struct hp_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < HP_SYM_BUCKETS; i++) {
		struct hp_module *m = s->buckets[i], *next;

		for (; m; m = next) {
			next = m->next;
			hp_symtab_free(&m->syms);
			hp_dwarf_close(&m->dwarf);
			free(m->path);
			free(m);
		}
	}
	free(s);
}

/* The cached module for `path`, read on first use; NULL only when out of memory. */
static struct hp_module *module_get(struct hp_symbolizer *s, const char *path)
{
	uint64_t h = path_hash(path);
	struct hp_module **bucket = &s->buckets[h & (HP_SYM_BUCKETS - 1)], *m;

	if (s->last && s->last->hash == h && strcmp(s->last->path, path) == 0)
		return s->last;
	for (m = *bucket; m; m = m->next) {
		if (m->hash == h && strcmp(m->path, path) == 0)
			return s->last = m;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->path = strdup(path);
	if (!m->path) {
		free(m);
		return NULL;
	}
	m->hash = h;
	m->load_err = hp_symtab_load(path, &m->syms);
	m->next = *bucket;
	*bucket = m;
	return s->last = m;
}

int hp_symbolize(struct hp_symbolizer *s, const char *path, uint64_t bias, uint64_t addr,
		 int want_line, struct hp_sym_info *out)
{
	const struct hp_fsym *f;
	struct hp_module *m;
	const char *name;

	if (!s || !path || !out)
		return -EINVAL;
	out->name[0] = out->raw[0] = out->file[0] = '\0';
	out->sym_addr = out->size = 0;
	out->local = out->line = 0;

	m = module_get(s, path);
	if (!m)
		return -ENOMEM;
	if (m->load_err < 0)
		return m->load_err;
	if (addr < bias)
		return -ENOENT;
	f = hp_symtab_find(&m->syms, addr - bias);
	if (!f)
		return -ENOENT;

	hp_sym_copy(out->raw, m->syms.strings + f->name, sizeof(out->raw));
	name = hp_symtab_demangled(&m->syms, (size_t)(f - m->syms.syms));
	hp_sym_copy(out->name, name ? name : out->raw, sizeof(out->name));
	out->sym_addr = f->addr + bias;
	out->size = f->size;
	out->local = f->local;
	if (want_line) {
		hp_dwarf_open(&m->dwarf, path);
		if (hp_dwarf_line(&m->dwarf, addr - bias, out->file, sizeof(out->file),
				  &out->line) < 0) {
			out->file[0] = '\0';
			out->line = 0;
		}
	}
	return 0;
}
