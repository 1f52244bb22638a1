/* report_cpu.c - the CPU part of the report: the "Where CPU time went" table, the `cpu` JSON
 * object and its loader (docs/json.md). The model comes from tools/region/region_cpu.c. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "hp/region.h"
#include "report_cpu.h"
#include "report_load.h"
#include "textfmt.h"

#define CPU_TITLE "Where CPU time went"

/* enum hp_sample_state as JSON */
static const char *const states[] = {"off", "on", "stepped_aside", "no_unwinder"};

/* ---- the table ---- */

struct cpu_table {
	const struct hp_cpu_info *c;
};

static void cpu_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct hp_cpu_info *c = ((const struct cpu_table *)ctx)->c;
	const struct hp_cpu_fn *f = &c->fns[row];
	double all = c->samples ? (double)c->samples : 1;
	switch (col) {
	case 0: hp_fit_cols(buf, size, f->name, 40); break;
	case 1: hp_fit_cols(buf, size, f->module ? hp_base_name(f->module) : "-", 24); break;
	case 2: snprintf(buf, size, "%.2f%%", (double)f->self_samples * 100.0 / all); break;
	case 3: snprintf(buf, size, "%.2f%%", (double)f->total_samples * 100.0 / all); break;
	default: hp_fmt_ns(buf, size, hp_cpu_ns(c, f->self_samples)); break;
	}
}

int hp_cpu_print(FILE *f, const struct hp_proc *p, int limit)
{
	const struct hp_cpu_info *c = p->cpu;
	if (!c)
		return 0;
	fprintf(f, "\n%s (%" PRIu64 " %s at %u Hz)\n", CPU_TITLE, c->samples,
		c->samples == 1 ? "sample" : "samples", c->hz);
	if (!c->samples) {
		fputs(c->state == HP_SAMPLE_ON ? "(no sample: the program used less CPU than one "
						 "sampling period)\n"
					       : "(not sampled)\n",
		      f);
		return 0;
	}
	struct cpu_table t = {.c = c};
	struct hp_textable tt = {.ncols = 5,
				 .hdr = {"Function", "Module", "Self %", "Total %",
					 "CPU time (self)"},
				 .nrows = c->nfns,
				 .cell = cpu_cell,
				 .ctx = &t};
	if (limit > 0 && tt.nrows > (size_t)limit)
		tt.nrows = (size_t)limit;
	hp_textable_print(f, &tt);
	if (tt.nrows < c->nfns)
		fprintf(f, "(showing %zu of %zu functions; --limit 0 shows all)\n", tt.nrows,
			c->nfns);
	return 0;
}

/* ---- JSON ---- */

void hp_cpu_json(struct hp_jw *w, const struct hp_proc *p)
{
	const struct hp_cpu_info *c = p->cpu;
	hp_jw_key(w, "cpu");
	if (!c) {
		hp_jw_null(w);
		return;
	}
	hp_jw_obj_begin(w);
	hp_jw_kuint(w, "hz", c->hz);
	hp_jw_kstr(w, "state", c->state >= 0 && c->state < 4 ? states[c->state] : "unknown");
	hp_jw_kuint(w, "samples", c->samples);
	hp_jw_kuint(w, "lost", c->lost);
	hp_jw_kuint(w, "folded", c->folded);
	hp_jw_key(w, "ns_per_sample");
	hp_jw_double(w, c->ns_per_sample, 1);
	hp_jw_key(w, "functions");
	hp_jw_arr_begin(w);
	for (size_t i = 0; i < c->nfns; i++) {
		const struct hp_cpu_fn *f = &c->fns[i];
		hp_jw_obj_begin(w);
		hp_jw_kstr(w, "name", f->name);
		hp_jw_kstr(w, "module", f->module);
		hp_jw_kstr(w, "file", f->file);
		if (f->line > 0) {
			hp_jw_kint(w, "line", f->line);
		}
		hp_jw_kuint(w, "self_samples", f->self_samples);
		hp_jw_kuint(w, "total_samples", f->total_samples);
		hp_jw_obj_end(w);
	}
	hp_jw_arr_end(w);
	hp_jw_key(w, "stacks");
	hp_jw_arr_begin(w);
	for (size_t i = 0; i < c->nstacks; i++) {
		const struct hp_cpu_stack *s = &c->stacks[i];
		hp_jw_obj_begin(w);
		hp_jw_kint(w, "tid", s->tid);
		hp_jw_kuint(w, "samples", s->samples);
		hp_jw_key(w, "frames");
		hp_jw_arr_begin(w);
		int pretty = w->pretty;
		w->pretty = 0;
		for (size_t k = 0; k < s->nframes; k++) {
			hp_jw_obj_begin(w);
			hp_jw_kstr(w, "name", s->frames[k].name);
			hp_jw_kstr(w, "module", s->frames[k].module);
			hp_jw_obj_end(w);
		}
		hp_jw_arr_end(w);
		w->pretty = pretty;
		hp_jw_obj_end(w);
	}
	hp_jw_arr_end(w);
	hp_jw_obj_end(w);
}

static int load_fn(struct hp_loader *l, const struct hp_json *o, void *elem)
{
	struct hp_cpu_fn *f = elem;
	int rc;
	if ((rc = hp_load_str(l, o, "name", &f->name)) < 0 ||
	    (rc = hp_load_str(l, o, "module", &f->module)) < 0 ||
	    (rc = hp_load_str(l, o, "file", &f->file)) < 0 ||
	    (rc = hp_load_int32(l, o, "line", 1, &f->line)) < 0 ||
	    (rc = hp_load_u64(l, o, "self_samples", &f->self_samples)) < 0 ||
	    (rc = hp_load_u64(l, o, "total_samples", &f->total_samples)) < 0)
		return rc;
	if (!f->name)
		return hp_load_fail(l, "name", "expected a string");
	return 0;
}

