/* report_tree_text.c - the call tree as text (`--tree`, indented like `uftrace graph`) and the
 * dispatch to the flame graph renderers (`--format folded|svg`) for a whole report. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "report_cpu.h"
#include "report_tree.h"
#include "textfmt.h"

#define TREE_TITLE "[hotpath] call tree - inclusive time, self time and calls per call path.\n"
#define INDENT_MAX 40 /* deeper levels are not indented further: "[depth N]" says where */

struct printer {
	FILE *f;
	const struct hp_calltree *t;
	const size_t *first, *kids;
	int limit;
	char *prefix; /* "|  " or "   " per open level */
	size_t plen;
};

/* `s` right-aligned in `cols` display columns ("µs" is two bytes, one column). */
static void right(FILE *f, const char *s, size_t cols)
{
	for (size_t w = hp_utf8_cols(s); w < cols; w++)
		putc(' ', f);
	fputs(s, f);
}

static void line(struct printer *pr, const char *total, const char *self, const char *calls,
		 const char *text, size_t depth, int branch)
{
	char name[HP_TT_CELL];
	hp_fit_cols(name, sizeof(name), text, 120);
	right(pr->f, total, 10);
	right(pr->f, self, 11);
	right(pr->f, calls, 10);
	fprintf(pr->f, " : %.*s%s", (int)pr->plen, pr->prefix, branch ? "+-" : "");
	if (depth > INDENT_MAX)
		fprintf(pr->f, "[depth %zu] ", depth);
	fprintf(pr->f, "%s\n", name);
}

static void node_line(struct printer *pr, size_t i, size_t depth)
{
	const struct hp_ctnode *n = &pr->t->nodes[i];
	char total[32], self[32], calls[32];
	hp_fmt_ns(total, sizeof(total), (double)n->total_ns);
	hp_fmt_ns(self, sizeof(self), (double)n->self_ns);
	snprintf(calls, sizeof(calls), "%" PRIu64, n->calls);
	line(pr, total, self, calls, n->name ? n->name : "?", depth, depth > 0);
}

/* Children of `parent` (n for the roots) to show: the rest fold into "… N more". */
static size_t shown(const struct printer *pr, size_t parent)
{
	size_t a = pr->first[parent], b = pr->first[parent + 1], k = 0;
	if (!pr->limit)
		return b - a;
	uint64_t whole = parent < pr->t->n ? pr->t->nodes[parent].total_ns : 0;
	for (size_t j = a; j < b && k < (size_t)pr->limit; j++, k++) {
		const struct hp_ctnode *c = &pr->t->nodes[pr->kids[j]];
		/* Children are sorted by total: the first under 1% ends the list. */
		if (parent < pr->t->n && (double)c->total_ns < (double)whole * 0.01)
			break;
	}
	return k;
}

static void more_line(struct printer *pr, size_t parent, size_t from, size_t depth)
{
	size_t a = pr->first[parent], b = pr->first[parent + 1];
	uint64_t total = 0, calls = 0;
	for (size_t j = a + from; j < b; j++) {
		total += pr->t->nodes[pr->kids[j]].total_ns;
		calls += pr->t->nodes[pr->kids[j]].calls;
	}
	char tbuf[32], cbuf[32], text[64];
	hp_fmt_ns(tbuf, sizeof(tbuf), (double)total);
	snprintf(cbuf, sizeof(cbuf), "%" PRIu64, calls);
	snprintf(text, sizeof(text), "… %zu more", b - a - from);
	line(pr, tbuf, "", cbuf, text, depth, depth > 0);
}

/* Depth-first without recursion: a tree 10,000 levels deep is one path. */
struct level {
	size_t parent, next, count; /* children of `parent`: next to print, how many shown */
};

static int print_tree(struct printer *pr)
{
	size_t n = pr->t->n, cap = 64, top = 0;
	struct level *st = malloc(cap * sizeof(*st));
	if (!st)
		return -ENOMEM;
	st[0] = (struct level){.parent = n, .next = 0, .count = shown(pr, n)};
	for (;;) {
		struct level *lv = &st[top];
		size_t depth = top;
		/* the prefix for children at this depth: one "|  " or "   " per open ancestor level */
		size_t want = depth > 1 ? (depth - 1 < INDENT_MAX ? depth - 1 : INDENT_MAX) * 3 : 0;
		pr->plen = want;
		size_t all = pr->first[lv->parent + 1] - pr->first[lv->parent];
		if (lv->next >= lv->count) {
			if (lv->count < all)
				more_line(pr, lv->parent, lv->count, depth);
			if (top == 0)
				break;
			top--;
			continue;
		}
		size_t child = pr->kids[pr->first[lv->parent] + lv->next++];
		node_line(pr, child, depth);
		size_t nk = pr->first[child + 1] - pr->first[child];
		if (!nk)
			continue;
		if (top + 1 >= cap) {
			struct level *ns = realloc(st, cap * 2 * sizeof(*st));
			if (!ns) {
				free(st);
				return -ENOMEM;
			}
			st = ns;
			cap *= 2;
			lv = &st[top];
		}
		/* The connector under this node: "|" while its parent has more children to show. */
		if (depth >= 1 && depth - 1 < INDENT_MAX) {
			int more = lv->next < lv->count || lv->count < all;
			memcpy(pr->prefix + (depth - 1) * 3, more ? "|  " : "   ", 3);
		}
		st[++top] = (struct level){.parent = child, .next = 0, .count = shown(pr, child)};
	}
	free(st);
	return 0;
}

