/* report_patch.c - the `patch` JSON object of a report (docs/json.md) and its loader. The
 * model and the notes for the table come from tools/region/region_patch.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hp/patch.h"
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
	hp_jw_key(w, "selected");
	hp_jw_uint(w, pi->selected);
	hp_jw_key(w, "patched");
	hp_jw_uint(w, pi->patched);
	hp_jw_key(w, "startup_ns");
	hp_jw_uint(w, pi->startup_ns);
	hp_jw_key(w, "refused");
	hp_jw_arr_begin(w);
	for (size_t i = 0; i < pi->nfns; i++) {
		const struct hp_patch_fn *f = &pi->fns[i];
		if (f->status == HP_PATCH_OK)
			continue;
		hp_jw_obj_begin(w);
		hp_jw_key(w, "name");
		hp_jw_str(w, f->name);
		hp_jw_key(w, "module");
		hp_jw_str(w, f->module);
		hp_jw_key(w, "reason");
		hp_jw_str(w, hp_patch_reason(f->status));
		hp_jw_key(w, "detail");
		hp_jw_str(w, f->detail);
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

int hp_patch_from_json(const struct hp_json *o, struct hp_proc *p, char *err, size_t errlen)
{
	const struct hp_json *j = hp_json_get(o, "patch");
	if (!j || j->type == HP_JSON_NULL)
		return 0;
	const struct hp_json *sel = hp_json_get(j, "selected"), *pat = hp_json_get(j, "patched"),
			     *ref = hp_json_get(j, "refused");
	if (j->type != HP_JSON_OBJECT || !sel || !sel->is_int || sel->integer < 0 || !pat ||
	    !pat->is_int || pat->integer < 0 || !ref || ref->type != HP_JSON_ARRAY) {
		snprintf(err, errlen, "patch: expected an object with selected, patched and refused");
		return -EINVAL;
	}
	struct hp_patch_info *pi = calloc(1, sizeof(*pi));
	if (!pi || !(pi->fns = calloc(ref->len ? ref->len : 1, sizeof(*pi->fns)))) {
		free(pi);
		return -ENOMEM;
	}
	pi->selected = (uint64_t)sel->integer;
	pi->patched = (uint64_t)pat->integer;
	pi->startup_ns = (uint64_t)hp_json_int(hp_json_get(j, "startup_ns"), 0);
	for (size_t i = 0; i < ref->len; i++) {
		const struct hp_json *r = ref->items[i];
		const char *name = hp_json_str(hp_json_get(r, "name"), NULL);
		const char *reason = hp_json_str(hp_json_get(r, "reason"), NULL);
		if (!name || !reason) {
			snprintf(err, errlen, "patch.refused[%zu]: expected name and reason strings", i);
			hp_patch_info_free(pi);
			return -EINVAL;
		}
		struct hp_patch_fn *f = &pi->fns[pi->nfns++];
		const char *mod = hp_json_str(hp_json_get(r, "module"), NULL);
		f->name = strdup(name);
		f->module = mod ? strdup(mod) : NULL;
		f->detail = strdup(hp_json_str(hp_json_get(r, "detail"), ""));
		f->status = reason_code(reason);
	}
	hp_patch_info_free(p->patch);
	p->patch = pi;
	return 0;
}
