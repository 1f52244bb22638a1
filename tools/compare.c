/* compare.c - `hotpath compare BASE HEAD`: per function, the change from one run (or the
 * median of several) to another in calls, time per call, a percentile, total time and bytes,
 * as a table, JSON or GitHub Markdown, with a non-zero exit on a regression for CI gates.
 * docs/history.md explains the rules. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hotpath.h"
#include "tools/report/json.h"
#include "tools/report/report.h"
#include "tools/report/textfmt.h"
#include "tools/history/store.h"
#include "compare.h"

#define SPREAD_MADS 3.0

/* ---- loading ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len + 65536 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 65536);
			if (!nb)
				break;
			buf = nb;
		}
		size_t got = fread(buf + *len, 1, cap - *len, f);
		*len += got;
		if (!got)
			break;
	}
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int add_run(struct hp_cmp_side *s, struct hp_proc *p, const char *name)
{
	struct hp_proc *r = realloc(s->runs, (s->n + 1) * sizeof(*r));
	char **nm = r ? realloc(s->names, (s->n + 1) * sizeof(*nm)) : NULL;

	if (r)
		s->runs = r;
	if (!nm) {
		hp_proc_free(p);
		hp_err("out of memory");
		return -1;
	}
	s->names = nm;
	s->runs[s->n] = *p;
	s->names[s->n++] = strdup(name);
	return 0;
}

static int load_file(struct hp_cmp_side *s, const char *path)
{
	size_t len;
	char *text = slurp(path, &len), err[512];
	struct hp_proc p;

	if (!text) {
		hp_err("%s: %s", path, strerror(errno ? errno : EIO));
		return -1;
	}
	int rc = hp_report_from_json(text, len, &p, err, sizeof(err));
	free(text);
	if (rc < 0) {
		hp_err("%s: %s", path, err);
		return -1;
	}
	return add_run(s, &p, path);
}

/* Every item of a side's spec (comma-separated; a whole spec that is a file is one item). */
static int load_side(struct hp_cmp_side *s, const struct hp_cmp_opts *o, struct hp_store **st)
{
	char *copy = strdup(s->spec), *save = NULL, err[1024];
	int rc = -1;

	if (!copy)
		return -1;
	if (access(s->spec, F_OK) == 0) {
		rc = load_file(s, s->spec);
		goto out;
	}
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (access(item, F_OK) == 0) {
			if (load_file(s, item) < 0)
				goto out;
			continue;
		}
		if (!*st) {
			char *path;
			if (hp_history_db_path(o->db, &path) < 0)
				goto out;
			int orc = hp_store_open(st, path, 0, 5000, err, sizeof(err));
			free(path);
			if (orc < 0) {
				hp_err("%s", err);
				goto out;
			}
		}
		int64_t *ids;
		int n = hp_store_resolve(*st, item, o->runs, &ids, err, sizeof(err));
		if (n < 0) {
			hp_err("%s", err);
			goto out;
		}
		for (int i = 0; i < n; i++) {
			struct hp_proc p;
			char name[32];
			if (hp_store_load(*st, ids[i], &p, NULL, err, sizeof(err)) < 0) {
				hp_err("%s", err);
				free(ids);
				goto out;
			}
			snprintf(name, sizeof(name), "#%" PRId64, ids[i]);
			if (add_run(s, &p, name) < 0) {
				free(ids);
				goto out;
			}
		}
		free(ids);
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

static void side_free(struct hp_cmp_side *s)
{
	for (size_t i = 0; i < s->n; i++) {
		hp_proc_free(&s->runs[i]);
		free(s->names[i]);
	}
	free(s->runs);
	free(s->names);
}

/* ---- per run: rows keyed by name, same-named rows merged ---- */

struct keyed {
	char *key;
	const struct hp_fn_row *r;
};

static int keyed_cmp(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

static int bucket_cmp(const void *a, const void *b)
{
	const struct hp_hbucket *x = a, *y = b;

	if (x->lo_ns != y->lo_ns)
		return x->lo_ns < y->lo_ns ? -1 : 1;
	return x->hi_ns < y->hi_ns ? -1 : x->hi_ns > y->hi_ns;
}

static void figures(const struct hp_fn_row *r, double pct, double *v)
{
	v[M_CALLS] = (double)r->calls;
	v[M_AVG] = r->completed ? (double)r->sum_ns / (double)r->completed : NAN;
	v[M_PCT] = hp_fn_percentile(r, pct, NULL);
	v[M_TOTAL] = (double)r->total_ns;
	v[M_BYTES] = (double)r->alloc_bytes;
	v[M_ALLOCS] = (double)r->alloc_count;
	v[M_LOCK_WAIT] = NAN;
	v[M_SELF] = (double)r->self_ns;
}

/* The figures of rows k[0..n) of one run seen as one function: sums, and the percentile of the
 * union of their histograms. */
static int merged_figures(const struct keyed *k, size_t n, double pct, double *v)
{
	struct hp_fn_row m;
	size_t nb = 0;

	if (n == 1) {
		figures(k[0].r, pct, v);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.min_ns = UINT64_MAX;
	for (size_t i = 0; i < n; i++)
		nb += k[i].r->nhist;
	m.hist = calloc(nb ? nb : 1, sizeof(*m.hist));
	if (!m.hist)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct hp_fn_row *r = k[i].r;
		m.calls += r->calls;
		m.completed += r->completed;
		m.sum_ns += r->sum_ns;
		m.total_ns += r->total_ns;
		m.self_ns += r->self_ns;
		m.alloc_bytes += r->alloc_bytes;
		m.alloc_count += r->alloc_count;
		if (r->completed && r->min_ns < m.min_ns)
			m.min_ns = r->min_ns;
		if (r->completed && r->max_ns > m.max_ns)
			m.max_ns = r->max_ns;
		for (size_t b = 0; r->hist && b < r->nhist; b++)
			m.hist[m.nhist++] = r->hist[b];
	}
	qsort(m.hist, m.nhist, sizeof(*m.hist), bucket_cmp);
	figures(&m, pct, v);
	free(m.hist);
	return 0;
}

static void key_of(char *buf, size_t size, const struct hp_proc *p, int child,
		   const struct hp_fn_row *r)
{
	char addr[32];
	const char *name = r->name;

	if (!name) {
		snprintf(addr, sizeof(addr), "0x%" PRIx64, r->addr);
		name = addr;
	}
	if (!child) {
		snprintf(buf, size, "%s", name);
		return;
	}
	const char *prog = p->argc > 0 && p->argv && p->argv[0] ? p->argv[0]
			   : p->exe				? p->exe
								: "?";
	const char *slash = strrchr(prog, '/');
	snprintf(buf, size, "%s [%s]", name, slash ? slash + 1 : prog);
}

static int push_rec(struct hp_cmp_rec **recs, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		struct hp_cmp_rec *nr = realloc(*recs, (*cap = *cap * 2 + 256) * sizeof(**recs));
		if (!nr)
			return -1;
		*recs = nr;
	}
	return 0;
}

/* --metric lock_wait: every lock of the run as a row "lock <label>", its total wait
 * (contended acquisitions and condition waits); same-labelled locks of a run are summed. */
static int lock_records(const struct hp_proc *top, int side, struct hp_cmp_rec **recs, size_t *n,
			size_t *cap)
{
	size_t first = *n;
	for (size_t c = 0; c <= top->nchildren; c++) {
		const struct hp_proc *p = c ? &top->children[c - 1] : top;
		for (size_t i = 0; p->locks && i < p->nlocks; i++) {
			const struct hp_lock_row *l = &p->locks[i];
			char key[1024], name[600];
			snprintf(name, sizeof(name), "lock %s", l->label ? l->label : "?");
			struct hp_fn_row fake = {.name = name};
			key_of(key, sizeof(key), p, c > 0, &fake);
			double wait = (double)(l->wait_ns + l->cond_wait_ns);
			struct hp_cmp_rec *same = NULL;
			for (size_t k = first; k < *n && !same; k++)
				if (!strcmp((*recs)[k].key, key))
					same = &(*recs)[k];
			if (same) {
				same->v[M_LOCK_WAIT] += wait;
				continue;
			}
			if (push_rec(recs, n, cap) < 0)
				return -1;
			struct hp_cmp_rec *r = &(*recs)[*n];
			r->side = side;
			for (int m = 0; m < NM; m++)
				r->v[m] = NAN;
			r->v[M_LOCK_WAIT] = wait;
			if (!(r->key = strdup(key)))
				return -1;
			(*n)++;
		}
	}
	return 0;
}

/* Append the records of one run (every process) to recs. */
static int run_records(const struct hp_proc *top, int side, double pct, struct hp_cmp_rec **recs,
		       size_t *n, size_t *cap)
{
	size_t nk = 0, kcap = 0;
	struct keyed *k = NULL;
	char key[1024];
	int rc = -1;

	for (size_t c = 0; c <= top->nchildren; c++) {
		const struct hp_proc *p = c ? &top->children[c - 1] : top;
		for (size_t i = 0; p->fns && i < p->nfns; i++) {
			if (nk == kcap) {
				struct keyed *nkp = realloc(k, (kcap = kcap * 2 + 64) * sizeof(*k));
				if (!nkp)
					goto out;
				k = nkp;
			}
			key_of(key, sizeof(key), p, c > 0, &p->fns[i]);
			k[nk].r = &p->fns[i];
			if (!(k[nk++].key = strdup(key)))
				goto out;
		}
	}
	if (nk)
		qsort(k, nk, sizeof(*k), keyed_cmp);
	for (size_t i = 0; i < nk;) {
		size_t j = i + 1;
		while (j < nk && !strcmp(k[i].key, k[j].key))
			j++;
		if (push_rec(recs, n, cap) < 0)
			goto out;
		struct hp_cmp_rec *r = &(*recs)[*n];
		r->side = side;
		if (merged_figures(&k[i], j - i, pct, r->v) < 0)
			goto out;
		r->key = k[i].key;
		k[i].key = NULL;
		(*n)++;
		i = j;
	}
	rc = 0;
out:
	for (size_t i = 0; i < nk; i++)
		free(k[i].key);
	free(k);
	return rc;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct hp_cmp_rec *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : x->side - y->side;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_sorted(const double *v, size_t m)
{
	return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

/* Median and median absolute deviation of the finite values among v[0..n) (reordered). */
static void stats(double *v, size_t n, double *med, double *mad)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[m++] = v[i];
	if (!m) {
		*med = *mad = NAN;
		return;
	}
	qsort(v, m, sizeof(*v), dbl_cmp);
	*med = median_sorted(v, m);
	for (size_t i = 0; i < m; i++)
		v[i] = fabs(v[i] - *med);
	qsort(v, m, sizeof(*v), dbl_cmp);
	*mad = median_sorted(v, m);
}

static double change_pct(double base, double head)
{
	if (!isfinite(base) || !isfinite(head))
		return NAN;
	if (base == 0)
		return head == 0 ? 0 : INFINITY;
	return (head - base) / base * 100.0;
}

static void classify(struct hp_cmp_row *w, const struct hp_cmp_opts *o)
{
	for (int m = 0; m < NM; m++) {
		w->change[m] = change_pct(w->med[0][m], w->med[1][m]);
		w->mark[m] = w->change[m] > o->threshold    ? 1
			     : w->change[m] < -o->threshold ? -1
							    : 0;
	}
	int g = o->gate;
	/* Within the runs' spread: the medians differ by no more than SPREAD_MADS median absolute
	 * deviations of the noisier side (one outlier run moves neither the median nor the MAD). */
	w->spread = w->n[0] >= 2 && w->n[1] >= 2 &&
		    fabs(w->med[1][g] - w->med[0][g]) <=
			    SPREAD_MADS * fmax(w->mad[0][g], w->mad[1][g]);
	if (!w->n[0])
		w->status = ST_NEW;
	else if (!w->n[1])
		w->status = ST_GONE;
	else if (w->mark[g] && w->spread)
		w->status = ST_SPREAD;
	else if (w->mark[g] > 0)
		w->status = ST_REGRESSED;
	else if (w->mark[g] < 0)
		w->status = ST_IMPROVED;
	else
		w->status = ST_SAME;
}

static int row_cmp(const void *a, const void *b)
{
	const struct hp_cmp_row *x = a, *y = b;

	if (x->status != y->status)
		return x->status - y->status;
	double tx = fmax(isfinite(x->med[0][M_TOTAL]) ? x->med[0][M_TOTAL] : 0,
			 isfinite(x->med[1][M_TOTAL]) ? x->med[1][M_TOTAL] : 0);
	double ty = fmax(isfinite(y->med[0][M_TOTAL]) ? y->med[0][M_TOTAL] : 0,
			 isfinite(y->med[1][M_TOTAL]) ? y->med[1][M_TOTAL] : 0);
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Records sorted by key into rows. */
static struct hp_cmp_row *build_rows(struct hp_cmp_rec *recs, size_t n, const struct hp_cmp_opts *o,
				     size_t *nrows)
{
	struct hp_cmp_row *rows = calloc(n ? n : 1, sizeof(*rows));
	double *vals = malloc((n ? n : 1) * sizeof(*vals));

	*nrows = 0;
	if (!rows || !vals) {
		free(rows);
		free(vals);
		return NULL;
	}
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && !strcmp(recs[i].key, recs[j].key))
			j++;
		struct hp_cmp_row *w = &rows[(*nrows)++];
		w->key = recs[i].key;
		for (int side = 0; side < 2; side++) {
			for (int m = 0; m < NM; m++) {
				size_t k = 0;
				for (size_t x = i; x < j; x++)
					if (recs[x].side == side)
						vals[k++] = recs[x].v[m];
				w->n[side] = (int)k;
				stats(vals, k, &w->med[side][m], &w->mad[side][m]);
			}
		}
		classify(w, o);
		i = j;
	}
	free(vals);
	qsort(rows, *nrows, sizeof(*rows), row_cmp);
	return rows;
}

/* ---- the command ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hotpath compare [OPTIONS] BASE HEAD\n"
		"Compare per function the runs BASE and HEAD: calls, time per call, a percentile,\n"
		"total time and bytes allocated, with the change in %%.\n\n"
		"BASE and HEAD each name one run or several (then their medians are compared):\n"
		"a run id, last (last~N), a label (its runs), a git revision (the runs at that\n"
		"commit), a JSON report file, or a comma-separated list of these.\n\n"
		"Options:\n"
		"      --db FILE                the history database (default: the db setting)\n"
		"  -f, --format FMT             table, json or markdown (default table)\n"
		"  -p, --percentile P           the percentile column (default 50: the median call)\n"
		"  -m, --metric M               what decides slower/faster: p (the percentile column,\n"
		"                               the default), pNN (sets it), avg, total or self\n"
		"                               (exclusive time, docs/semantics.md); or an\n"
		"                               exact count that does not move between identical\n"
		"                               runs: calls, alloc_count, alloc_bytes, or lock_wait\n"
		"                               (each lock's total wait, a row per lock)\n"
		"  -t, --threshold PCT          mark changes beyond PCT %% (default 10)\n"
		"      --fail-on-regression PCT exit with status 3 when a function is slower by more\n"
		"                               than PCT %% (beyond the runs' spread)\n"
		"      --runs N                 the newest N runs of a label or commit (default all)\n"
		"  -n, --limit N                rows to show, 0 for all; slower ones always show\n"
		"  -h, --help                   show this help\n");
}

static int parse_pct_arg(const char *name, const char *v, double max, double *out)
{
	char *end;

	errno = 0;
	*out = v ? strtod(v, &end) : NAN;
	if (!v || errno || *end || end == v || !(*out >= 0) || *out > max) {
		hp_err("%s: expected a number between 0 and %g", name, max);
		return -1;
	}
	return 0;
}

/* --format: table, json (json-pretty is the same), markdown (md). */
static int parse_format(const char *v, struct hp_cmp_opts *o)
{
	if (!strcmp(v, "table"))
		o->format = OUT_TABLE;
	else if (!strcmp(v, "json") || !strcmp(v, "json-pretty"))
		o->format = OUT_JSON;
	else if (!strcmp(v, "markdown") || !strcmp(v, "md"))
		o->format = OUT_MARKDOWN;
	else {
		hp_err("--format: expected table, json or markdown, got '%s'", v);
		return -1;
	}
	return 0;
}

/* --metric: the figure the gate compares; pNN also sets the percentile. */
static int parse_metric(const char *v, struct hp_cmp_opts *o)
{
	static const struct {
		const char *name;
		int metric;
	} names[] = {{"avg", M_AVG},	       {"total", M_TOTAL},
		     {"calls", M_CALLS},       {"alloc_count", M_ALLOCS},
		     {"alloc_bytes", M_BYTES}, {"lock_wait", M_LOCK_WAIT},
		     {"self", M_SELF}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(v, names[i].name)) {
			o->gate = names[i].metric;
			return 0;
		}
	if (!strcmp(v, "p") ||
	    (v[0] == 'p' && strtod(v + 1, NULL) > 0 && strtod(v + 1, NULL) <= 100)) {
		o->gate = M_PCT;
		if (v[1])
			o->pct = strtod(v + 1, NULL);
		return 0;
	}
	hp_err("--metric: expected avg, p, pNN, total, self, calls, alloc_count, alloc_bytes or "
	       "lock_wait, got '%s'",
	       v);
	return -1;
}

static int parse_args(int argc, char **argv, struct hp_cmp_opts *o, const char **spec)
{
	int nspec = 0;
	char err[256];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t u;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(a, "--db") && v) {
			o->db = v;
		} else if ((!strcmp(a, "-f") || !strcmp(a, "--format")) && v) {
			if (parse_format(v, o) < 0)
				return -1;
		} else if ((!strcmp(a, "-p") || !strcmp(a, "--percentile")) && v) {
			if (parse_pct_arg("--percentile", v, 100, &o->pct) < 0 || o->pct <= 0)
				return -1;
		} else if ((!strcmp(a, "-m") || !strcmp(a, "--metric")) && v) {
			if (parse_metric(v, o) < 0)
				return -1;
		} else if ((!strcmp(a, "-t") || !strcmp(a, "--threshold")) && v) {
			if (parse_pct_arg("--threshold", v, 1e9, &o->threshold) < 0)
				return -1;
		} else if (!strcmp(a, "--fail-on-regression") && v) {
			if (parse_pct_arg("--fail-on-regression", v, 1e9, &o->fail_pct) < 0)
				return -1;
		} else if ((!strcmp(a, "--runs") || !strcmp(a, "-n") || !strcmp(a, "--limit")) &&
			   v) {
			if (hp_parse_u64(v, 0, 1000000000, &u, err, sizeof(err)) < 0) {
				hp_err("%s: %s", a, err);
				return -1;
			}
			if (!strcmp(a, "--runs"))
				o->runs = u;
			else
				o->limit = u;
		} else if (a[0] == '-' && a[1]) {
			hp_err("compare: unknown option, or no value after '%s' (see hotpath compare --help)",
			       a);
			return -1;
		} else if (nspec < 2) {
			spec[nspec++] = a;
			continue;
		} else {
			hp_err("compare: one BASE and one HEAD ('%s' is extra)", a);
			return -1;
		}
		i++;
	}
	if (nspec < 2) {
		hp_err("compare: expected BASE and HEAD (usage: hotpath compare [OPTIONS] BASE HEAD)");
		return -1;
	}
	return 0;
}

