/* report_json.c - a saved JSON report (docs/json.md) back into the report model. Missing
 * optional fields take their defaults; a field that is present must have its documented type,
 * and the error names it by path ("children[0].functions[3].calls: expected a number"). */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hp/region.h"
#include "json.h"
#include "report.h"
#include "report_load.h"
#include "textfmt.h"
#include "report_tree.h"

/* ---- rows ---- */

static const char *const kind_names[] = {NULL, "instrumented", "patched", "main"};

static int load_hist(struct hp_loader *l, const struct hp_json *o, struct hp_fn_row *r)
{
	const struct hp_json *a;
	int rc = hp_load_array(l, o, "histogram", &a);

	if (rc <= 0 || !a->len)
		return rc;
	r->hist = calloc(a->len, sizeof(*r->hist));
	if (!r->hist)
		return hp_load_nomem(l);
	for (size_t i = 0; i < a->len; i++) {
		const struct hp_json *b = a->items[i];
		if (b->type != HP_JSON_ARRAY || b->len != 3 ||
		    b->items[0]->type != HP_JSON_NUMBER || b->items[1]->type != HP_JSON_NUMBER ||
		    b->items[2]->type != HP_JSON_NUMBER || b->items[0]->number < 0 ||
		    b->items[1]->number < b->items[0]->number || b->items[2]->number < 0 ||
		    b->items[2]->number != floor(b->items[2]->number)) {
			char key[48];
			snprintf(key, sizeof(key), "histogram[%zu]", i);
			return hp_load_fail(
				l, key, "expected [lo_ns, hi_ns, count] with 0 <= lo_ns <= hi_ns");
		}
		struct hp_hbucket *h = &r->hist[r->nhist++];
		h->lo_ns = b->items[0]->number;
		h->hi_ns = b->items[1]->number;
		h->count = b->items[2]->is_int ? (uint64_t)b->items[2]->integer
					       : hp_u64_of(b->items[2]->number);
	}
	return 0;
}

static int pct_key(char *buf, size_t size, double pct)
{
	char num[64];

	hp_fmt_pct(num, sizeof(num), pct, '_'); /* the writer's form */
	return snprintf(buf, size, "p%s_ns", num);
}

static int load_fn(struct hp_loader *l, const struct hp_json *o, const struct hp_proc *p,
		   struct hp_fn_row *r)
{
	const struct hp_json *j;
	uint64_t avg = 0;
	int rc, has_avg;

	if ((rc = hp_load_str(l, o, "name", &r->name)) < 0 ||
	    (rc = hp_load_str(l, o, "module", &r->module)) < 0 ||
	    (rc = hp_load_str(l, o, "file", &r->file)) < 0 ||
	    (rc = hp_load_int32(l, o, "line", 1, &r->line)) < 0)
		return rc;
	if ((rc = hp_load_hex(l, o, "address", &r->addr)) < 0)
		return rc;
	/* An unknown kind (from a newer hotpath) reads as unknown, not as an error. */
	j = hp_json_get(o, "kind");
	if (j && j->type != HP_JSON_NULL && j->type != HP_JSON_STRING)
		return hp_load_fail(l, "kind", "expected a string");
	for (int i = 1; j && j->type == HP_JSON_STRING && i < 4; i++)
		if (!strcmp(j->string, kind_names[i]))
			r->kind = i;
	if ((rc = hp_load_u64(l, o, "calls", &r->calls)) < 0 ||
	    (rc = hp_load_u64(l, o, "completed", &r->completed)) < 0 ||
	    (rc = hp_load_u64(l, o, "total_ns", &r->total_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "self_ns", &r->self_ns)) < 0 ||
	    (rc = has_avg = hp_load_u64_or_null(l, o, "avg_ns", &avg)) < 0 ||
	    (rc = hp_load_u64_or_null(l, o, "min_ns", &r->min_ns)) < 0 ||
	    (rc = hp_load_u64_or_null(l, o, "max_ns", &r->max_ns)) < 0 ||
	    (rc = hp_load_num(l, o, "percent_total", 0, &r->percent_total)) < 0 ||
	    (rc = hp_load_u64(l, o, "alloc_count", &r->alloc_count)) < 0 ||
	    (rc = hp_load_u64(l, o, "alloc_bytes", &r->alloc_bytes)) < 0 ||
	    (rc = hp_load_u64(l, o, "free_count", &r->free_count)) < 0 ||
	    (rc = hp_load_u64(l, o, "free_bytes", &r->free_bytes)) < 0 ||
	    (rc = r->has_cpu = hp_load_u64_or_null(l, o, "cpu_ns", &r->cpu_ns)) <
		    0) /* docs/cpu.md */
		return rc;
	/* The writer rounds avg_ns to the nearest ns; avg * completed reads back as that avg. */
	r->sum_ns = has_avg ? avg * r->completed : 0;
	/* given->value[k] holds the value of the report's own percentiles[k]. */
	if (p->npcts_saved > 0 && !(r->given = hp_pct_given_new()))
		return hp_load_nomem(l);
	for (int k = 0; k < p->npcts_saved; k++) {
		char key[80];
		double v = NAN;
		pct_key(key, sizeof(key), p->pcts_saved[k]);
		if ((rc = hp_load_num(l, o, key, 1, &v)) < 0)
			return rc;
		r->given->value[k] = v;
		r->given->pct[k] = p->pcts_saved[k];
	}
	return load_hist(l, o, r);
}

