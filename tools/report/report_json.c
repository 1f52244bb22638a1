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
#include "report_mem.h"
#include "report_flow.h"
#include "report_patch.h"
#include "textfmt.h"

struct loader {
	char *err;
	size_t errlen;
	char path[256]; /* where we are: "" at the top, "children[0].functions[3]" deeper */
	const struct hp_proc *proc; /* whose functions are being loaded (its pcts_saved) */
};

static int __attribute__((format(printf, 3, 4)))
fail(struct loader *l, const char *key, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (l->err && l->errlen)
		snprintf(l->err, l->errlen, "%s%s%s: %s", l->path, l->path[0] && key[0] != '[' ? "." : "",
			 key, what);
	return -EINVAL;
}

static int nomem(struct loader *l)
{
	if (l->err && l->errlen)
		snprintf(l->err, l->errlen, "out of memory");
	return -ENOMEM;
}

/* Descend into `key` (a member name or "[i]"); returns the old length for path_pop. */
static size_t path_push(struct loader *l, const char *fmt, ...)
{
	size_t len = strlen(l->path);
	va_list ap;

	if (len && fmt[0] != '[' && len + 1 < sizeof(l->path))
		strcat(l->path, ".");
	va_start(ap, fmt);
	size_t at = strlen(l->path);
	vsnprintf(l->path + at, sizeof(l->path) - at, fmt, ap);
	va_end(ap);
	return len;
}

static void path_pop(struct loader *l, size_t len)
{
	l->path[len] = 0;
}

/* Present and not null: 1; absent or null (when allowed): 0; wrong: -EINVAL. */
static int member(struct loader *l, const struct hp_json *o, const char *key, int nullable,
		  enum hp_json_type type, const char *what, const struct hp_json **out)
{
	const struct hp_json *j = hp_json_get(o, key);

	*out = j;
	if (!j || (nullable && j->type == HP_JSON_NULL))
		return 0;
	if (j->type != type)
		return fail(l, key, "expected %s", what);
	return 1;
}

/* An integer in [min, max]; integral doubles beyond int64 count for the uint64 range. */
static int get_int(struct loader *l, const struct hp_json *o, const char *key, int nullable,
		   double min, double max, int64_t *i64, uint64_t *u64)
{
	const struct hp_json *j;
	int rc = member(l, o, key, nullable, HP_JSON_NUMBER, "a number", &j);

	if (rc <= 0)
		return rc;
	if (j->is_int) {
		if ((double)j->integer < min || (double)j->integer > max)
			goto range;
		if (i64)
			*i64 = j->integer;
		if (u64)
			*u64 = (uint64_t)j->integer;
		return 1;
	}
	/* Here |number| >= 2^63 (or it has a fraction): only the top of the uint64 range can hold
	 * it, as the nearest double; 2^64 is how UINT64_MAX reads back, so it saturates. */
	if (j->number != floor(j->number) || j->number < min || j->number > max ||
	    j->number > 18446744073709551616.0 || !u64)
		goto range;
	*u64 = j->number >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)j->number;
	return 1;
range:
	if (min == 0)
		return fail(l, key, "expected a non-negative integer");
	return fail(l, key, "expected an integer between %.0f and %.0f", min, max);
}

static int get_u64(struct loader *l, const struct hp_json *o, const char *key, uint64_t *out)
{
	int rc = get_int(l, o, key, 0, 0, 18446744073709551615.0, NULL, out);
	return rc < 0 ? rc : 0;
}

/* Nullable variants return 1 when a value was stored. */
static int get_u64_or_null(struct loader *l, const struct hp_json *o, const char *key, uint64_t *out)
{
	return get_int(l, o, key, 1, 0, 18446744073709551615.0, NULL, out);
}

static int get_i64(struct loader *l, const struct hp_json *o, const char *key, int nullable,
		   int64_t *out)
{
	return get_int(l, o, key, nullable, -9223372036854775808.0, 9223372036854775807.0, out, NULL);
}

