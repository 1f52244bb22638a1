/* report.h - the report's renderers (hotpath-rs tables, the JSON of docs/json.md) and its
 * loader (a saved JSON report back into the model). The model itself, struct hp_proc and its
 * rows, is tools/region/model.h. Times are ns, sizes bytes. */
#ifndef HP_REPORT_H
#define HP_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/region/model.h"
#include "tools/report/textfmt.h"

#define HP_REPORT_SCHEMA 1

struct hp_report_opts {
	double pcts[HP_MAX_PCTS]; /* ascending */
	int npcts;
	int limit;  /* 0 = all */
	int format; /* HP_FMT_* */
	int flame;  /* HP_FLAME_*: what --format folded or svg draws */
	int tree;   /* table format: the call tree (report_tree_text.c) instead of the tables */
};
/* HP_FMT_PPROF: a gzipped pprof profile (report_pprof.h), binary. HP_FMT_SVG: the call tree's
 * flame graph (report_tree.h). */
enum { HP_FMT_TABLE, HP_FMT_JSON, HP_FMT_JSON_PRETTY, HP_FMT_PPROF, HP_FMT_FOLDED, HP_FMT_SVG };
/* HP_FMT_FOLDED: Brendan Gregg's folded stacks ("a;b;c 12" per line), for flamegraph.pl,
 * inferno or speedscope. HP_FLAME_AUTO picks the CPU samples while they are the only stacks. */
enum { HP_FLAME_AUTO, HP_FLAME_CPU, HP_FLAME_ALLOC, HP_FLAME_LEAK, HP_FLAME_PEAK };
/* HP_FLAME_ALLOC, _LEAK, _PEAK: bytes allocated, live at exit, live at the peak, by allocation
 * stack (report_astacks.h; needs --alloc-stacks). */

/* Render the whole report (top process and its children). Table: the hotpath-rs layout on
 * `f`; JSON: the documented schema (docs/json.md). `o` NULL means a table with P95. Returns 0,
 * -EIO when `f` had a write error, or -ENOMEM. */
int hp_report_render(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o);

/* Build a model from a saved JSON report (text). Returns 0, or -EINVAL with err naming what
 * is wrong ("functions[3].calls: expected a number"), or -ENOMEM; on error *out is empty (safe
 * to hp_proc_free). Rows keep the saved order and values; nothing is recomputed. */
int hp_report_from_json(const char *text, size_t len, struct hp_proc *out, char *err,
			size_t errlen);

#endif
