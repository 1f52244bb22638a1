/* report_cpu.h - the CPU part of a report (the model, struct hp_cpu_info, is in
 * tools/region/model.h): the "Where CPU time went" table, the `cpu` JSON object and its loader,
 * and the cpu_ns of timed functions (docs/cpu.md). */
#ifndef HP_REPORT_CPU_H
#define HP_REPORT_CPU_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "report.h"

/* The "Where CPU time went" table (at most `limit` functions, 0 = all). Returns 0 or -ENOMEM. */
int hp_cpu_print(FILE *f, const struct hp_proc *p, int limit);

/* "cpu": {...} (or null) as a member of the process object being written; "cpu_ns" of the
 * function and thread objects are written by their writers. */
void hp_cpu_json(struct hp_jw *w, const struct hp_proc *p);

/* One stack per distinct (stack, thread) of the CPU samples (frames outermost first, value =
 * samples, calls = 0), under a first frame named `proc_frame` unless NULL (the caller keeps that
 * string alive): the input of the flame graph renderers (flame.h). Returns the count (0 when
 * not sampled) or -ENOMEM; free with hp_tree_stacks_free. */
struct hp_flame_stack;
long hp_cpu_stacks(const struct hp_proc *p, const char *proc_frame, struct hp_flame_stack **out);

/* The loader, hp_cpu_from_json, is declared with the other sections' in report_load.h. */

#endif