static int get_int32(struct loader *l, const struct hp_json *o, const char *key, int nullable,
		     int *out)
{
	int64_t v;
	int rc = get_int(l, o, key, nullable, -2147483648.0, 2147483647.0, &v, NULL);

	if (rc > 0)
		*out = (int)v;
	return rc;
}

static int get_num(struct loader *l, const struct hp_json *o, const char *key, int nullable,
		   double *out)
{
	const struct hp_json *j;
	int rc = member(l, o, key, nullable, HP_JSON_NUMBER, "a number", &j);

	if (rc > 0)
		*out = j->number;
	return rc;
}

/* A string (or null): *out is a copy, NULL when absent or null. */
static int get_str(struct loader *l, const struct hp_json *o, const char *key, char **out)
{
	const struct hp_json *j;
	int rc = member(l, o, key, 1, HP_JSON_STRING, "a string or null", &j);

	if (rc <= 0)
		return rc;
	*out = strdup(j->string);
	return *out ? 1 : nomem(l);
}

/* An enumerated string: its index in `names`, or -EINVAL. Absent or null keeps *out. */
static int get_enum(struct loader *l, const struct hp_json *o, const char *key,
		    const char *const *names, int n, int *out)
{
	const struct hp_json *j;
	int rc = member(l, o, key, 1, HP_JSON_STRING, "a string", &j);

	if (rc <= 0)
		return rc;
	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], j->string)) {
			*out = i;
			return 1;
		}
	return fail(l, key, "unknown value \"%s\"", j->string);
}

static int get_array(struct loader *l, const struct hp_json *o, const char *key,
		     const struct hp_json **out)
{
	return member(l, o, key, 1, HP_JSON_ARRAY, "an array", out);
}

/* Every element of an array of strings, as copies (*out has a NULL after the last). */
static int get_strings(struct loader *l, const struct hp_json *o, const char *key, char ***out,
		       size_t *n)
{
	const struct hp_json *a;
	int rc = get_array(l, o, key, &a);

	if (rc <= 0)
		return rc;
	*out = calloc(a->len + 1, sizeof(char *));
	if (!*out)
		return nomem(l);
	for (size_t i = 0; i < a->len; i++) {
		if (a->items[i]->type != HP_JSON_STRING) {
			char k[80];
			snprintf(k, sizeof(k), "%s[%zu]", key, i);
			return fail(l, k, "expected a string");
		}
		(*out)[i] = strdup(a->items[i]->string);
		if (!(*out)[i])
			return nomem(l);
		(*n)++;
	}
	return 1;
}

/* Array `key` of objects into a new array of `size`-byte elements: `each` fills element i
 * (counted in *n before it is filled, so that a failure frees what was loaded). */
typedef int (*load_elem_fn)(struct loader *l, const struct hp_json *o, void *elem);

static int load_objects(struct loader *l, const struct hp_json *o, const char *key, size_t size,
			load_elem_fn each, void **arr, size_t *n)
{
	const struct hp_json *a;
	int rc = get_array(l, o, key, &a);

	if (rc <= 0 || !a->len)
		return rc;
	*arr = calloc(a->len, size);
	if (!*arr)
		return nomem(l);
	for (size_t i = 0; i < a->len; i++) {
		char k[80];
		snprintf(k, sizeof(k), "%s[%zu]", key, i);
		if (a->items[i]->type != HP_JSON_OBJECT)
			return fail(l, k, "expected an object");
		size_t at = path_push(l, "%s", k);
		(*n)++;
		rc = each(l, a->items[i], (char *)*arr + i * size);
		if (rc < 0)
			return rc;
		path_pop(l, at);
	}
	return 0;
}

/* ---- rows ---- */

static const char *const kind_names[] = {NULL, "instrumented", "patched", "main"};

