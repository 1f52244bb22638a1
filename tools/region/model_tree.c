/* model_tree.c - the call tree of the model: free, copy, and the children index that the
 * renderers (text, console) walk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model_tree.h"

void hp_tree_free(struct hp_calltree *t)
{
	if (!t)
		return;
	for (size_t i = 0; !t->strings && t->nodes && i < t->n; i++) {
		free(t->nodes[i].name);
		free(t->nodes[i].module);
	}
	free(t->strings);
	free(t->nodes);
	free(t);
}

struct hp_calltree *hp_tree_dup(const struct hp_calltree *t)
{
	if (!t)
		return NULL;
	struct hp_calltree *c = calloc(1, sizeof(*c));
	if (!c || !(c->nodes = calloc(t->n ? t->n : 1, sizeof(*c->nodes)))) {
		free(c);
		return NULL;
	}
	c->dropped = t->dropped;
	for (size_t i = 0; i < t->n; i++) {
		struct hp_ctnode *n = &c->nodes[c->n++];
		*n = t->nodes[i];
		n->name = t->nodes[i].name ? strdup(t->nodes[i].name) : NULL;
		n->module = t->nodes[i].module ? strdup(t->nodes[i].module) : NULL;
		if ((t->nodes[i].name && !n->name) || (t->nodes[i].module && !n->module)) {
			hp_tree_free(c);
			return NULL;
		}
	}
	return c;
}

/* ---- children ---- */

static const struct hp_calltree *sort_tree; /* qsort has no context argument */

static int by_total(const void *a, const void *b)
{
	const struct hp_ctnode *x = &sort_tree->nodes[*(const size_t *)a];
	const struct hp_ctnode *y = &sort_tree->nodes[*(const size_t *)b];
	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
	if (c)
		return c;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

int hp_children_index(size_t n, size_t (*parent_of)(const void *ctx, size_t i), const void *ctx,
		      size_t **first_out, size_t **kids_out)
{
	size_t *first = calloc(n + 2, sizeof(*first));
	size_t *kids = calloc(n ? n : 1, sizeof(*kids));
	size_t *fill = calloc(n + 1, sizeof(*fill));
	if (!first || !kids || !fill) {
		free(first);
		free(kids);
		free(fill);
		return -ENOMEM;
	}
	/* Count per parent (roots under the virtual node n), prefix sums, then place. */
	for (size_t i = 0; i < n; i++)
		first[parent_of(ctx, i) + 1]++;
	for (size_t i = 1; i < n + 2; i++)
		first[i] += first[i - 1];
	for (size_t i = 0; i < n; i++) {
		size_t q = parent_of(ctx, i);
		kids[first[q] + fill[q]++] = i;
	}
	free(fill);
	*first_out = first;
	*kids_out = kids;
	return 0;
}

/* A node's parent when it comes before the node, else the virtual root n. */
static size_t tree_parent(const void *ctx, size_t i)
{
	const struct hp_calltree *t = ctx;
	int64_t p = t->nodes[i].parent;
	return p >= 0 && (size_t)p < i ? (size_t)p : t->n;
}

int hp_tree_children(const struct hp_calltree *t, size_t **first_out, size_t **kids_out)
{
	size_t n = t ? t->n : 0, *first, *kids;
	if (hp_children_index(n, tree_parent, t, &first, &kids) < 0)
		return -ENOMEM;
	sort_tree = t;
	for (size_t i = 0; i < n + 1; i++)
		if (first[i + 1] - first[i] > 1)
			qsort(kids + first[i], first[i + 1] - first[i], sizeof(*kids), by_total);
	*first_out = first;
	*kids_out = kids;
	return 0;
}
