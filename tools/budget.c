/* budget.c - `hotpath run --check-budgets`: the config's [budget] lines (FUNCTION.FIELD <= N)
 * checked against the report's own JSON rows, so a budget can name any numeric field a row
 * has (calls, alloc_count, alloc_bytes, total_ns, ...). docs/ci.md. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "hotpath.h"
#include "tools/report/json.h"

/* The first row named `fn` in the process object `proc` (functions[]), then in its children. */
static const struct hp_json *find_row(const struct hp_json *proc, const char *fn)
{
	const struct hp_json *fns = hp_json_get(proc, "functions");
	for (size_t i = 0; fns && fns->type == HP_JSON_ARRAY && i < fns->len; i++) {
		const char *name = hp_json_str(hp_json_get(fns->items[i], "name"), NULL);
		if (name && !strcmp(name, fn))
			return fns->items[i];
	}
	const struct hp_json *kids = hp_json_get(proc, "children");
	for (size_t i = 0; kids && kids->type == HP_JSON_ARRAY && i < kids->len; i++) {
		const struct hp_json *r = find_row(kids->items[i], fn);
		if (r)
			return r;
	}
	return NULL;
}

static void fmt_num(char *buf, size_t size, double v)
{
	if (v == floor(v) && fabs(v) < 1e18)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%g", v);
}

int hp_budget_check(FILE *out, const struct hp_proc *top, const struct hp_budget *b, size_t n)
{
	char *text = NULL, err[256];
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct hp_report_opts o = {.npcts = 1, .pcts = {95}, .limit = 0, .format = HP_FMT_JSON};
	if (!mem)
		return -ENOMEM;
	int rc = hp_report_render(mem, top, &o);
	if (fclose(mem) != 0 || rc < 0) {
		free(text);
		return -ENOMEM;
	}
	struct hp_json *root = hp_json_parse(text, len, err, sizeof(err));
	free(text);
	if (!root) {
		hp_err("budgets: cannot read the report back: %s", err);
		return -EINVAL;
	}
	size_t over = 0;
	for (size_t i = 0; i < n; i++) {
		const struct hp_json *row = find_row(root, b[i].function);
		const struct hp_json *v = row ? hp_json_get(row, b[i].field) : NULL;
		char lim[40], got[40];
		fmt_num(lim, sizeof(lim), b[i].limit);
		const char *why = NULL;
		if (!row)
			why = "no such function in the report";
		else if (!v || v->type != HP_JSON_NUMBER)
			why = "no such number in its row";
		else if (v->number > b[i].limit)
			why = "over";
		if (!why)
			continue;
		if (!over++)
			fprintf(out,
				"\n[hotpath] budgets - over their limit (exit status 3).\n"
				"%-40s %-16s %-16s %s\n",
				"Budget", "   Limit", "Actual", "Where");
		char name[512];
		snprintf(name, sizeof(name), "%s.%s", b[i].function, b[i].field);
		if (v && v->type == HP_JSON_NUMBER)
			fmt_num(got, sizeof(got), v->number);
		else
			snprintf(got, sizeof(got), "(%s)", why);
		fprintf(out, "%-40s <= %-13s %-16s %s\n", name, lim, got, b[i].where);
	}
	if (!over)
		fprintf(out, "\n[hotpath] budgets - all %zu within their limits.\n", n);
	hp_json_free(root);
	return over ? 1 : 0;
}
