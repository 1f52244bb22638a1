/* report_tree.h - the calling-context tree of a process in the report model: built from the
 * region's per-thread nodes (merged by path), written as the `call_tree` JSON array and read
 * back, printed indented (`--tree`), and handed to the flame graph renderers as stacks
 * (flame.h). docs/semantics.md "Call tree" says what the numbers mean. */
#ifndef HP_REPORT_TREE_H
#define HP_REPORT_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"
#include "tools/region/model_tree.h"

struct hp_jw;
struct hp_json;
struct hp_flame_stack;

/* "call_tree": [...] and "tree_dropped" as members of the process object being written. */
void hp_tree_json(struct hp_jw *w, const struct hp_proc *p);
/* The same members of process object `o` through the report loader (report_load.h; absent:
 * no tree). Returns 0, -EINVAL with the loader's error ("call_tree[3].parent: expected null or
 * the id of an earlier node"), or -ENOMEM. */
struct hp_loader;
int hp_tree_from_json(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p);

/* The tree indented like `uftrace graph`: per node total, self, calls and name; children
 * below 1% of their parent's total folded into one "… N more" line unless limit is 0. The
 * whole report (top process and children). Returns 0 or -ENOMEM. */
int hp_tree_print(FILE *f, const struct hp_proc *top, int limit);

/* The whole report as one flame graph (a "command (pid)" first frame per process when there
 * are children), rendered as HP_FMT_FOLDED or HP_FMT_SVG: the call tree's self times, or with
 * `cpu` the CPU samples (report_cpu.c). 0, -ENOMEM or -EIO. */
int hp_report_flame(FILE *f, const struct hp_proc *top, int format, int cpu);

/* One stack per node (frames outermost first, value = self_ns, calls = the
 * node's calls), under a first frame named `proc_frame` unless NULL (the caller keeps that
 * string alive): the input of the flame graph renderers. Returns the count, or -ENOMEM; free
 * with hp_tree_stacks_free. */
long hp_tree_stacks(const struct hp_proc *p, const char *proc_frame, struct hp_flame_stack **out);
/* "command (pid)": the frame that tells processes apart in one flame graph. */
void hp_tree_proc_frame(const struct hp_proc *p, char *buf, size_t size);
void hp_tree_stacks_free(struct hp_flame_stack *s, long n);

#endif
