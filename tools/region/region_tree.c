/* region_tree.c - region -> call tree: the threads' HP_T_TREE nodes merged by path (parent
 * path, function), ticks converted to ns, self time derived, names taken from the model. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "region_model.h"
#include "model_tree.h"

struct merged {
	int64_t parent;
	uint64_t addr;
	uint64_t calls, total_ticks;
};

static size_t slot_of(int64_t parent, uint64_t addr, size_t cap)
{
	uint64_t h = ((addr >> 2) ^ ((uint64_t)(parent + 1) << 24)) * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 20) & (cap - 1);
}

/* The function row of `addr` in the index built by fn_index_new, or NULL. */
static const struct hp_fn_row *row_of(const struct hp_proc *p, const int64_t *fn_index, size_t fcap,
				      uint64_t addr)
{
	size_t k = (size_t)(((addr >> 2) * 0x9E3779B97F4A7C15ull) >> 20) & (fcap - 1);
	for (; fn_index[k] >= 0; k = (k + 1) & (fcap - 1))
		if (p->fns[fn_index[k]].addr == addr)
			return &p->fns[fn_index[k]];
	return NULL;
}

/* Open addressing over p->fns by address (*fcap slots, -1 when free), or NULL. */
static int64_t *fn_index_new(const struct hp_proc *p, size_t *fcap)
{
	size_t cap = 64;
	while (cap < p->nfns * 2)
		cap *= 2;
	int64_t *fn_index = malloc(cap * sizeof(*fn_index));
	if (!fn_index)
		return NULL;
	memset(fn_index, -1, cap * sizeof(*fn_index));
	for (size_t i = 0; i < p->nfns; i++) {
		size_t k = (size_t)(((p->fns[i].addr >> 2) * 0x9E3779B97F4A7C15ull) >> 20) &
			   (cap - 1);
		while (fn_index[k] >= 0)
			k = (k + 1) & (cap - 1);
		fn_index[k] = (int64_t)i;
	}
	*fcap = cap;
	return fn_index;
}

/* Name and module of every node: the function row's (already disambiguated), else symbolized
 * (such names are malloc'd and listed in `own`). Returns the bytes they take, or -ENOMEM. */
static int64_t name_nodes(const struct hp_rregion *r, struct hp_symbolizer *sym,
			  const struct hp_proc *p, struct hp_calltree *t, char **own)
{
	size_t fcap;
	int64_t *fn_index = fn_index_new(p, &fcap), bytes = 0;
	if (!fn_index)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		struct hp_ctnode *n = &t->nodes[i];
		const struct hp_fn_row *f = row_of(p, fn_index, fcap, n->addr);
		const char *module = NULL;
		if (f) {
			n->name = f->name ? f->name : "?";
			module = f->module;
		} else if (!(n->name = own[i] = hp_region_symbol(r, sym, n->addr, &module, NULL))) {
			free(fn_index);
			return -ENOMEM;
		}
		n->module = module && *module ? (char *)module : NULL;
		bytes += (int64_t)strlen(n->name) + 1;
		/* Modules repeat: a node whose module reads as the previous node's shares it. */
		if (n->module && (!i || !t->nodes[i - 1].module ||
				  strncmp(n->module, t->nodes[i - 1].module, HP_PATH_MAX)))
			bytes += (int64_t)strnlen(n->module, HP_PATH_MAX) + 1;
	}
	free(fn_index);
	return bytes;
}

/* Copy the names and modules that name_nodes borrowed into one allocation, t->strings. */
static int own_names(struct hp_calltree *t, size_t bytes)
{
	char *at = t->strings = malloc(bytes ? bytes : 1), *last_module = NULL;
	const char *last_src = NULL;
	if (!at)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		struct hp_ctnode *n = &t->nodes[i];
		size_t len = strlen(n->name) + 1;
		memcpy(at, n->name, len);
		n->name = at;
		at += len;
		if (!n->module)
			continue;
		if (!last_src || strncmp(n->module, last_src, HP_PATH_MAX)) {
			last_src = n->module;
			len = strnlen(n->module, HP_PATH_MAX);
			memcpy(at, n->module, len);
			at[len] = 0;
			last_module = at;
			at += len + 1;
		}
		n->module = last_module;
	}
	return 0;
}

static uint64_t to_ns(const struct hp_rregion *r, uint64_t ticks)
{
	return (uint64_t)llround(hp_rregion_ns(r, ticks));
}