static int load_hist(struct loader *l, const struct hp_json *o, struct hp_fn_row *r)
{
	const struct hp_json *a;
	int rc = get_array(l, o, "histogram", &a);

	if (rc <= 0 || !a->len)
		return rc;
	r->hist = calloc(a->len, sizeof(*r->hist));
	if (!r->hist)
		return nomem(l);
	for (size_t i = 0; i < a->len; i++) {
		const struct hp_json *b = a->items[i];
		if (b->type != HP_JSON_ARRAY || b->len != 3 || b->items[0]->type != HP_JSON_NUMBER ||
		    b->items[1]->type != HP_JSON_NUMBER || b->items[2]->type != HP_JSON_NUMBER ||
		    b->items[0]->number < 0 || b->items[1]->number < b->items[0]->number ||
		    b->items[2]->number < 0 || b->items[2]->number != floor(b->items[2]->number)) {
			char key[48];
			snprintf(key, sizeof(key), "histogram[%zu]", i);
			return fail(l, key, "expected [lo_ns, hi_ns, count] with 0 <= lo_ns <= hi_ns");
		}
		struct hp_hbucket *h = &r->hist[r->nhist++];
		h->lo_ns = b->items[0]->number;
		h->hi_ns = b->items[1]->number;
		h->count = b->items[2]->is_int ? (uint64_t)b->items[2]->integer
					       : (uint64_t)b->items[2]->number;
	}
	return 0;
}

static int pct_key(char *buf, size_t size, double pct)
{
	char num[64];

	hp_fmt_pct(num, sizeof(num), pct, '_'); /* the writer's form */
	return snprintf(buf, size, "p%s_ns", num);
}

static int load_fn(struct loader *l, const struct hp_json *o, const struct hp_proc *p,
		   struct hp_fn_row *r)
{
	const struct hp_json *j;
	uint64_t avg = 0;
	int rc, has_avg;

	for (int i = 0; i < HP_MAX_PCTS; i++)
		r->pct_given[i] = NAN;
	if ((rc = get_str(l, o, "name", &r->name)) < 0 || (rc = get_str(l, o, "module", &r->module)) < 0 ||
	    (rc = get_str(l, o, "file", &r->file)) < 0 || (rc = get_int32(l, o, "line", 1, &r->line)) < 0)
		return rc;
	if ((rc = member(l, o, "address", 1, HP_JSON_STRING, "a string like \"0x401136\"", &j)) < 0)
		return rc;
	if (rc > 0) {
		char *end;
		errno = 0;
		r->addr = strtoull(j->string, &end, 16);
		if (strncmp(j->string, "0x", 2) || *end || errno || end == j->string + 2)
			return fail(l, "address", "expected a string like \"0x401136\"");
	}
	/* An unknown kind (from a newer hotpath) reads as unknown, not as an error. */
	j = hp_json_get(o, "kind");
	if (j && j->type != HP_JSON_NULL && j->type != HP_JSON_STRING)
		return fail(l, "kind", "expected a string");
	for (int i = 1; j && j->type == HP_JSON_STRING && i < 4; i++)
		if (!strcmp(j->string, kind_names[i]))
			r->kind = i;
	if ((rc = get_u64(l, o, "calls", &r->calls)) < 0 ||
	    (rc = get_u64(l, o, "completed", &r->completed)) < 0 ||
	    (rc = get_u64(l, o, "total_ns", &r->total_ns)) < 0 ||
	    (rc = has_avg = get_u64_or_null(l, o, "avg_ns", &avg)) < 0 ||
	    (rc = get_u64_or_null(l, o, "min_ns", &r->min_ns)) < 0 ||
	    (rc = get_u64_or_null(l, o, "max_ns", &r->max_ns)) < 0 ||
	    (rc = get_num(l, o, "percent_total", 0, &r->percent_total)) < 0 ||
	    (rc = get_u64(l, o, "alloc_count", &r->alloc_count)) < 0 ||
	    (rc = get_u64(l, o, "alloc_bytes", &r->alloc_bytes)) < 0 ||
	    (rc = get_u64(l, o, "free_count", &r->free_count)) < 0 ||
	    (rc = get_u64(l, o, "free_bytes", &r->free_bytes)) < 0)
		return rc;
	/* The writer rounds avg_ns to the nearest ns; avg * completed reads back as that avg. */
	r->sum_ns = has_avg ? avg * r->completed : 0;
	/* pct_given[k] holds the value of the report's own percentiles[k]. */
	for (int k = 0; k < p->npcts_saved; k++) {
		char key[80];
		double v = NAN;
		pct_key(key, sizeof(key), p->pcts_saved[k]);
		if ((rc = get_num(l, o, key, 1, &v)) < 0)
			return rc;
		r->pct_given[k] = v;
		r->pct_given_for[k] = p->pcts_saved[k];
	}
	return load_hist(l, o, r);
}

