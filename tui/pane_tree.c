/* pane_tree.c - the Tree tab: the live call tree (the threads' paths merged), one row per
 * visible node, indented under its caller. Right or + opens the selected node, Left or -
 * closes it (or, when closed, selects its caller), Enter inspects its function. Sorting (s, <,
 * >, r) orders the children of every node by the chosen column; the rows keep the tree's
 * shape. Nodes start open down to OPEN_DEPTH. */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "tools/region/model_tree.h"

#define OPEN_DEPTH 3
#define INDENT_MAX 24 /* deeper rows are not indented further */

static struct {
	size_t *rows; /* visible nodes in display order */
	size_t nrows, cap;
	unsigned char *state; /* per node: 0 default, 1 opened, 2 closed by the user */
	size_t nstate;
	size_t *depth, *first, *kids;
	struct hp_console *c;
	int sort_col, sort_desc;
} tv;

static const struct hp_calltree *tree(const struct hp_console *c)
{
	return c->have_proc ? c->proc.tree : NULL;
}

static double g_calls(struct hp_console *c, size_t i, int arg)
{
	return (double)tree(c)->nodes[tv.rows[i]].calls;
}

static double g_total(struct hp_console *c, size_t i, int arg)
{
	return (double)tree(c)->nodes[tv.rows[i]].total_ns;
}

static double g_self(struct hp_console *c, size_t i, int arg)
{
	return (double)tree(c)->nodes[tv.rows[i]].self_ns;
}

/* % of the caller's total; unknown for a root, or while the caller's first call runs. */
static double g_caller(struct hp_console *c, size_t i, int arg)
{
	const struct hp_calltree *t = tree(c);
	const struct hp_ctnode *n = &t->nodes[tv.rows[i]];
	if (n->parent < 0 || !t->nodes[n->parent].total_ns)
		return NAN;
	return (double)n->total_ns * 100.0 / (double)t->nodes[n->parent].total_ns;
}

static double g_run(struct hp_console *c, size_t i, int arg)
{
	uint64_t wall = c->proc.wall_ns;
	return wall ? (double)tree(c)->nodes[tv.rows[i]].total_ns * 100.0 / (double)wall : NAN;
}

static void name_text(struct hp_console *c, size_t i, double v, char *buf, size_t size);

/* Call path | Calls | Total | Self | % Caller | % Run. */
static const struct hp_col cols[] = {
	{.title = "Call path", .width = 24, .text_key = 1, .fmt = HP_COL_TEXT, .text = name_text},
	{.title = "Calls", .width = 9, .right = 1, .fmt = HP_COL_COUNT, .get = g_calls},
	{.title = "Total", .width = 10, .right = 1, .fmt = HP_COL_NS, .get = g_total},
	{.title = "Self", .width = 10, .right = 1, .fmt = HP_COL_NS, .get = g_self},
	{.title = "% Caller", .width = 8, .right = 1, .fmt = HP_COL_PCT, .get = g_caller},
	{.title = "% Run", .width = 8, .right = 1, .fmt = HP_COL_PCT, .get = g_run},
};
#define NCOLS (int)(sizeof(cols) / sizeof(cols[0]))

/* The sort key of node k: the column's getter, asked through a one-row view. */
static double node_key(struct hp_console *c, size_t k, int col)
{
	if (col <= 0 || col >= NCOLS || !cols[col].get)
		return NAN;
	size_t *rows = tv.rows, one = k;
	tv.rows = &one;
	double v = cols[col].get(c, 0, cols[col].arg);
	tv.rows = rows;
	return v;
}

static int sibling_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct hp_calltree *t = tree(tv.c);
	int r;
	if (tv.sort_col == 0) {
		r = strcmp(t->nodes[x].name ? t->nodes[x].name : "",
			   t->nodes[y].name ? t->nodes[y].name : "");
	} else {
		double kx = node_key(tv.c, x, tv.sort_col), ky = node_key(tv.c, y, tv.sort_col);
		if (isnan(kx) || isnan(ky))
			return isnan(kx) - isnan(ky);
		r = kx < ky ? -1 : kx > ky;
	}
	if (tv.sort_desc)
		r = -r;
	return r ? r : (x < y ? -1 : 1);
}

static int is_open(size_t k)
{
	unsigned char s = k < tv.nstate ? tv.state[k] : 0;
	return s == 1 || (s == 0 && tv.depth[k] < OPEN_DEPTH);
}