static int fill_nodes(const struct hp_rregion *r, struct hp_symbolizer *sym, struct hp_proc *p,
		      const struct merged *m, size_t nm, struct hp_calltree *t)
{
	t->nodes = hp_calloc_big(nm, sizeof(*t->nodes));
	char **own = calloc(nm ? nm : 1, sizeof(*own));
	int rc = t->nodes && own ? 0 : -ENOMEM;
	for (size_t i = 0; rc == 0 && i < nm; i++) {
		struct hp_ctnode *n = &t->nodes[t->n++];
		n->parent = m[i].parent;
		n->addr = m[i].addr;
		n->calls = m[i].calls;
		n->total_ns = to_ns(r, m[i].total_ticks);
	}
	int64_t bytes = rc == 0 ? name_nodes(r, sym, p, t, own) : rc;
	rc = bytes < 0 ? (int)bytes : own_names(t, (size_t)bytes);
	for (size_t i = 0; own && i < nm; i++)
		free(own[i]);
	free(own);
	if (rc < 0) {
		for (size_t i = 0; t->nodes && i < t->n; i++)
			t->nodes[i].name = t->nodes[i].module = NULL; /* borrowed or freed */
		return rc;
	}
	/* self = total - children; a live region may show children done inside a parent call
	 * still running (its time not yet added): then 0, not a wrapped-around number. */
	uint64_t *kids = calloc(t->n ? t->n : 1, sizeof(*kids));
	if (!kids)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].parent >= 0)
			kids[t->nodes[i].parent] += t->nodes[i].total_ns;
	for (size_t i = 0; i < t->n; i++)
		t->nodes[i].self_ns = t->nodes[i].total_ns > kids[i]
					      ? t->nodes[i].total_ns - kids[i]
					      : 0;
	free(kids);
	return 0;
}

int hp_tree_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, struct hp_proc *p)
{
	if (!(r->h->modes & HP_MODE_TREE))
		return 0;
	uint32_t rows = hp_rregion_rows(r, HP_T_TREE);
	size_t cap = 64;
	while (cap < (size_t)rows * 2)
		cap *= 2;
	int64_t *index = malloc(cap * sizeof(*index));		 /* (parent, addr) -> merged */
	int64_t *map = malloc((rows ? rows : 1) * sizeof(*map)); /* row -> merged, -1 skipped */
	struct merged *m = hp_calloc_big(rows, sizeof(*m));
	struct hp_calltree *t = calloc(1, sizeof(*t));
	size_t nm = 0;
	int rc = -ENOMEM;
	if (!index || !map || !m || !t)
		goto out;
	memset(index, -1, cap * sizeof(*index));
	for (uint32_t i = 0; i < rows; i++) {
		const struct hp_tree_node *tn = hp_rregion_row(r, HP_T_TREE, i);
		uint64_t addr = tn ? __atomic_load_n(&tn->fn, __ATOMIC_ACQUIRE) : 0;
		uint32_t parent = tn ? tn->parent : 0;
		map[i] = -1;
		/* Untrusted: a parent must be an earlier row that was kept. */
		if (!addr || (parent && (parent - 1 >= i || map[parent - 1] < 0)))
			continue;
		int64_t mp = parent ? map[parent - 1] : -1;
		size_t k = slot_of(mp, addr, cap);
		while (index[k] >= 0 && (m[index[k]].parent != mp || m[index[k]].addr != addr))
			k = (k + 1) & (cap - 1);
		if (index[k] < 0) {
			index[k] = (int64_t)nm;
			m[nm].parent = mp;
			m[nm].addr = addr;
			nm++;
		}
		map[i] = index[k];
		m[index[k]].calls += tn->calls;
		m[index[k]].total_ticks += tn->total_ticks;
	}
	uint32_t nthreads = hp_rregion_rows(r, HP_T_THREADS);
	for (uint32_t i = 0; i < nthreads; i++) {
		const struct hp_thread_rec *th = hp_rregion_row(r, HP_T_THREADS, i);
		if (th)
			t->dropped += th->tree_fold.calls;
	}
	if ((rc = fill_nodes(r, sym, p, m, nm, t)) < 0)
		goto out;
	p->tree = t;
	t = NULL;
out:
	hp_tree_free(t);
	free(index);
	free(map);
	free(m);
	return rc;
}
