/* report_astacks.h - allocation stacks in the report (report_astacks.c): the three text
 * sections, `memory.stacks` in JSON and the alloc / leak / peak flame graphs. The model
 * (struct hp_mem's stacks) comes from tools/region/region_astacks.c. */
#ifndef HP_REPORT_ASTACKS_H
#define HP_REPORT_ASTACKS_H

#include <stdio.h>

#include "tools/region/model.h"
#include "tools/report/json.h"
#include "tools/report/report.h"

/* "Leaked at exit, by stack", "Peak memory, by stack", "Most temporary allocations": each
 * stack outermost first with file:line, `limit` stacks per section (0: all). Nothing when the
 * process was not recorded with allocation stacks. Returns 0 or -ENOMEM. */
int hp_astacks_print(FILE *f, const struct hp_proc *p, int limit);

/* "stacks_dropped" and "stacks": [...] as members of the `memory` object being written;
 * nothing without allocation stacks. */
void hp_astacks_json(struct hp_jw *w, const struct hp_mem *m);

struct hp_loader;
struct hp_json;
/* "stacks" and "stacks_dropped" of a saved report's `memory` object `m` into mem (nothing when
 * absent: an older report, or no --alloc-stacks). Returns 0 or the loader's error. */
int hp_astacks_from_json(struct hp_loader *l, const struct hp_json *m, struct hp_mem *mem);

/* A flame graph of bytes by allocation stack, of `top` and its children: allocated
 * (HP_FLAME_ALLOC), live at exit (HP_FLAME_LEAK) or live at the peak (HP_FLAME_PEAK), as
 * folded stacks (HP_FMT_FOLDED) or SVG. Returns 0, -ENOMEM or -EIO. */
int hp_astacks_flame(FILE *f, const struct hp_proc *top, int format, int flame);

#endif
