/* report_patch.c - the patching part of a report: selected / patched / refused functions from
 * the region, notes for the table, the `patch` JSON object (docs/json.md) and its loader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hp/patch.h"
#include "report_patch.h"

#define NOTE_REFUSED_MAX 8

static char *dup_n(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;
	return b ? b + 1 : path ? path : "";
}

static void add_notes(struct hp_proc *p)
{
	const struct hp_patch_info *pi = p->patch;
	uint64_t refused = pi->selected - pi->patched;
	hp_proc_add_note(p, "patched %llu of %llu selected functions (%.1f%%) in %.2f ms%s",
			 (unsigned long long)pi->patched, (unsigned long long)pi->selected,
			 pi->selected ? 100.0 * (double)pi->patched / (double)pi->selected : 0.0,
			 (double)pi->startup_ns / 1e6,
			 refused ? "; not patched (JSON `patch.refused` lists all):" : "");
	size_t shown = 0;
	for (size_t i = 0; i < pi->nfns; i++) {
		const struct hp_patch_fn *f = &pi->fns[i];
		if (f->status == HP_PATCH_CAPPED) {
			hp_proc_add_note(p, "  %s: the pattern selected more functions than "
					    "functions_max (%s); raise --functions-max",
					 f->name, f->detail);
			continue;
		}
		if (f->status == HP_PATCH_OK || shown >= NOTE_REFUSED_MAX)
			continue;
		shown++;
		hp_proc_add_note(p, "  %s (%s): %s%s%s", f->name, base_name(f->module),
				 hp_patch_reason(f->status), f->detail[0] ? ", " : "", f->detail);
	}
	if (refused > shown + 0 && shown == NOTE_REFUSED_MAX)
		hp_proc_add_note(p, "  ... and %llu more", (unsigned long long)(refused - shown));
}

void hp_patch_from_region(const struct hp_rregion *r, struct hp_proc *p)
{
	const struct hp_region_header *h = r->h;
	if (!(h->modes & HP_MODE_PATCH))
		return;
	struct hp_patch_info *pi = calloc(1, sizeof(*pi));
	uint32_t n = hp_rregion_rows(r, HP_T_PATCH), nm = hp_rregion_rows(r, HP_T_MODULES);
	if (!pi)
		return;
	pi->fns = calloc(n ? n : 1, sizeof(*pi->fns));
	pi->modules = calloc(nm ? nm : 1, sizeof(char *));
	if (!pi->fns || !pi->modules) {
		hp_patch_info_free(pi);
		return;
	}
	for (uint32_t i = 0; i < nm; i++) {
		const struct hp_module_rec *m = hp_rregion_row(r, HP_T_MODULES, i);
		if (m && m->end && !(m->flags & HP_MOD_VDSO))
			pi->modules[pi->nmodules++] = dup_n(m->path, sizeof(m->path));
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_patch_rec *rec = hp_rregion_row(r, HP_T_PATCH, i);
		if (!rec || !__atomic_load_n(&rec->addr, __ATOMIC_ACQUIRE))
			continue;
		struct hp_patch_fn *f = &pi->fns[pi->nfns++];
		f->name = dup_n(rec->name, sizeof(rec->name));
		f->detail = dup_n(rec->detail, sizeof(rec->detail));
		f->status = rec->status;
		const struct hp_module_rec *m = rec->module < nm ? hp_rregion_row(r, HP_T_MODULES, rec->module) : NULL;
		f->module = m ? dup_n(m->path, sizeof(m->path)) : NULL;
		if (rec->status != HP_PATCH_CAPPED)
			pi->selected++;
		pi->patched += rec->status == HP_PATCH_OK;
	}
	pi->startup_ns = h->patch_startup_ns;
	p->patch = pi;
	add_notes(p);
}

static void check_one(struct hp_proc *p, const char *patterns)
{
	const struct hp_patch_info *pi = p->patch;
	const char *list = patterns;
	struct hp_pat pat;
	while (hp_pat_next(&list, &pat)) {
		if (pat.exclude)
			continue;
		int mod_found = !pat.mod, hit = 0;
		for (size_t i = 0; pat.mod && i < pi->nmodules && !mod_found; i++) {
			const char *b = base_name(pi->modules[i]);
			mod_found = hp_glob_n(pat.mod, pat.mod_len, b, strlen(b));
		}
		for (size_t i = 0; i < pi->nfns && !hit; i++) {
			const struct hp_patch_fn *f = &pi->fns[i];
			const char *b = base_name(f->module);
			/* The executable is modules[0]: region.c records it first. */
			int is_exe = f->module && pi->nmodules && !strcmp(f->module, pi->modules[0]);
			hit = hp_pat_match(&pat, b, strlen(b), is_exe, f->name, strlen(f->name));
		}
		if (hit)
			continue;
		char item[600];
		snprintf(item, sizeof(item), "%.*s%s%.*s", pat.mod ? (int)pat.mod_len : 0,
			 pat.mod ? pat.mod : "", pat.mod ? ":" : "", (int)pat.name_len, pat.name);
		if (!mod_found)
			hp_proc_add_note(p, "--functions '%s': no loaded module matches '%.*s'", item,
					 (int)pat.mod_len, pat.mod);
		else
			hp_proc_add_note(p, "--functions '%s' selects nothing (hotpath list-functions "
					    "PROG PATTERN shows what a pattern selects)",
					 item);
	}
}

void hp_patch_check_patterns(struct hp_proc *p, const char *patterns)
{
	if (!patterns || !*patterns)
		return;
	if (p->patch)
		check_one(p, patterns);
	for (size_t i = 0; p->children && i < p->nchildren; i++)
		if (p->children[i].patch)
			check_one(&p->children[i], patterns);
}

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

void hp_patch_info_free(struct hp_patch_info *pi)
{
	if (!pi)
		return;
	for (size_t i = 0; pi->fns && i < pi->nfns; i++) {
		free(pi->fns[i].name);
		free(pi->fns[i].module);
		free(pi->fns[i].detail);
	}
	free(pi->fns);
	for (size_t i = 0; pi->modules && i < pi->nmodules; i++)
		free(pi->modules[i]);
	free(pi->modules);
	free(pi);
}
