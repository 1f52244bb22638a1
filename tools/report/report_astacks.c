/* report_astacks.c - allocation stacks in the report (HP_MODE_ALLOC_STACKS): the three
 * sections heaptrack_print has ("Leaked at exit, by stack", "Peak memory, by stack", "Most
 * temporary allocations"), `memory.stacks` in JSON, and the alloc / leak / peak flame graphs.
 * The model comes from tools/region/region_astacks.c; docs/memory.md, docs/json.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "report_astacks.h"
#include "report_load.h"
#include "textfmt.h"

/* ---- the sections ---- */

enum { BY_LEAK, BY_PEAK, BY_TEMP, BY_ALLOC };

static uint64_t key_of(const struct hp_mem_stack *s, int by)
{
	switch (by) {
	case BY_LEAK: return s->live_bytes;
	case BY_PEAK: return s->peak_bytes;
	case BY_TEMP: return s->temporary_count;
	default: return s->alloc_bytes;
	}
}

static int sort_by;
static const struct hp_mem_stack *sort_base;

static int by_key(const void *a, const void *b)
{
	const struct hp_mem_stack *x = &sort_base[*(const size_t *)a];
	const struct hp_mem_stack *y = &sort_base[*(const size_t *)b];
	uint64_t kx = key_of(x, sort_by), ky = key_of(y, sort_by);
	if (kx != ky)
		return kx > ky ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Indexes of the stacks with a non-zero key, by key descending; *n gets their number. */
static size_t *ranked(const struct hp_mem *m, int by, size_t *n)
{
	size_t *v = malloc((m->nstacks ? m->nstacks : 1) * sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < m->nstacks; i++)
		if (key_of(&m->stacks[i], by))
			v[(*n)++] = i;
	sort_by = by;
	sort_base = m->stacks;
	qsort(v, *n, sizeof(*v), by_key);
	return v;
}

/* One line per frame: name (file:line), and the module where it changes from the frame above. */
static void print_frames(FILE *f, const struct hp_mem_stack *s)
{
	char esc[512], where[512];
	const char *prev = NULL;
	for (size_t k = 0; k < s->nframes; k++) {
		const struct hp_mem_frame *fr = &s->frames[k];
		const char *mod = fr->module ? hp_base_name(fr->module) : NULL;
		int show_mod = mod && (!prev || strcmp(prev, mod) != 0);
		if (fr->file)
			snprintf(where, sizeof(where), "%s:%d%s%s", hp_base_name(fr->file),
				 fr->line, show_mod ? ", " : "", show_mod ? mod : "");
		else
			snprintf(where, sizeof(where), "%s", mod ? mod : "?");
		fprintf(f, "    %s (%s)\n", hp_text_escape(esc, sizeof(esc), fr->name), where);
		if (mod)
			prev = mod;
	}
}

static void print_head(FILE *f, const struct hp_mem_stack *s, int by)
{
	char a[32], b[32];
	switch (by) {
	case BY_LEAK:
		hp_fmt_bytes(a, sizeof(a), (double)s->live_bytes);
		fprintf(f, "  %s in %" PRIu64 " block%s (of %" PRIu64 " allocated), from:\n", a,
			s->live_count, s->live_count == 1 ? "" : "s", s->alloc_count);
		break;
	case BY_PEAK:
		hp_fmt_bytes(a, sizeof(a), (double)s->peak_bytes);
		hp_fmt_bytes(b, sizeof(b), (double)s->alloc_bytes);
		fprintf(f, "  %s at the peak (%" PRIu64 " allocations, %s in all), from:\n", a,
			s->alloc_count, b);
		break;
	default:
		fprintf(f, "  %" PRIu64 " temporary of %" PRIu64 " allocations, from:\n",
			s->temporary_count, s->alloc_count);
		break;
	}
}

static int print_section(FILE *f, const struct hp_mem *m, int by, const char *title, int limit)
{
	size_t n;
	size_t *v = ranked(m, by, &n);
	if (!v)
		return -ENOMEM;
	fprintf(f, "\n%s\n", title);
	if (!n)
		fputs("  (none)\n", f);
	size_t shown = limit > 0 && n > (size_t)limit ? (size_t)limit : n;
	for (size_t i = 0; i < shown; i++) {
		print_head(f, &m->stacks[v[i]], by);
		print_frames(f, &m->stacks[v[i]]);
	}
	if (shown < n)
		fprintf(f, "  (showing %zu of %zu stacks; --limit 0 shows all)\n", shown, n);
	free(v);
	return 0;
}

int hp_astacks_print(FILE *f, const struct hp_proc *p, int limit)
{
	const struct hp_mem *m = &p->mem;
	if (!m->valid || !m->has_stacks)
		return 0;
	if (print_section(f, m, BY_LEAK, "Leaked at exit, by stack", limit) < 0 ||
	    print_section(f, m, BY_PEAK, "Peak memory, by stack", limit) < 0 ||
	    print_section(f, m, BY_TEMP, "Most temporary allocations", limit) < 0)
		return -ENOMEM;
	if (m->stacks_dropped)
		fprintf(f, "(%" PRIu64 " allocations recorded with a shorter stack: table full)\n",
			m->stacks_dropped);
	return 0;
}

/* ---- JSON ---- */

static void jw_frame(struct hp_jw *w, const struct hp_mem_frame *fr)
{
	hp_jw_obj_begin(w);
	hp_jw_key(w, "name");
	hp_jw_str(w, fr->name);
	hp_jw_key(w, "module");
	if (fr->module)
		hp_jw_str(w, fr->module);
	else
		hp_jw_null(w);
	hp_jw_key(w, "file");
	if (fr->file)
		hp_jw_str(w, fr->file);
	else
		hp_jw_null(w);
	hp_jw_key(w, "line");
	hp_jw_uint(w, fr->line > 0 ? (uint64_t)fr->line : 0);
	hp_jw_obj_end(w);
}

static void jw_u64(struct hp_jw *w, const char *k, uint64_t v)
{
	hp_jw_key(w, k);
	hp_jw_uint(w, v);
}

void hp_astacks_json(struct hp_jw *w, const struct hp_mem *m)
{
	if (!m->has_stacks)
		return;
	jw_u64(w, "stacks_dropped", m->stacks_dropped);
	hp_jw_key(w, "stacks");
	hp_jw_arr_begin(w);
	for (size_t i = 0; i < m->nstacks; i++) {
		const struct hp_mem_stack *s = &m->stacks[i];
		int pretty = w->pretty;
		hp_jw_obj_begin(w);
		w->pretty = 0;
		hp_jw_key(w, "frames");
		hp_jw_arr_begin(w);
		for (size_t k = 0; k < s->nframes; k++)
			jw_frame(w, &s->frames[k]);
		hp_jw_arr_end(w);
		jw_u64(w, "alloc_count", s->alloc_count);
		jw_u64(w, "alloc_bytes", s->alloc_bytes);
		jw_u64(w, "free_count", s->free_count);
		jw_u64(w, "free_bytes", s->free_bytes);
		jw_u64(w, "live_count_at_exit", s->live_count);
		jw_u64(w, "live_bytes_at_exit", s->live_bytes);
		jw_u64(w, "peak_bytes", s->peak_bytes);
		jw_u64(w, "temporary_count", s->temporary_count);
		hp_jw_obj_end(w);
		w->pretty = pretty;
	}
	hp_jw_arr_end(w);
}

/* ---- in (report_load.h, through hp_mem_from_json) ---- */

static int load_frame(struct hp_loader *l, const struct hp_json *o, void *elem)
{
	struct hp_mem_frame *fr = elem;
	int64_t line = 0;
	int rc;
	if ((rc = hp_load_str(l, o, "name", &fr->name)) < 0 ||
	    (rc = hp_load_str(l, o, "module", &fr->module)) < 0 ||
	    (rc = hp_load_str(l, o, "file", &fr->file)) < 0 ||
	    (rc = hp_load_int(l, o, "line", 1, 0, 1 << 30, &line, NULL)) < 0)
		return rc;
	fr->line = (int)line;
	if (!fr->name && !(fr->name = strdup("?")))
		return hp_load_nomem(l);
	return 0;
}

static int load_stack(struct hp_loader *l, const struct hp_json *o, void *elem)
{
	struct hp_mem_stack *s = elem;
	void *frames = NULL;
	int rc = hp_load_objects(l, o, "frames", sizeof(struct hp_mem_frame), load_frame, &frames,
				 &s->nframes);
	s->frames = frames;
	if (rc < 0 || (rc = hp_load_u64(l, o, "alloc_count", &s->alloc_count)) < 0 ||
	    (rc = hp_load_u64(l, o, "alloc_bytes", &s->alloc_bytes)) < 0 ||
	    (rc = hp_load_u64(l, o, "free_count", &s->free_count)) < 0 ||
	    (rc = hp_load_u64(l, o, "free_bytes", &s->free_bytes)) < 0 ||
	    (rc = hp_load_u64(l, o, "live_count_at_exit", &s->live_count)) < 0 ||
	    (rc = hp_load_u64(l, o, "live_bytes_at_exit", &s->live_bytes)) < 0 ||
	    (rc = hp_load_u64(l, o, "peak_bytes", &s->peak_bytes)) < 0 ||
	    (rc = hp_load_u64(l, o, "temporary_count", &s->temporary_count)) < 0)
		return rc;
	return 0;
}

int hp_astacks_from_json(struct hp_loader *l, const struct hp_json *m, struct hp_mem *mem)
{
	const struct hp_json *a;
	int rc = hp_load_array(l, m, "stacks", &a);
	if (rc <= 0)
		return rc;
	mem->has_stacks = 1;
	if ((rc = hp_load_u64(l, m, "stacks_dropped", &mem->stacks_dropped)) < 0)
		return rc;
	void *v = NULL;
	rc = hp_load_objects(l, m, "stacks", sizeof(struct hp_mem_stack), load_stack, &v,
			     &mem->nstacks);
	mem->stacks = v;
	return rc;
}

/* ---- flame graphs ---- */

/* The stacks of one process as flame stacks (frames borrowed from the model); a process
 * frame first when `proc` is not NULL. Returns the count or -ENOMEM. */
static long proc_stacks(const struct hp_proc *p, int by, const char *proc,
			struct hp_flame_stack **out)
{
	const struct hp_mem *m = &p->mem;
	struct hp_flame_stack *v = calloc(m->nstacks ? m->nstacks : 1, sizeof(*v));
	long n = 0;
	*out = v;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; m->has_stacks && i < m->nstacks; i++) {
		const struct hp_mem_stack *s = &m->stacks[i];
		uint64_t val = key_of(s, by);
		if (!val)
			continue;
		size_t extra = proc ? 1 : 0;
		struct hp_flame_frame *fr = calloc(s->nframes + extra, sizeof(*fr));
		if (!fr)
			return -ENOMEM;
		if (proc)
			fr[0].name = proc;
		for (size_t k = 0; k < s->nframes; k++) {
			fr[k + extra].name = s->frames[k].name;
			fr[k + extra].module = s->frames[k].module;
		}
		v[n].frames = fr;
		v[n].n = s->nframes + extra;
		v[n].value = val;
		v[n].calls = s->alloc_count;
		n++;
	}
	return n;
}

