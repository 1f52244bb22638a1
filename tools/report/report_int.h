/* report_int.h - the renderers behind hp_report_render (report.c), for the files of
 * tools/report/ only. Both are called with the C locale in effect and `o` already checked. */
#ifndef HP_REPORT_INT_H
#define HP_REPORT_INT_H

#include <stdio.h>

#include "tools/report/json.h"
#include "tools/report/report.h"

/* report_table.c: the top process and its children as text tables. 0 or -ENOMEM. */
int hp_report_table(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o);
/* report_json_write.c: the top process (with "children") as one JSON object on `w`. */
void hp_report_json(struct hp_jw *w, const struct hp_proc *p, const struct hp_report_opts *o);

#endif