static const char *const thread_states[] = {"exited", "running"};

static int load_thread(struct hp_loader *l, const struct hp_json *o, struct hp_thread_row *t)
{
	int rc;

	t->running = 0;
	if ((rc = hp_load_int32(l, o, "tid", 0, &t->tid)) < 0 ||
	    (rc = hp_load_str(l, o, "name", &t->name)) < 0 ||
	    (rc = hp_load_str(l, o, "start_routine", &t->start_routine)) < 0 ||
	    (rc = hp_load_enum(l, o, "state", thread_states, 2, &t->running)) < 0 ||
	    (rc = hp_load_i64(l, o, "start_ns", 0, &t->start_ns)) < 0 ||
	    (rc = hp_load_i64(l, o, "end_ns", 1, &t->end_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "cpu_user_ns", &t->cpu_user_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "cpu_sys_ns", &t->cpu_sys_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "calls", &t->calls)) < 0 ||
	    (rc = hp_load_u64(l, o, "alloc_count", &t->alloc_count)) < 0 ||
	    (rc = hp_load_u64(l, o, "alloc_bytes", &t->alloc_bytes)) < 0 ||
	    (rc = hp_load_u64(l, o, "free_count", &t->free_count)) < 0 ||
	    (rc = hp_load_u64(l, o, "free_bytes", &t->free_bytes)) < 0 ||
	    (rc = hp_load_u64(l, o, "lock_wait_ns", &t->lock_wait_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "io_block_ns", &t->io_block_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "cpu_ns", &t->cpu_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "cpu_samples", &t->cpu_samples)) < 0 ||
	    (rc = hp_load_u64(l, o, "waiting_ns", &t->waiting_ns)) < 0 ||
	    (rc = hp_load_str(l, o, "waiting_on", &t->waiting_on)) < 0)
		return rc;
	if (t->running)
		t->end_ns = 0;
	return 0;
}

/* ---- processes ---- */

static const char *const proc_states[] = {"running", "exited", "killed", "execed", "vanished"};
static const char *const mode_names[] = {NULL, "timing", "alloc", "timing+alloc"};

static int load_proc(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p, int top);

static int load_child(struct hp_loader *l, const struct hp_json *o, void *c)
{
	return load_proc(l, o, c, 0);
}

static int load_fn_of(struct hp_loader *l, const struct hp_json *o, void *r)
{
	return load_fn(l, o, l->proc, r);
}

static int load_thread_of(struct hp_loader *l, const struct hp_json *o, void *t)
{
	return load_thread(l, o, t);
}

static int load_pcts(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p)
{
	const struct hp_json *a;
	int rc = hp_load_array(l, o, "percentiles", &a);

	if (rc <= 0)
		return rc;
	if (a->len > HP_MAX_PCTS)
		return hp_load_fail(l, "percentiles", "more than %d percentiles", HP_MAX_PCTS);
	for (size_t i = 0; i < a->len; i++) {
		const struct hp_json *v = a->items[i];
		if (v->type != HP_JSON_NUMBER || !(v->number > 0 && v->number <= 100)) {
			char key[48];
			snprintf(key, sizeof(key), "percentiles[%zu]", i);
			return hp_load_fail(l, key, "expected a number in (0, 100]");
		}
		p->pcts_saved[p->npcts_saved++] = v->number;
	}
	return 0;
}