static const char *const thread_states[] = {"exited", "running"};

static int load_thread(struct loader *l, const struct hp_json *o, struct hp_thread_row *t)
{
	int rc;

	t->running = 0;
	if ((rc = get_int32(l, o, "tid", 0, &t->tid)) < 0 || (rc = get_str(l, o, "name", &t->name)) < 0 ||
	    (rc = get_str(l, o, "start_routine", &t->start_routine)) < 0 ||
	    (rc = get_enum(l, o, "state", thread_states, 2, &t->running)) < 0 ||
	    (rc = get_i64(l, o, "start_ns", 0, &t->start_ns)) < 0 ||
	    (rc = get_i64(l, o, "end_ns", 1, &t->end_ns)) < 0 ||
	    (rc = get_u64(l, o, "cpu_user_ns", &t->cpu_user_ns)) < 0 ||
	    (rc = get_u64(l, o, "cpu_sys_ns", &t->cpu_sys_ns)) < 0 ||
	    (rc = get_u64(l, o, "calls", &t->calls)) < 0 ||
	    (rc = get_u64(l, o, "alloc_count", &t->alloc_count)) < 0 ||
	    (rc = get_u64(l, o, "alloc_bytes", &t->alloc_bytes)) < 0 ||
	    (rc = get_u64(l, o, "free_count", &t->free_count)) < 0 ||
	    (rc = get_u64(l, o, "free_bytes", &t->free_bytes)) < 0 ||
	    (rc = get_u64(l, o, "lock_wait_ns", &t->lock_wait_ns)) < 0 ||
	    (rc = get_u64(l, o, "io_block_ns", &t->io_block_ns)) < 0)
		return rc;
	if (t->running)
		t->end_ns = 0;
	return 0;
}

/* ---- processes ---- */

static const char *const proc_states[] = {"running", "exited", "killed", "execed", "vanished"};
static const char *const mode_names[] = {NULL, "timing", "alloc", "timing+alloc"};

static int load_proc(struct loader *l, const struct hp_json *o, struct hp_proc *p, int top);

static int load_child(struct loader *l, const struct hp_json *o, void *c)
{
	return load_proc(l, o, c, 0);
}

static int load_fn_of(struct loader *l, const struct hp_json *o, void *r)
{
	return load_fn(l, o, l->proc, r);
}

static int load_thread_of(struct loader *l, const struct hp_json *o, void *t)
{
	return load_thread(l, o, t);
}

static int load_pcts(struct loader *l, const struct hp_json *o, struct hp_proc *p)
{
	const struct hp_json *a;
	int rc = get_array(l, o, "percentiles", &a);

	if (rc <= 0)
		return rc;
	if (a->len > HP_MAX_PCTS)
		return fail(l, "percentiles", "more than %d percentiles", HP_MAX_PCTS);
	for (size_t i = 0; i < a->len; i++) {
		const struct hp_json *v = a->items[i];
		if (v->type != HP_JSON_NUMBER || !(v->number > 0 && v->number <= 100)) {
			char key[48];
			snprintf(key, sizeof(key), "percentiles[%zu]", i);
			return fail(l, key, "expected a number in (0, 100]");
		}
		p->pcts_saved[p->npcts_saved++] = v->number;
	}
	return 0;
}