static int print_proc_tree(FILE *f, const struct hp_proc *p, int limit)
{
	char wall[32];
	const char *prog = p->argc > 0 && p->argv && p->argv[0] ? p->argv[0]
			   : p->exe				? p->exe
								: "?";
	const char *base = strrchr(prog, '/');
	hp_fmt_ns(wall, sizeof(wall), (double)p->wall_ns);
	fprintf(f, "%s: %s\n", base ? base + 1 : prog, wall);
	if (!p->tree || !p->tree->n) {
		fputs(p->tree ? "(no function was timed)\n"
			      : "(no call tree: it was not recorded)\n",
		      f);
		return 0;
	}
	struct printer pr = {.f = f, .t = p->tree, .limit = limit};
	size_t *first, *kids;
	if (hp_tree_children(p->tree, &first, &kids) < 0)
		return -ENOMEM;
	pr.first = first;
	pr.kids = kids;
	pr.prefix = malloc(INDENT_MAX * 3 + 1);
	int rc = -ENOMEM;
	if (pr.prefix) {
		fprintf(f, "%10s %10s %9s : %s\n", "TOTAL", "SELF", "CALLS", "FUNCTION");
		rc = print_tree(&pr);
	}
	free(pr.prefix);
	free(first);
	free(kids);
	if (!rc && p->tree->dropped)
		fprintf(f,
			"note: %" PRIu64 " %s folded into %s caller's node because the node table "
			"was full: raise tree_nodes\n",
			p->tree->dropped, p->tree->dropped == 1 ? "call" : "calls",
			p->tree->dropped == 1 ? "its" : "their");
	return rc;
}

int hp_tree_print(FILE *f, const struct hp_proc *top, int limit)
{
	fputs(TREE_TITLE, f);
	if (print_proc_tree(f, top, limit) < 0)
		return -ENOMEM;
	for (size_t i = 0; top->children && i < top->nchildren; i++) {
		const struct hp_proc *c = &top->children[i];
		fprintf(f, "\n[hotpath] process %d, child of %d\n", c->pid, c->ppid);
		if (print_proc_tree(f, c, limit) < 0)
			return -ENOMEM;
	}
	if (limit)
		fputs("(children under 1% of their caller and beyond --limit are folded; --limit 0 "
		      "shows all)\n",
		      f);
	return 0;
}

/* ---- flame graphs of the whole report ---- */

int hp_report_flame(FILE *f, const struct hp_proc *top, int format, int cpu)
{
	size_t nprocs = 1 + top->nchildren, total = 0;
	struct hp_flame_stack **per = calloc(nprocs, sizeof(*per));
	long *count = calloc(nprocs, sizeof(*count));
	char(*names)[300] = calloc(nprocs, sizeof(*names));
	struct hp_flame_stack *all = NULL;
	int rc = -ENOMEM;
	if (!per || !count || !names)
		goto out;
	for (size_t i = 0; i < nprocs; i++) {
		const struct hp_proc *p = i ? &top->children[i - 1] : top;
		hp_tree_proc_frame(p, names[i], sizeof(names[i]));
		const char *pf = nprocs > 1 ? names[i] : NULL;
		count[i] = cpu ? hp_cpu_stacks(p, pf, &per[i]) : hp_tree_stacks(p, pf, &per[i]);
		if (count[i] < 0) {
			count[i] = 0;
			goto out;
		}
		total += (size_t)count[i];
	}
	all = calloc(total ? total : 1, sizeof(*all));
	if (!all)
		goto out;
	total = 0;
	for (size_t i = 0; i < nprocs; i++)
		for (long k = 0; k < count[i]; k++)
			all[total++] = per[i][k];
	if (format == HP_FMT_FOLDED) {
		rc = hp_flame_folded(f, all, total);
	} else {
		char title[400];
		snprintf(title, sizeof(title), "hotpath: %s%s", names[0],
			 cpu ? ", CPU samples" : "");
		struct hp_flame_opts o = {.title = title, .unit = cpu ? "samples" : "ns"};
		rc = hp_flame_svg(f, all, total, &o);
	}
out:
	for (size_t i = 0; per && i < nprocs; i++)
		hp_tree_stacks_free(per[i], count[i]);
	free(per);
	free(count);
	free(names);
	free(all);
	return rc;
}