/* The visible rows: a depth-first walk that enters open nodes only. */
static void build(struct hp_console *c)
{
	const struct hp_calltree *t = tree(c);
	size_t n = t ? t->n : 0;
	free(tv.first);
	free(tv.kids);
	free(tv.depth);
	tv.first = tv.kids = tv.depth = NULL;
	tv.nrows = 0;
	if (!n || hp_tree_children(t, &tv.first, &tv.kids) < 0 ||
	    !(tv.depth = calloc(n, sizeof(*tv.depth)))) {
		free(tv.first);
		free(tv.kids);
		tv.first = tv.kids = NULL;
		return;
	}
	if (n > tv.nstate) {
		unsigned char *s = realloc(tv.state, n);
		if (s) {
			memset(s + tv.nstate, 0, n - tv.nstate);
			tv.state = s;
			tv.nstate = n;
		}
	}
	for (size_t i = 0; i < n; i++)
		tv.depth[i] = t->nodes[i].parent >= 0 ? tv.depth[t->nodes[i].parent] + 1 : 0;
	struct hp_pane_state *ps = hp_con_pane_state(c);
	tv.c = c;
	tv.sort_col = ps->sort_col;
	tv.sort_desc = ps->sort_desc;
	for (size_t q = 0; q <= n; q++)
		if (tv.first[q + 1] - tv.first[q] > 1)
			qsort(tv.kids + tv.first[q], tv.first[q + 1] - tv.first[q], sizeof(size_t),
			      sibling_cmp);
	if (n > tv.cap) {
		size_t *r = realloc(tv.rows, n * sizeof(*r));
		if (!r)
			return;
		tv.rows = r;
		tv.cap = n;
	}
	/* Explicit stack of (parent, next child) so that a deep path needs no recursion. */
	size_t *stk = malloc((n + 1) * 2 * sizeof(size_t)), top = 0;
	if (!stk)
		return;
	stk[0] = n;
	stk[1] = tv.first[n];
	for (;;) {
		size_t q = stk[top * 2], j = stk[top * 2 + 1];
		if (j >= tv.first[q + 1]) {
			if (!top)
				break;
			top--;
			continue;
		}
		stk[top * 2 + 1] = j + 1;
		size_t k = tv.kids[j];
		tv.rows[tv.nrows++] = k;
		if (tv.first[k + 1] > tv.first[k] && is_open(k) && top + 1 <= n) {
			top++;
			stk[top * 2] = k;
			stk[top * 2 + 1] = tv.first[k];
		}
	}
	free(stk);
}

static size_t count(struct hp_console *c)
{
	build(c);
	return tv.nrows;
}

static const char *label(struct hp_console *c, size_t i)
{
	return tree(c)->nodes[tv.rows[i]].name;
}

static uint64_t id(struct hp_console *c, size_t i)
{
	(void)c;
	return (uint64_t)tv.rows[i] + 1;
}

static void name_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	size_t k = tv.rows[i];
	const struct hp_ctnode *n = &tree(c)->nodes[k];
	size_t d = tv.depth[k], ind = d < INDENT_MAX ? d : INDENT_MAX;
	int kids = tv.first[k + 1] > tv.first[k];
	const char *mark = !kids	? "  "
			   : is_open(k) ? (c->utf8 ? "▾ " : "- ")
					: (c->utf8 ? "▸ " : "+ ");
	char deep[24] = "";
	if (d > INDENT_MAX)
		snprintf(deep, sizeof(deep), "[%zu] ", d);
	snprintf(buf, size, "%*s%s%s%s", (int)(ind * 2), "", mark, deep, n->name ? n->name : "?");
}

/* + / Right open, - / Left close (or go to the caller), Enter / i inspect. */
static int keypress(struct hp_console *c, int ch)
{
	const struct hp_calltree *t = tree(c);
	struct hp_pane_state *ps = hp_con_pane_state(c);
	uint64_t sel = hp_con_table_selected(c, &hp_pane_tree);
	if (!t || !sel || sel > t->n || sel > tv.nstate)
		return 0;
	size_t k = (size_t)sel - 1;
	switch (ch) {
	case '+':
	case '=':
	case KEY_RIGHT:
	case 'l': tv.state[k] = 1; return 1;
	case '-':
	case KEY_LEFT:
	case 'h':
		if (tv.first && tv.first[k + 1] > tv.first[k] && is_open(k))
			tv.state[k] = 2;
		else if (t->nodes[k].parent >= 0)
			ps->sel_id = (uint64_t)t->nodes[k].parent + 1;
		return 1;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case 'i':
		if (t->nodes[k].addr)
			hp_con_inspect_open(c, t->nodes[k].addr);
		return 1;
	}
	return 0;
}

static const char *empty(struct hp_console *c)
{
	if (!c->have_proc)
		return NULL;
	if (!(c->proc.modes & HP_MODE_TREE))
		return "the call tree is not recorded (tree_nodes is 0)";
	return "no call recorded yet";
}

const struct hp_pane_ops hp_pane_tree = {
	.name = "Tree",
	HP_PANE_COLS(cols),
	.count = count,
	.label = label,
	.id = id,
	.empty = empty,
	.default_sort = 2, /* Total */
	.ordered = 1,
	.keypress = keypress,
};
