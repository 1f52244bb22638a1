/* budget.h - the [budget] lines of hotpath.conf checked against a finished report. */
#ifndef HP_BUDGET_H
#define HP_BUDGET_H

#include <stdio.h>

#include "settings.h"
#include "tools/report/report.h"

#define HP_BUDGET_EXIT_OVER 3

/* Check budgets b[0..n) against the model `top` (not cut by --limit: every row is looked up)
 * and print on `out` a table of those over, or one line saying all are within. A budget whose
 * function or field is missing counts as over. Returns 0 (all within), 1 (some over), or
 * -errno. */
int hp_budget_check(FILE *out, const struct hp_proc *top, const struct hp_budget *b, size_t n);

#endif