static int load_proc(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p, int top)
{
	int rc, state = HP_PS_VANISHED, mode = 1;
	char **argv = NULL;
	size_t argc = 0;
	uint64_t total = 0;

	if ((rc = hp_load_enum(l, o, "hotpath_profiling_mode", mode_names, 4, &mode)) < 0)
		return rc;
	p->modes = (mode & 1 ? HP_MODE_TIMING : 0) | (mode & 2 ? HP_MODE_ALLOC : 0);
	rc = hp_load_strings(l, o, "command", &argv, &argc);
	p->argv = argv;
	p->argc = (int)argc;
	if (rc < 0)
		return rc;
	if ((rc = hp_load_int32(l, o, "pid", 0, &p->pid)) < 0 ||
	    (rc = hp_load_int32(l, o, "ppid", 0, &p->ppid)) < 0 ||
	    (rc = hp_load_str(l, o, "exe", &p->exe)) < 0 ||
	    (rc = hp_load_enum(l, o, "state", proc_states, 5, &state)) < 0 ||
	    (rc = hp_load_int32(l, o, "exit_status", 1, &p->exit_status)) < 0 ||
	    (rc = hp_load_int32(l, o, "term_signal", 1, &p->term_signal)) < 0 ||
	    (rc = hp_load_i64(l, o, "start_time_unix_ns", 0, &p->start_unix_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "wall_ns", &p->wall_ns)) < 0 || (rc = load_pcts(l, o, p)) < 0)
		return rc;
	p->state = state;
	if (p->state != HP_PS_EXITED)
		p->exit_status = 0;
	if (p->state != HP_PS_SIGNALED)
		p->term_signal = 0;
	void *fns = NULL, *threads = NULL;
	l->proc = p;
	rc = hp_load_objects(l, o, "functions", sizeof(*p->fns), load_fn_of, &fns, &p->nfns);
	p->fns = fns;
	if (rc < 0)
		return rc;
	rc = hp_load_objects(l, o, "threads", sizeof(*p->threads), load_thread_of, &threads,
			     &p->nthreads);
	p->threads = threads;
	if (rc < 0)
		return rc;
	if ((rc = hp_mem_from_json(l, o, p)) < 0) /* "memory" (report_mem.c) */
		return rc;
	if ((rc = hp_flow_from_json(l, o, p)) <
	    0) /* "channels", "locks", "io" (report_flow_json.c) */
		return rc;
	if ((rc = hp_patch_from_json(l, o, p)) < 0) /* "patch" (report_patch.c) */
		return rc;
	if ((rc = hp_cpu_from_json(l, o, p)) < 0) /* "cpu" (report_cpu.c) */
		return rc;
	if ((rc = hp_tree_from_json(l, o, p)) < 0) /* "call_tree", "tree_dropped" (report_tree.c) */
		return rc;
	if ((rc = hp_load_u64(l, o, "functions_total", &total)) < 0 ||
	    (rc = hp_load_u64(l, o, "dropped", &p->dropped)) < 0 ||
	    (rc = hp_load_u64(l, o, "depth_overflow", &p->depth_overflow)) < 0 ||
	    (rc = hp_load_u64(l, o, "unmatched_exits", &p->unmatched_exits)) < 0 ||
	    (rc = hp_load_strings(l, o, "notes", &p->notes, &p->nnotes)) < 0)
		return rc;
	p->nfns_total = total > p->nfns ? total : p->nfns;
	/* Children exist on the top process only; deeper ones are ignored. */
	if (top) {
		void *children = NULL;
		rc = hp_load_objects(l, o, "children", sizeof(*p->children), load_child, &children,
				     &p->nchildren);
		p->children = children;
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int from_json(const char *text, size_t len, struct hp_proc *out, char *err, size_t errlen);

/* pct_key() formats numbers: in the C locale, whatever the program set. */
int hp_report_from_json(const char *text, size_t len, struct hp_proc *out, char *err, size_t errlen)
{
	locale_t loc = hp_c_locale(), old = (locale_t)0;

	if (loc)
		old = uselocale(loc);
	int rc = from_json(text, len, out, err, errlen);
	if (loc)
		uselocale(old);
	return rc;
}

static int from_json(const char *text, size_t len, struct hp_proc *out, char *err, size_t errlen)
{
	struct hp_loader l = {.err = err, .errlen = errlen};
	char why[256];
	int64_t schema = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = 0;
	struct hp_json *root = hp_json_parse(text, len, why, sizeof(why));
	if (!root) {
		if (err && errlen)
			snprintf(err, errlen, "not valid JSON: %s", why);
		return -EINVAL;
	}
	if (root->type != HP_JSON_OBJECT) {
		rc = -EINVAL;
		if (err && errlen)
			snprintf(err, errlen,
				 "expected a JSON object (a hotpath report) at the top level");
		goto out;
	}
	if ((rc = hp_load_i64(&l, root, "schema_version", 0, &schema)) < 0)
		goto out;
	if (rc == 0) {
		rc = hp_load_fail(&l, "schema_version", "missing: not a hotpath report");
		goto out;
	}
	if (schema < 1) {
		rc = hp_load_fail(&l, "schema_version", "expected a positive integer");
		goto out;
	}
	if (schema > HP_REPORT_SCHEMA) {
		rc = -EINVAL;
		if (err && errlen)
			snprintf(err, errlen,
				 "schema_version %lld is newer than this hotpath understands",
				 (long long)schema);
		goto out;
	}
	rc = load_proc(&l, root, out, 1);
out:
	if (rc < 0)
		hp_proc_free(out);
	hp_json_free(root);
	return rc < 0 ? rc : 0;
}
