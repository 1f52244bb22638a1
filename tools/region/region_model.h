/* region_model.h - turn a mapped region into the report model (struct hp_proc). */
#ifndef HP_REGION_MODEL_H
#define HP_REGION_MODEL_H

#include "region_read.h"
#include "tools/report/report.h"
#include "symbolize/symbolize.h"

/* Build `out` from region `r`: rows of all threads merged per function, names symbolized
 * through `sym` (file:line too when want_lines), histograms converted to ns. The model is not
 * sorted or limited: call hp_proc_finish. Returns 0 or -ENOMEM. */
int hp_proc_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			struct hp_proc *out);

/* Name of a runtime address in region `r` ("worker", or "0x7f12…" when unknown); malloc'd. */
char *hp_region_symbol(const struct hp_rregion *r, struct hp_symbolizer *sym, uint64_t addr,
		       const char **module, struct hp_sym_info *info);

#endif