static int load_proc(struct loader *l, const struct hp_json *o, struct hp_proc *p, int top)
{
	int rc, state = HP_PS_VANISHED, mode = 1;
	char **argv = NULL;
	size_t argc = 0;
	uint64_t total = 0;

	if ((rc = get_enum(l, o, "hotpath_profiling_mode", mode_names, 4, &mode)) < 0)
		return rc;
	p->modes = (mode & 1 ? HP_MODE_TIMING : 0) | (mode & 2 ? HP_MODE_ALLOC : 0);
	rc = get_strings(l, o, "command", &argv, &argc);
	p->argv = argv;
	p->argc = (int)argc;
	if (rc < 0)
		return rc;
	if ((rc = get_int32(l, o, "pid", 0, &p->pid)) < 0 || (rc = get_int32(l, o, "ppid", 0, &p->ppid)) < 0 ||
	    (rc = get_str(l, o, "exe", &p->exe)) < 0 ||
	    (rc = get_enum(l, o, "state", proc_states, 5, &state)) < 0 ||
	    (rc = get_int32(l, o, "exit_status", 1, &p->exit_status)) < 0 ||
	    (rc = get_int32(l, o, "term_signal", 1, &p->term_signal)) < 0 ||
	    (rc = get_i64(l, o, "start_time_unix_ns", 0, &p->start_unix_ns)) < 0 ||
	    (rc = get_u64(l, o, "wall_ns", &p->wall_ns)) < 0 || (rc = load_pcts(l, o, p)) < 0)
		return rc;
	p->state = state;
	if (p->state != HP_PS_EXITED)
		p->exit_status = 0;
	if (p->state != HP_PS_SIGNALED)
		p->term_signal = 0;
	void *fns = NULL, *threads = NULL;
	l->proc = p;
	rc = load_objects(l, o, "functions", sizeof(*p->fns), load_fn_of, &fns, &p->nfns);
	p->fns = fns;
	if (rc < 0)
		return rc;
	rc = load_objects(l, o, "threads", sizeof(*p->threads), load_thread_of, &threads, &p->nthreads);
	p->threads = threads;
	if (rc < 0)
		return rc;
	if ((rc = hp_mem_from_json(o, p, l->path, l->err, l->errlen)) < 0) /* "memory" */
		return rc;
	if ((rc = hp_flow_from_json(o, p)) < 0) /* "channels", "locks", "io" (report_flow_json.c) */
		return rc;
	if ((rc = hp_patch_from_json(o, p, l->err, l->errlen)) < 0) /* "patch" (report_patch.c) */
		return rc;
	if ((rc = get_u64(l, o, "functions_total", &total)) < 0 ||
	    (rc = get_u64(l, o, "dropped", &p->dropped)) < 0 ||
	    (rc = get_u64(l, o, "depth_overflow", &p->depth_overflow)) < 0 ||
	    (rc = get_u64(l, o, "unmatched_exits", &p->unmatched_exits)) < 0 ||
	    (rc = get_strings(l, o, "notes", &p->notes, &p->nnotes)) < 0)
		return rc;
	p->nfns_total = total > p->nfns ? total : p->nfns;
	/* Children exist on the top process only; deeper ones are ignored. */
	if (top) {
		void *children = NULL;
		rc = load_objects(l, o, "children", sizeof(*p->children), load_child, &children,
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
	struct loader l = {.err = err, .errlen = errlen};
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
			snprintf(err, errlen, "expected a JSON object (a hotpath report) at the top level");
		goto out;
	}
	if ((rc = get_i64(&l, root, "schema_version", 0, &schema)) < 0)
		goto out;
	if (rc == 0) {
		rc = fail(&l, "schema_version", "missing: not a hotpath report");
		goto out;
	}
	if (schema < 1) {
		rc = fail(&l, "schema_version", "expected a positive integer");
		goto out;
	}
	if (schema > HP_REPORT_SCHEMA) {
		rc = -EINVAL;
		if (err && errlen)
			snprintf(err, errlen, "schema_version %lld is newer than this hotpath understands",
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
