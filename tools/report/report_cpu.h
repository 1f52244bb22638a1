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

/* Folded stacks of the CPU samples, one line per distinct stack: "f1;f2;...;fn COUNT",
 * outermost first; with children, each line starts with "command (pid);". Names have ';'
 * and line breaks replaced. Returns 0 (nothing when not sampled) or -EIO. */
int hp_cpu_folded(FILE *f, const struct hp_proc *p);

/* The loader, hp_cpu_from_json, is declared with the other sections' in report_load.h. */

#endif
