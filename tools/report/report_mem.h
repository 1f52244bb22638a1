/* report_mem.h - the memory part of a report: the memory table, the `memory` JSON object and
 * its loader. The totals (struct hp_mem, tools/region/model.h) come from
 * tools/region/region_mem.c. */
#ifndef HP_REPORT_MEM_H
#define HP_REPORT_MEM_H

#include <stdio.h>

#include "tools/region/model.h"
#include "tools/report/json.h"
#include "tools/report/report.h"

/* The memory table (functions that allocated, by bytes, and the outside row), the totals line,
 * the leak hint and, with several threads, a per-thread table. Returns 0 or -ENOMEM. */
int hp_mem_print(FILE *f, const struct hp_proc *p);

/* "memory": {...} as a member of the process object being written; nothing when p->mem is not
 * valid (no alloc mode). */
void hp_mem_json(struct hp_jw *w, const struct hp_proc *p);

#endif
