/* report_patch.h - the patching part of a report: what was selected and patched (from the
 * region's HP_T_PATCH rows), the notes for the table, the `patch` JSON object and its loader,
 * and the checks of the user's patterns (selects nothing, module not loaded). */
#ifndef HP_REPORT_PATCH_H
#define HP_REPORT_PATCH_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "tools/region/region_read.h"
#include "report.h"

struct hp_patch_fn {
	char *name;   /* as matched: demangled without parameters, or the raw symbol */
	char *module; /* path of the object, NULL when unknown */
	int status;   /* HP_PATCH_* (include/hp/patch.h); 0 patched */
	char *detail; /* where and why, "" when none */
};

struct hp_patch_info {
	uint64_t selected, patched;
	uint64_t startup_ns; /* time spent patching in the constructor and at dlopen */
	struct hp_patch_fn *fns; /* every selected function (patched or not), region order */
	size_t nfns;
	char **modules; /* paths of the process's modules (for "module not loaded") */
	size_t nmodules;
};

/* Fill p->patch from region `r` when it ran with HP_MODE_PATCH (else leave it NULL), and add
 * the notes: the rate, the refused functions with their reasons, a reached cap. */
void hp_patch_from_region(const struct hp_rregion *r, struct hp_proc *p);

/* Notes for items of `patterns` (the --functions list) that select nothing, or name a module
 * that is not loaded; applied to p and its children. */
void hp_patch_check_patterns(struct hp_proc *p, const char *patterns);

/* "patch": {...} (or null) as a member of the process object being written. */
void hp_patch_json(struct hp_jw *w, const struct hp_proc *p);

/* Load the "patch" member of process object `o` (absent or null: p->patch stays NULL).
 * Returns 0, -EINVAL with err, or -ENOMEM. */
int hp_patch_from_json(const struct hp_json *o, struct hp_proc *p, char *err, size_t errlen);

void hp_patch_info_free(struct hp_patch_info *pi);

#endif