/* A frame's function row: by name and module (the writer wrote every frame's function). */
static size_t frame_fn(const struct hp_cpu_info *c, const char *name, const char *mod)
{
	for (size_t i = 0; i < c->nfns; i++)
		if (!strcmp(c->fns[i].name, name) &&
		    ((!mod && !c->fns[i].module) ||
		     (mod && c->fns[i].module && !strcmp(mod, c->fns[i].module))))
			return i;
	return SIZE_MAX;
}

static int load_stack(struct hp_loader *l, const struct hp_json *o, void *elem)
{
	struct hp_cpu_stack *s = elem;
	const struct hp_cpu_info *c = l->proc->cpu;
	const struct hp_json *fr;
	int rc;
	if ((rc = hp_load_int32(l, o, "tid", 0, &s->tid)) < 0 ||
	    (rc = hp_load_u64(l, o, "samples", &s->samples)) < 0 ||
	    (rc = hp_load_array(l, o, "frames", &fr)) < 0)
		return rc;
	if (!rc)
		return hp_load_fail(l, "frames", "missing");
	s->frames = calloc(fr->len ? fr->len : 1, sizeof(*s->frames));
	if (!s->frames)
		return hp_load_nomem(l);
	for (size_t k = 0; k < fr->len; k++) {
		const char *name = hp_json_str(hp_json_get(fr->items[k], "name"), NULL);
		const struct hp_json *m = hp_json_get(fr->items[k], "module");
		const char *mod = hp_json_str(m, NULL);
		size_t fi = name && (!m || m->type == HP_JSON_NULL || mod) ? frame_fn(c, name, mod)
									   : SIZE_MAX;
		char key[48];
		snprintf(key, sizeof(key), "frames[%zu]", k);
		if (fi == SIZE_MAX)
			return hp_load_fail(
				l, key,
				"expected {\"name\", \"module\"} of a function in cpu.functions");
		s->frames[k] = (struct hp_cpu_frame){c->fns[fi].name, c->fns[fi].module, fi};
		s->nframes = k + 1;
	}
	return 0;
}

int hp_cpu_from_json(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p)
{
	const struct hp_json *j;
	void *fns = NULL, *stacks = NULL;
	uint64_t hz = 0;
	int rc;

	if ((rc = hp_load_object(l, o, "cpu", "an object or null", &j)) <= 0)
		return rc;
	struct hp_cpu_info *c = calloc(1, sizeof(*c));
	if (!c)
		return hp_load_nomem(l);
	hp_cpu_info_free(p->cpu);
	p->cpu = c; /* on error, freed with p */
	c->state = HP_SAMPLE_ON;
	size_t at = hp_load_push(l, "cpu");
	if ((rc = hp_load_u64(l, j, "hz", &hz)) < 0 ||
	    (rc = hp_load_u64(l, j, "samples", &c->samples)) < 0 ||
	    (rc = hp_load_u64(l, j, "lost", &c->lost)) < 0 ||
	    (rc = hp_load_u64(l, j, "folded", &c->folded)) < 0 ||
	    (rc = hp_load_num(l, j, "ns_per_sample", 1, &c->ns_per_sample)) < 0)
		return rc;
	/* A state from a newer hotpath reads as on. */
	const struct hp_json *st = hp_json_get(j, "state");
	for (int i = 0; st && st->type == HP_JSON_STRING && i < 4; i++)
		if (!strcmp(st->string, states[i]))
			c->state = i;
	c->hz = hz > UINT32_MAX ? UINT32_MAX : (uint32_t)hz;
	if (!(c->ns_per_sample > 0)) /* a report from before ns_per_sample */
		c->ns_per_sample = c->hz ? 1e9 / c->hz : 0;
	rc = hp_load_objects(l, j, "functions", sizeof(*c->fns), load_fn, &fns, &c->nfns);
	c->fns = fns;
	if (rc < 0)
		return rc;
	const struct hp_proc *saved = l->proc;
	l->proc = p; /* load_stack finds the functions through it */
	rc = hp_load_objects(l, j, "stacks", sizeof(*c->stacks), load_stack, &stacks, &c->nstacks);
	l->proc = saved;
	c->stacks = stacks;
	if (rc < 0)
		return rc;
	hp_load_pop(l, at);
	return 0;
}

/* ---- flame graph input ---- */

long hp_cpu_stacks(const struct hp_proc *p, const char *proc_frame, struct hp_flame_stack **out)
{
	const struct hp_cpu_info *c = p->cpu;
	size_t n = c ? c->nstacks : 0, extra = proc_frame ? 1 : 0;
	struct hp_flame_stack *s = calloc(n ? n : 1, sizeof(*s));
	*out = NULL;
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct hp_cpu_stack *cs = &c->stacks[i];
		s[i].n = cs->nframes + extra;
		s[i].frames = calloc(s[i].n ? s[i].n : 1, sizeof(*s[i].frames));
		if (!s[i].frames) {
			for (size_t k = 0; k < i; k++)
				free(s[k].frames);
			free(s);
			return -ENOMEM;
		}
		if (proc_frame)
			s[i].frames[0].name = proc_frame;
		for (size_t k = 0; k < cs->nframes; k++) {
			s[i].frames[extra + k].name = cs->frames[k].name;
			s[i].frames[extra + k].module = cs->frames[k].module;
		}
		s[i].value = cs->samples;
	}
	*out = s;
	return (long)n;
}
