/* report_tree.c - the call tree in the report model: free and copy, the `call_tree` JSON
 * members written and read back, the children index the renderers walk, and the stacks handed
 * to the flame graph renderers (flame.h). The indented text is report_tree_text.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "json.h"
#include "report_load.h"
#include "report_tree.h"

/* ---- flame graph input ---- */

void hp_tree_stacks_free(struct hp_flame_stack *s, long n)
{
	for (long i = 0; s && i < n; i++)
		free(s[i].frames);
	free(s);
}

void hp_tree_proc_frame(const struct hp_proc *p, char *buf, size_t size)
{
	const char *cmd = p->argc > 0 && p->argv && p->argv[0] ? p->argv[0] : p->exe ? p->exe : "?";
	const char *base = strrchr(cmd, '/');
	snprintf(buf, size, "%s (%d)", base ? base + 1 : cmd, p->pid);
}

long hp_tree_stacks(const struct hp_proc *p, const char *proc_frame, struct hp_flame_stack **out)
{
	const struct hp_calltree *t = p->tree;
	size_t n = t ? t->n : 0, ns = 0;
	*out = NULL;
	struct hp_flame_stack *s = calloc(n ? n : 1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t depth = 0;
		for (int64_t k = (int64_t)i; k >= 0 && depth <= n; k = t->nodes[k].parent)
			depth++;
		struct hp_flame_stack *st = &s[ns++];
		st->n = depth + (proc_frame ? 1 : 0);
		st->frames = calloc(st->n, sizeof(*st->frames));
		if (!st->frames) {
			hp_tree_stacks_free(s, (long)ns);
			return -ENOMEM;
		}
		size_t at = st->n;
		for (int64_t k = (int64_t)i; k >= 0 && at > 0; k = t->nodes[k].parent) {
			st->frames[--at].name = t->nodes[k].name;
			st->frames[at].module = t->nodes[k].module;
		}
		if (proc_frame)
			st->frames[0].name = proc_frame;
		st->value = t->nodes[i].self_ns;
		st->calls = t->nodes[i].calls;
	}
	*out = s;
	return (long)ns;
}

/* ---- JSON ---- */

void hp_tree_json(struct hp_jw *w, const struct hp_proc *p)
{
	const struct hp_calltree *t = p->tree;
	hp_jw_key(w, "call_tree");
	hp_jw_arr_begin(w);
	for (size_t i = 0; t && i < t->n; i++) {
		const struct hp_ctnode *n = &t->nodes[i];
		int pretty = w->pretty;
		hp_jw_obj_begin(w);
		w->pretty = 0; /* one node per line */
		hp_jw_key(w, "id");
		hp_jw_uint(w, i);
		hp_jw_key(w, "parent");
		if (n->parent >= 0)
			hp_jw_uint(w, (uint64_t)n->parent);
		else
			hp_jw_null(w);
		hp_jw_key(w, "name");
		hp_jw_str(w, n->name);
		hp_jw_key(w, "module");
		hp_jw_str(w, n->module);
		hp_jw_key(w, "calls");
		hp_jw_uint(w, n->calls);
		hp_jw_key(w, "total_ns");
		hp_jw_uint(w, n->total_ns);
		hp_jw_key(w, "self_ns");
		hp_jw_uint(w, n->self_ns);
		hp_jw_obj_end(w);
		w->pretty = pretty;
	}
	hp_jw_arr_end(w);
	hp_jw_key(w, "tree_dropped");
	hp_jw_uint(w, t ? t->dropped : 0);
}

/* One node: its parent must be the id of an earlier node (ids are written as the index). */
static int load_node(struct hp_loader *l, const struct hp_json *o, size_t i, const uint64_t *ids,
		     struct hp_ctnode *n, uint64_t *id)
{
	uint64_t parent = 0;
	int rc, has_parent;

	n->parent = -1;
	if ((rc = hp_load_u64(l, o, "id", id)) < 0 ||
	    (rc = has_parent = hp_load_u64_or_null(l, o, "parent", &parent)) < 0 ||
	    (rc = hp_load_str(l, o, "name", &n->name)) < 0 ||
	    (rc = hp_load_str(l, o, "module", &n->module)) < 0 ||
	    (rc = hp_load_u64(l, o, "calls", &n->calls)) < 0 ||
	    (rc = hp_load_u64(l, o, "total_ns", &n->total_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "self_ns", &n->self_ns)) < 0)
		return rc;
	if (!hp_json_get(o, "id"))
		return hp_load_fail(l, "id", "missing");
	if (!n->name)
		return hp_load_fail(l, "name", "expected a string");
	if (has_parent) {
		if (parent < i && ids[parent] == parent)
			n->parent = (int64_t)parent;
		for (size_t k = i; k-- > 0 && n->parent < 0;)
			if (ids[k] == parent)
				n->parent = (int64_t)k;
		if (n->parent < 0)
			return hp_load_fail(l, "parent",
					    "expected null or the id of an earlier node");
	}
	return 0;
}

int hp_tree_from_json(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p)
{
	const struct hp_json *a;
	uint64_t dropped = 0;
	int rc = hp_load_array(l, o, "call_tree", &a);

	if (rc <= 0) /* an older report, or no tree */
		return rc;
	if ((rc = hp_load_u64(l, o, "tree_dropped", &dropped)) < 0)
		return rc;
	struct hp_calltree *t = calloc(1, sizeof(*t));
	uint64_t *ids = calloc(a->len ? a->len : 1, sizeof(*ids));
	if (!t || !ids || !(t->nodes = calloc(a->len ? a->len : 1, sizeof(*t->nodes)))) {
		free(t);
		free(ids);
		return hp_load_nomem(l);
	}
	t->dropped = dropped;
	for (size_t i = 0; i < a->len && rc >= 0; i++) {
		size_t at = hp_load_push(l, "call_tree[%zu]", i);
		t->n = i + 1;
		if (a->items[i]->type != HP_JSON_OBJECT)
			rc = hp_load_fail(l, "", "expected an object");
		else
			rc = load_node(l, a->items[i], i, ids, &t->nodes[i], &ids[i]);
		if (rc >= 0)
			hp_load_pop(l, at);
	}
	free(ids);
	if (rc < 0) {
		hp_tree_free(t);
		return rc;
	}
	p->tree = t;
	return 0;
}