/* Every run's records of both sides (and their locks' for --metric lock_wait), sorted by key. */
static int collect_records(const struct hp_cmp_side *sd, const struct hp_cmp_opts *o,
			   struct hp_cmp_rec **recs, size_t *nrecs)
{
	size_t cap = 0;
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < sd[s].n; i++)
			if (run_records(&sd[s].runs[i], s, o->pct, recs, nrecs, &cap) < 0 ||
			    (o->gate == M_LOCK_WAIT &&
			     lock_records(&sd[s].runs[i], s, recs, nrecs, &cap) < 0))
				return -ENOMEM;
	if (*nrecs)
		qsort(*recs, *nrecs, sizeof(**recs), rec_cmp);
	return 0;
}

/* Which columns show and what the gate is called; gate[64] holds a percentile's name. */
static void layout_for(const struct hp_cmp_opts *o, const struct hp_cmp_row *rows, size_t nrows,
		       struct hp_cmp_layout *l, char *gate)
{
	static const char *const gate_names[NM] = {"calls",	 "time per call",   NULL,
						   "total time", "bytes allocated", "allocations",
						   "lock wait",	 "self time"};
	memset(l, 0, sizeof(*l));
	l->show[0] = l->show[1] = l->show[2] = l->show[3] = 1;
	l->show[o->gate] = 1;
	char num[32];
	snprintf(num, sizeof(num), "%g", o->pct);
	snprintf(l->pct_name, sizeof(l->pct_name), "P%s", num);
	snprintf(gate, 64, "%s of the call times", l->pct_name);
	l->gate_name = o->gate == M_PCT ? gate : gate_names[o->gate];
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].med[0][M_BYTES] > 0 || rows[i].med[1][M_BYTES] > 0)
			l->show[M_BYTES] = 1;
}