int hp_astacks_flame(FILE *f, const struct hp_proc *top, int format, int flame)
{
	int by = flame == HP_FLAME_LEAK ? BY_LEAK : flame == HP_FLAME_PEAK ? BY_PEAK : BY_ALLOC;
	size_t nprocs = 1 + top->nchildren, total = 0;
	struct hp_flame_stack *all = NULL, **per = calloc(nprocs, sizeof(*per));
	long *count = calloc(nprocs, sizeof(*count));
	char(*names)[300] = calloc(nprocs, sizeof(*names));
	int rc = -ENOMEM;
	if (!per || !count || !names)
		goto out;
	for (size_t i = 0; i < nprocs; i++) {
		const struct hp_proc *p = i ? &top->children[i - 1] : top;
		const char *prog = p->argc > 0 && p->argv ? p->argv[0] : p->exe;
		snprintf(names[i], sizeof(names[i]), "%s (%d)", prog ? hp_base_name(prog) : "?",
			 p->pid);
		count[i] = proc_stacks(p, by, nprocs > 1 ? names[i] : NULL, &per[i]);
		if (count[i] < 0)
			goto out;
		total += (size_t)count[i];
	}
	all = calloc(total ? total : 1, sizeof(*all));
	if (!all)
		goto out;
	total = 0;
	for (size_t i = 0; i < nprocs; i++)
		for (long k = 0; k < count[i]; k++)
			all[total++] = per[i][k];
	if (format == HP_FMT_FOLDED) {
		rc = hp_flame_folded(f, all, total);
	} else {
		static const char *const what[] = {"leaked at exit", "at the peak", "temporary",
						   "allocated"};
		char title[400];
		snprintf(title, sizeof(title), "hotpath: %s, bytes %s", names[0], what[by]);
		struct hp_flame_opts o = {.title = title, .unit = "bytes"};
		rc = hp_flame_svg(f, all, total, &o);
	}
out:
	for (size_t i = 0; per && i < nprocs; i++) {
		for (long k = 0; per[i] && k < count[i]; k++)
			free(per[i][k].frames);
		free(per[i]);
	}
	free(per);
	free(count);
	free(names);
	free(all);
	return rc;
}
