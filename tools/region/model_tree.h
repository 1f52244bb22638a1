/* model_tree.h - the calling-context tree in the report model: the threads' nodes of the
 * region merged by path (region_tree.c), or a saved report's call_tree. Renderers are in
 * tools/report/report_tree.h; docs/semantics.md "Self time and the call tree" says what the
 * numbers mean. */
#ifndef HP_MODEL_TREE_H
#define HP_MODEL_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct hp_rregion;
struct hp_symbolizer;

/* One call path. Nodes are stored parents first: nodes[i].parent < i. */
struct hp_ctnode {
	int64_t parent;	   /* index of the parent node, -1 for a root */
	char *name;	   /* as the function rows name it */
	char *module;	   /* path of the ELF object, NULL when unknown */
	uint64_t addr;	   /* 0 when loaded from a report */
	uint64_t calls;	   /* entries on this path (direct recursion folded in) */
	uint64_t total_ns; /* inclusive time of the completed calls on this path */
	uint64_t self_ns;  /* total_ns minus the children's total_ns (never below 0) */
};

struct hp_calltree {
	struct hp_ctnode *nodes;
	size_t n;
	uint64_t dropped; /* calls folded into their parent node (table or cache full) */
	/* When set, every node's name and module point into this one allocation (region_tree.c:
	 * 100,000 nodes made 200,000 strdups) and hp_tree_free frees it instead of each string;
	 * NULL when each node owns its strings (a loaded report, a copy). */
	char *strings;
};

/* p->tree from region `r` (stays NULL when the process ran without the tree): the threads'
 * nodes merged by path. Node names are taken from p->fns by address (so call this after the
 * rows are named and disambiguated), else symbolized with `sym`. Returns 0 or -ENOMEM. */
int hp_tree_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, struct hp_proc *p);

void hp_tree_free(struct hp_calltree *t);
/* A deep copy (history keeps the model it saved). NULL on no memory or when t is NULL. */
struct hp_calltree *hp_tree_dup(const struct hp_calltree *t);

/* Children of each node, by total descending: kids[first[i] .. first[i + 1]) are node i's;
 * the roots are those of the virtual node n (first has n + 2 entries). malloc'd, free both. */
int hp_tree_children(const struct hp_calltree *t, size_t **first, size_t **kids);

/* The same lists for any n nodes whose parent_of(ctx, i) is their parent, or n for a root (a
 * parent comes before its children), in index order; the caller sorts each list. */
int hp_children_index(size_t n, size_t (*parent_of)(const void *ctx, size_t i), const void *ctx,
		      size_t **first, size_t **kids);

#endif
