/* region_patch.c - what was selected and patched (the region's HP_T_PATCH rows) into the model
 * (part of hp_proc_from_region), with the notes for the report, and the check of the user's
 * --functions patterns against it (docs/patching.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/patch.h"
#include "region_model.h"
#include "symbolize/symbolize.h"

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
			hp_proc_add_note(p,
					 "  %s: the pattern selected more functions than "
					 "functions_max (%s); raise --functions-max",
					 f->name, f->detail);
			continue;
		}
		if (f->status == HP_PATCH_OK || shown >= NOTE_REFUSED_MAX)
			continue;
		shown++;
		hp_proc_add_note(p, "  %s (%s): %s%s%s", f->name, hp_base_name(f->module),
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
		const struct hp_module_rec *m = rec->module < nm ? hp_rregion_row(r, HP_T_MODULES,
										  rec->module)
								 : NULL;
		f->addr = rec->addr;
		f->module = m ? dup_n(m->path, sizeof(m->path)) : NULL;
		if (rec->status != HP_PATCH_CAPPED)
			pi->selected++;
		pi->patched += rec->status == HP_PATCH_OK;
	}
	pi->startup_ns = h->patch_startup_ns;
	p->patch = pi;
	add_notes(p);
}

static int count_fn(void *arg, const char *raw, const char *demangled, uint64_t vaddr,
		    uint64_t size, int local)
{
	(void)raw, (void)demangled, (void)vaddr, (void)size, (void)local;
	(*(unsigned *)arg)++;
	return 0;
}

/* A pattern selected nothing in `exe`: when that is because the file is stripped, say so
 * (the note's tail), else "". */
static void stripped_hint(const char *exe, char *buf, size_t size)
{
	struct hp_elf_facts facts;
	char err[128];
	unsigned n = 0;
	buf[0] = 0;
	if (!exe || hp_elf_inspect(exe, &facts, err, sizeof(err)) < 0 || !facts.is_elf ||
	    facts.has_symtab || hp_elf_foreach_function(exe, count_fn, &n) < 0)
		return;
	snprintf(buf, size,
		 ": %s has no symbol table (stripped): only the %u dynamic symbols can be "
		 "selected",
		 hp_base_name(exe), n);
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
			const char *b = hp_base_name(pi->modules[i]);
			mod_found = hp_glob_n(pat.mod, pat.mod_len, b, strlen(b));
		}
		for (size_t i = 0; i < pi->nfns && !hit; i++) {
			const struct hp_patch_fn *f = &pi->fns[i];
			const char *b = hp_base_name(f->module);
			/* The executable is modules[0]: region.c records it first. */
			int is_exe = f->module && pi->nmodules &&
				     !strcmp(f->module, pi->modules[0]);
			hit = hp_pat_match(&pat, b, strlen(b), is_exe, f->name, strlen(f->name));
		}
		if (hit)
			continue;
		char item[600];
		snprintf(item, sizeof(item), "%.*s%s%.*s", pat.mod ? (int)pat.mod_len : 0,
			 pat.mod ? pat.mod : "", pat.mod ? ":" : "", (int)pat.name_len, pat.name);
		if (!mod_found)
			hp_proc_add_note(p, "--functions '%s': no loaded module matches '%.*s'",
					 item, (int)pat.mod_len, pat.mod);
		else {
			char hint[256] = "";
			const char *exe = pi->nmodules ? pi->modules[0] : NULL;
			const char *eb = exe ? hp_base_name(exe) : "";
			if (!pat.mod || hp_glob_n(pat.mod, pat.mod_len, eb, strlen(eb)))
				stripped_hint(exe, hint, sizeof(hint));
			if (hint[0])
				hp_proc_add_note(p, "--functions '%s' selects nothing%s", item,
						 hint);
			else
				hp_proc_add_note(
					p,
					"--functions '%s' selects nothing (hotpath list-functions "
					"PROG PATTERN shows what a pattern selects)",
					item);
		}
	}
}

/* Does an include item of `patterns` select `name` (parameters ignored) in `module`? */
static int selects(const char *patterns, const char *module, int is_exe, const char *name)
{
	const char *list = patterns, *b = module ? hp_base_name(module) : "";
	const char *paren = strchr(name, '(');
	size_t nl = paren ? (size_t)(paren - name) : strlen(name);
	struct hp_pat pat;
	while (hp_pat_next(&list, &pat))
		if (!pat.exclude && hp_pat_match(&pat, b, strlen(b), is_exe, name, nl))
			return 1;
	return 0;
}

/* A patched row is named as the user selected it: when the symbolizer's pick among aliases at
 * that address ("cfree", "strtoimax", "open") is not what any pattern names but the patched
 * symbol ("free", "strtol", "open64") is, the row takes the patched symbol's name. */
static void selected_names(struct hp_proc *p, const char *patterns)
{
	const struct hp_patch_info *pi = p->patch;
	for (size_t i = 0; i < p->nfns; i++) {
		struct hp_fn_row *r = &p->fns[i];
		if (r->kind != HP_FN_PATCHED || !r->name)
			continue;
		int is_exe = r->module && pi->nmodules && !strcmp(r->module, pi->modules[0]);
		if (selects(patterns, r->module, is_exe, r->name))
			continue;
		for (size_t k = 0; k < pi->nfns; k++) {
			const struct hp_patch_fn *f = &pi->fns[k];
			if (f->addr != r->addr || f->status || !f->name ||
			    !selects(patterns, r->module, is_exe, f->name))
				continue;
			char *n = strdup(f->name);
			if (n) {
				free(r->name);
				r->name = n;
			}
			break;
		}
	}
}

void hp_patch_check_patterns(struct hp_proc *p, const char *patterns)
{
	if (!patterns || !*patterns)
		return;
	if (p->patch) {
		check_one(p, patterns);
		selected_names(p, patterns);
	}
	for (size_t i = 0; p->children && i < p->nchildren; i++)
		if (p->children[i].patch) {
			check_one(&p->children[i], patterns);
			selected_names(&p->children[i], patterns);
		}
}