/* --fail-on-regression: one line naming the functions slower beyond the limit (and beyond the
 * runs' spread); HP_CMP_EXIT_REGRESSION when there are any, else 0. */
static int regressions(const struct hp_cmp_row *rows, size_t nrows, const struct hp_cmp_opts *o,
		       const struct hp_cmp_layout *l)
{
	int rc = 0;
	for (size_t i = 0; o->fail_pct >= 0 && i < nrows; i++) {
		const struct hp_cmp_row *w = &rows[i];
		if (w->n[0] && w->n[1] && !w->spread && w->change[o->gate] > o->fail_pct) {
			fprintf(stderr, rc ? ", " : "hotpath: regression: ");
			char key[1024];
			fprintf(stderr, "%s %+.1f%%", hp_text_escape(key, sizeof(key), w->key),
				w->change[o->gate]);
			rc = HP_CMP_EXIT_REGRESSION;
		}
	}
	if (rc)
		fprintf(stderr, " in %s (limit %g%%)\n", l->gate_name, o->fail_pct);
	return rc;
}

int hp_cmd_compare(int argc, char **argv)
{
	/* The median call by default: a preempted call moves avg and total, not the median. */
	struct hp_cmp_opts o = {.pct = 50, .gate = M_PCT, .threshold = 10, .fail_pct = -1};
	const char *spec[2] = {NULL, NULL};
	struct hp_cmp_side sd[2];
	struct hp_store *st = NULL;
	struct hp_cmp_rec *recs = NULL;
	struct hp_cmp_row *rows = NULL;
	size_t nrecs = 0, nrows = 0;
	int rc = parse_args(argc, argv, &o, spec);

	if (rc)
		return rc > 0 ? 0 : 2;
	memset(sd, 0, sizeof(sd));
	sd[0].spec = spec[0];
	sd[1].spec = spec[1];
	rc = 1;
	if (load_side(&sd[0], &o, &st) < 0 || load_side(&sd[1], &o, &st) < 0)
		goto out;
	if (collect_records(sd, &o, &recs, &nrecs) < 0 ||
	    !(rows = build_rows(recs, nrecs, &o, &nrows))) {
		hp_err("out of memory");
		goto out;
	}
	struct hp_cmp_layout l;
	char gate[64];
	layout_for(&o, rows, nrows, &l, gate);
	if (o.format == OUT_JSON)
		hp_compare_print_json(rows, nrows, &l, &o, sd);
	else if (o.format == OUT_MARKDOWN)
		hp_compare_print_markdown(rows, nrows, &l, &o, sd);
	else
		hp_compare_print_table(rows, nrows, &l, &o, sd);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		hp_err("stdout: cannot write the comparison");
		goto out;
	}
	rc = regressions(rows, nrows, &o, &l);
out:
	for (size_t i = 0; i < nrecs; i++)
		free(recs[i].key);
	free(recs);
	free(rows);
	side_free(&sd[0]);
	side_free(&sd[1]);
	hp_store_close(st);
	return rc;
}
