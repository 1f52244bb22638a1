/* report_patch.h - the patching part of a report: the `patch` JSON object and its loader. The
 * rows (struct hp_patch_info, tools/region/model.h), the notes and the check of the user's
 * patterns come from tools/region/region_patch.c. */
#ifndef HP_REPORT_PATCH_H
#define HP_REPORT_PATCH_H

#include <stddef.h>

#include "tools/region/model.h"
#include "tools/report/json.h"

/* "patch": {...} (or null) as a member of the process object being written. */
void hp_patch_json(struct hp_jw *w, const struct hp_proc *p);

#endif
