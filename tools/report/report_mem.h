/* report_mem.h - the memory part of a report: totals from a region, the memory table, the
 * `memory` JSON object and its loader. */
#ifndef HP_REPORT_MEM_H
#define HP_REPORT_MEM_H

#include <stdio.h>

#include "json.h"
#include "tools/region/region_read.h"
#include "report.h"
#include "symbolize/symbolize.h"

/* Fill p->mem from region `r` when it was recorded with HP_MODE_ALLOC (else leave it invalid):
 * totals (thread rows + orphan counters), peak and live bytes, the outside-functions row and
 * the functions whose blocks are still live (names through `sym`, may be NULL). */
void hp_mem_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, struct hp_proc *p);

/* The memory table (functions that allocated, by bytes, and the outside row), the totals line,
 * the leak hint and, with several threads, a per-thread table. Returns 0 or -ENOMEM. */
int hp_mem_print(FILE *f, const struct hp_proc *p);

/* "memory": {...} as a member of the process object being written; nothing when p->mem is not
 * valid (no alloc mode). */
void hp_mem_json(struct hp_jw *w, const struct hp_proc *p);

/* Load the "memory" member of process object `o` (absent or null: p->mem stays invalid).
 * Returns 0, or -EINVAL with err naming the bad field ("memory.alloc_count: expected a
 * non-negative integer"). `where` prefixes the path ("children[0]", or ""). */
int hp_mem_from_json(const struct hp_json *o, struct hp_proc *p, const char *where, char *err,
		     size_t errlen);

#endif
