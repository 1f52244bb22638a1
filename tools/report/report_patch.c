/* report_patch.c - the `patch` JSON object of a report (docs/json.md) and its loader. The
 * model and the notes for the table come from tools/region/region_patch.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hp/patch.h"
#include "report_load.h"
#include "report_patch.h"

void hp_patch_json(struct hp_jw *w, const struct hp_proc *p)
{
	const struct hp_patch_info *pi = p->patch;
	hp_jw_key(w, "patch");
	if (!pi) {
		hp_jw_null(w);
		return;
	}
	hp_jw_obj_begin(w);
	hp_jw_kuint(w, "selected", pi->selected);
	hp_jw_kuint(w, "patched", pi->patched);
	hp_jw_kuint(w, "startup_ns", pi->startup_ns);
	hp_jw_key(w, "refused");
	hp_jw_arr_begin(w);
	for (size_t i = 0; i < pi->nfns; i++) {
		const struct hp_patch_fn *f = &pi->fns[i];
		if (f->status == HP_PATCH_OK)
			continue;
		hp_jw_obj_begin(w);
		hp_jw_kstr(w, "name", f->name);
		hp_jw_kstr(w, "module", f->module);
		hp_jw_kstr(w, "reason", hp_patch_reason(f->status));
		hp_jw_kstr(w, "detail", f->detail);
		hp_jw_obj_end(w);
	}
	hp_jw_arr_end(w);
	hp_jw_obj_end(w);
}

static int reason_code(const char *s)
{
	for (int i = 1; i < HP_PATCH_REASONS; i++)
		if (!strcmp(s, hp_patch_reason(i)))
			return i;
	return HP_PATCH_REASONS; /* from a newer hotpath: shown as "unknown" */
}

/* A count the schema requires: absent is an error too. */
static int load_count(struct hp_loader *l, const struct hp_json *o, const char *key, uint64_t *out)
{
	int rc = hp_load_int(l, o, key, 0, 0, 18446744073709551615.0, NULL, out);

	return rc == 0 ? hp_load_fail(l, key, "missing") : rc < 0 ? rc : 0;
}

static int load_refused(struct hp_loader *l, const struct hp_json *o, void *row)
{
	struct hp_patch_fn *f = row;
	const struct hp_json *reason;
	int rc;

	if ((rc = hp_load_str(l, o, "name", &f->name)) < 0 ||
	    (rc = hp_load_str(l, o, "module", &f->module)) < 0 ||
	    (rc = hp_load_str(l, o, "detail", &f->detail)) < 0 ||
	    (rc = hp_load_member(l, o, "reason", 0, HP_JSON_STRING, "a string", &reason)) < 0)
		return rc;
	if (!f->name || !rc)
		return hp_load_fail(l, "", "expected name and reason strings");
	if (!f->detail && !(f->detail = strdup("")))
		return hp_load_nomem(l);
	f->status = reason_code(reason->string);
	return 0;
}

int hp_patch_from_json(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p)
{
	const struct hp_json *j;
	void *fns = NULL;
	int rc;

	if ((rc = hp_load_object(l, o, "patch", "an object or null", &j)) <= 0)
		return rc;
	struct hp_patch_info *pi = calloc(1, sizeof(*pi));
	if (!pi)
		return hp_load_nomem(l);
	hp_patch_info_free(p->patch);
	p->patch = pi; /* on error, freed with p */
	size_t at = hp_load_push(l, "patch");
	if ((rc = load_count(l, j, "selected", &pi->selected)) < 0 ||
	    (rc = load_count(l, j, "patched", &pi->patched)) < 0 ||
	    (rc = hp_load_u64(l, j, "startup_ns", &pi->startup_ns)) < 0)
		return rc;
	if (!hp_json_get(j, "refused"))
		return hp_load_fail(l, "refused", "missing");
	rc = hp_load_objects(l, j, "refused", sizeof(*pi->fns), load_refused, &fns, &pi->nfns);
	pi->fns = fns;
	if (rc < 0)
		return rc;
	hp_load_pop(l, at);
	return 0;
}
