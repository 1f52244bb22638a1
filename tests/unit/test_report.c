/* test_report.c - unit tests of the report model (tools/region/model.c, tools/report/report_table.c,
 * report_json_write.c, report_json.c):
 * time format, percentiles, sorting and limits, the exact table text, the JSON fields, JSON
 * round trips (render, load, render) and the loader's errors. Models are built by hand. */
#include <check.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/region.h"
#include "tools/report/json.h"
#include "tools/report/report.h"

/* ---- building models ---- */

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static struct hp_fn_row *add_fn(struct hp_proc *p, const char *name, uint64_t calls,
				uint64_t total_ns)
{
	p->fns = realloc(p->fns, (p->nfns + 1) * sizeof(*p->fns));
	struct hp_fn_row *r = &p->fns[p->nfns++];
	memset(r, 0, sizeof(*r));
	r->name = xstrdup(name);
	r->kind = HP_FN_INSTRUMENTED;
	r->calls = r->completed = calls;
	r->total_ns = r->sum_ns = total_ns;
	r->min_ns = r->max_ns = calls ? total_ns / calls : 0;
	return r;
}

static void add_bucket(struct hp_fn_row *r, double lo, double hi, uint64_t count)
{
	r->hist = realloc(r->hist, (r->nhist + 1) * sizeof(*r->hist));
	r->hist[r->nhist++] = (struct hp_hbucket){lo, hi, count};
}

static void set_argv(struct hp_proc *p, int argc, ...)
{
	va_list ap;

	va_start(ap, argc);
	p->argv = calloc((size_t)argc + 1, sizeof(char *));
	for (int i = 0; i < argc; i++)
		p->argv[i] = strdup(va_arg(ap, const char *));
	p->argc = argc;
	va_end(ap);
}

/* The example of the brief: main and heavy_work, 210.02 ms of wall time. */
static void sample(struct hp_proc *p)
{
	struct hp_fn_row *r;

	memset(p, 0, sizeof(*p));
	p->pid = 123;
	p->ppid = 1;
	set_argv(p, 2, "./app", "arg1");
	p->exe = strdup("/abs/app");
	p->state = HP_PS_EXITED;
	p->start_unix_ns = 1700000000123456789;
	p->wall_ns = 210020000;
	p->modes = HP_MODE_TIMING;
	r = add_fn(p, "heavy_work", 1000, 169910000);
	r->module = strdup("/abs/app");
	r->file = strdup("app.c");
	r->line = 12;
	r->addr = 0x401136;
	r->min_ns = 100000;
	r->max_ns = 260000;
	add_bucket(r, 100000, 101000, 900);
	add_bucket(r, 254000, 255440, 100);
	r->self_ns = 169910000;
	r = add_fn(p, "main", 1, 209920000);
	r->addr = 0x401200;
	r->self_ns = 40010000;
	add_bucket(r, 209715200, 212860927, 1);
	hp_proc_finish(p, 0);
}

static const struct hp_report_opts p95 = {.pcts = {95}, .npcts = 1};

/* Render into a string (caller frees). */
static char *render(const struct hp_proc *p, const struct hp_report_opts *o, int format)
{
	struct hp_report_opts opts = *o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	opts.format = format;
	ck_assert_int_eq(hp_report_render(f, p, &opts), 0);
	fclose(f);
	return buf;
}

static char err[512];

static void load(const char *text, struct hp_proc *p)
{
	int rc = hp_report_from_json(text, strlen(text), p, err, sizeof(err));
	ck_assert_msg(rc == 0, "from_json failed: %s", err);
}

/* ---- formats and names ---- */

static const struct {
	double ns;
	const char *text;
} fmt_cases[] = {
	{0, "0 ns"},
	{12, "12 ns"},
	{999, "999 ns"},
	{999.4, "999 ns"},
	{999.5, "1.00 µs"},
	{1000, "1.00 µs"},
	{169910, "169.91 µs"},
	{999994, "999.99 µs"},
	{999995, "1.00 ms"},
	{1000000, "1.00 ms"},
	{209920000, "209.92 ms"},
	{999994999, "999.99 ms"},
	{999995000, "1.00 s"},
	{1.23e9, "1.23 s"},
	{59.994e9, "59.99 s"},
	{59.995e9, "1m 00.0s"},
	{123.4e9, "2m 03.4s"},
	{3600e9, "60m 00.0s"},
	{-1, "-"},
	{NAN, "-"},
	{INFINITY, "-"},
};

START_TEST(test_fmt_ns)
{
	char buf[64];

	hp_fmt_ns(buf, sizeof(buf), fmt_cases[_i].ns);
	ck_assert_str_eq(buf, fmt_cases[_i].text);
}
END_TEST

START_TEST(test_fmt_ns_small_buffer)
{
	char buf[4] = "xyz";

	hp_fmt_ns(buf, sizeof(buf), 169910);
	ck_assert_str_eq(buf, "169");
	hp_fmt_ns(buf, 0, 1); /* writes nothing */
	ck_assert_str_eq(buf, "169");
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(hp_proc_state_name(HP_PS_RUNNING), "running");
	ck_assert_str_eq(hp_proc_state_name(HP_PS_EXITED), "exited");
	ck_assert_str_eq(hp_proc_state_name(HP_PS_SIGNALED), "killed");
	ck_assert_str_eq(hp_proc_state_name(HP_PS_EXECED), "execed");
	ck_assert_str_eq(hp_proc_state_name(HP_PS_VANISHED), "vanished");
	ck_assert_str_eq(hp_proc_state_name(42), "unknown");
	ck_assert_str_eq(hp_profiling_mode(0), "timing");
	ck_assert_str_eq(hp_profiling_mode(HP_MODE_TIMING), "timing");
	ck_assert_str_eq(hp_profiling_mode(HP_MODE_TIMING | HP_MODE_LOCKS), "timing");
	ck_assert_str_eq(hp_profiling_mode(HP_MODE_ALLOC), "alloc");
	ck_assert_str_eq(hp_profiling_mode(HP_MODE_ALLOC | HP_MODE_ALLOC_SELF), "alloc");
	ck_assert_str_eq(hp_profiling_mode(HP_MODE_TIMING | HP_MODE_ALLOC), "timing+alloc");
}
END_TEST

/* ---- percentiles ---- */

START_TEST(test_percentile_hist)
{
	struct hp_proc p = {0};
	struct hp_fn_row *r = add_fn(&p, "f", 100, 100000);

	r->min_ns = 5;
	r->max_ns = 5000;
	add_bucket(r, 5, 5, 50);       /* exact */
	add_bucket(r, 1000, 1100, 45); /* midpoint 1050 */
	add_bucket(r, 4000, 8000, 5);  /* midpoint 6000, clamped to max 5000 */
	ck_assert_double_eq(hp_fn_percentile(r, 1, NULL), 5);
	ck_assert_double_eq(hp_fn_percentile(r, 50, NULL), 5);	    /* rank 50 */
	ck_assert_double_eq(hp_fn_percentile(r, 50.5, NULL), 1050); /* rank 51 */
	ck_assert_double_eq(hp_fn_percentile(r, 95, NULL), 1050);   /* rank 95 */
	ck_assert_double_eq(hp_fn_percentile(r, 95.01, NULL), 5000);
	ck_assert_double_eq(hp_fn_percentile(r, 100, NULL), 5000);
	ck_assert_double_eq(hp_fn_percentile(r, 0, NULL), 5); /* rank at least 1 */
	ck_assert_double_eq(hp_fn_percentile(r, 250, NULL), 5000);
	/* The lower clamp. */
	r->min_ns = 1080;
	ck_assert_double_eq(hp_fn_percentile(r, 50, NULL), 1080);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_percentile_rank_rounding)
{
	struct hp_proc p = {0};
	struct hp_fn_row *r = add_fn(&p, "f", 1000, 1000000);

	/* 999 calls at 10 ns, 1 at 20 ns: p99.9 is rank 999 exactly (not 1000). */
	r->min_ns = 10;
	r->max_ns = 20;
	add_bucket(r, 10, 10, 999);
	add_bucket(r, 20, 20, 1);
	ck_assert_double_eq(hp_fn_percentile(r, 99.9, NULL), 10);
	ck_assert_double_eq(hp_fn_percentile(r, 99.95, NULL), 20);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_percentile_short_hist)
{
	struct hp_proc p = {0};
	struct hp_fn_row *r = add_fn(&p, "f", 10, 1000);

	/* Fewer counts than completed calls (a torn live read): the last bucket answers. */
	r->min_ns = 0;
	r->max_ns = 1000;
	add_bucket(r, 100, 200, 2);
	add_bucket(r, 300, 400, 3);
	ck_assert_double_eq(hp_fn_percentile(r, 95, NULL), 350);
	/* No completed calls: the counts themselves rank, and nothing clamps. */
	r->completed = 0;
	r->max_ns = 0;
	ck_assert_double_eq(hp_fn_percentile(r, 50, NULL), 350);
	ck_assert_double_eq(hp_fn_percentile(r, 20, NULL), 150);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_percentile_given)
{
	struct hp_proc p = {0};
	struct hp_fn_row *r = add_fn(&p, "f", 10, 1000);

	ck_assert(isnan(hp_fn_percentile(r, 95, NULL))); /* no histogram, nothing given */
	r->given = hp_pct_given_new();
	ck_assert_ptr_nonnull(r->given);
	ck_assert(isnan(hp_fn_percentile(r, 95, NULL))); /* given, but all unused */
	r->given->value[0] = 42;
	ck_assert(isnan(hp_fn_percentile(r, 95, NULL))); /* a value for no percentile */
	r->given->pct[0] = 50;
	r->given->value[1] = 77;
	r->given->pct[1] = 99.9;
	ck_assert_double_eq(hp_fn_percentile(r, 50, NULL), 42);
	ck_assert_double_eq(hp_fn_percentile(r, 99.9, NULL), 77);
	ck_assert(isnan(hp_fn_percentile(r, 95, NULL)));
	/* With a histogram too, a saved value for that exact percentile wins. */
	add_bucket(r, 100, 200, 10);
	ck_assert_double_eq(hp_fn_percentile(r, 50, NULL), 42);
	ck_assert_double_eq(hp_fn_percentile(r, 95, NULL), 100); /* 150 clamped to max 100 */
	hp_proc_free(&p);
}
END_TEST

/* ---- the model ---- */

START_TEST(test_finish_sort_limit)
{
	struct hp_proc p = {0};
	struct hp_proc *c;

	p.wall_ns = 1000;
	add_fn(&p, "b", 1, 500);
	add_fn(&p, "c", 1, 2000);
	add_fn(&p, "a", 1, 500);
	add_fn(&p, "d", 1, 10);
	p.children = calloc(1, sizeof(*p.children));
	p.nchildren = 1;
	c = &p.children[0];
	c->wall_ns = 0;
	add_fn(c, "x", 1, 5);
	add_fn(c, "y", 1, 7);
	add_fn(c, "z", 1, 1);
	hp_proc_finish(&p, 3);
	ck_assert_uint_eq(p.nfns, 3);
	ck_assert_uint_eq(p.nfns_total, 4);
	ck_assert_str_eq(p.fns[0].name, "c");
	ck_assert_str_eq(p.fns[1].name, "a"); /* ties by name */
	ck_assert_str_eq(p.fns[2].name, "b");
	ck_assert_double_eq(p.fns[0].percent_total, 200); /* overlapping threads: over 100 */
	ck_assert_double_eq(p.fns[1].percent_total, 50);
	ck_assert_uint_eq(c->nfns, 3);
	ck_assert_uint_eq(c->nfns_total, 3);
	ck_assert_str_eq(c->fns[0].name, "y");
	ck_assert_double_eq(c->fns[0].percent_total, 0); /* no wall time */
	/* Again with a smaller limit: the count before the first limit stays. */
	hp_proc_finish(&p, 1);
	ck_assert_uint_eq(p.nfns, 1);
	ck_assert_uint_eq(p.nfns_total, 4);
	hp_proc_finish(&p, 0);
	ck_assert_uint_eq(p.nfns, 1);
	hp_proc_free(&p);
	ck_assert_ptr_null(p.fns);
	ck_assert_uint_eq(p.nchildren, 0);
}
END_TEST

START_TEST(test_add_note)
{
	struct hp_proc p = {0};

	hp_proc_add_note(&p, "main has no hooks");
	hp_proc_add_note(&p, "%d threads %s", 3, "left running");
	ck_assert_uint_eq(p.nnotes, 2);
	ck_assert_str_eq(p.notes[0], "main has no hooks");
	ck_assert_str_eq(p.notes[1], "3 threads left running");
	hp_proc_free(&p);
	hp_proc_free(&p); /* twice is harmless */
}
END_TEST

/* ---- tables ---- */

START_TEST(test_table_exact)
{
	struct hp_proc p;
	char *out;

	sample(&p);
	out = render(&p, &p95, HP_FMT_TABLE);
	ck_assert_str_eq(
		out,
		"[hotpath] timing - Execution duration of functions.\n"
		"app: 210.02ms\n"
		"+------------+-------+-----------+-----------+-----------+-----------+---------+\n"
		"| Function   | Calls | Avg       | P95       | Total     | Self      | % Total |\n"
		"+------------+-------+-----------+-----------+-----------+-----------+---------+\n"
		"| main       | 1     | 209.92 ms | 209.92 ms | 209.92 ms | 40.01 ms  | 99.95%  |\n"
		"| heavy_work | 1000  | 169.91 µs | 254.72 µs | 169.91 ms | 169.91 ms | 80.90%  |\n"
		"+------------+-------+-----------+-----------+-----------+-----------+---------+\n");
	free(out);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_table_default_opts)
{
	struct hp_proc p;
	char *a, *b = NULL;
	size_t len = 0;
	FILE *f;

	sample(&p);
	a = render(&p, &p95, HP_FMT_TABLE);
	f = open_memstream(&b, &len);
	ck_assert_int_eq(hp_report_render(f, &p, NULL), 0); /* NULL: a table with P95 */
	fclose(f);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_table_percentiles_and_unknowns)
{
	struct hp_proc p = {0};
	struct hp_report_opts o = {.pcts = {50, 99.9}, .npcts = 2};
	struct hp_fn_row *r;
	char *out;

	set_argv(&p, 1, "/usr/bin/tool");
	p.state = HP_PS_EXITED;
	p.wall_ns = 1500;
	r = add_fn(&p, "leaf", 3, 1500);
	add_bucket(r, 500, 500, 3);
	r->self_ns = 1500;
	r = add_fn(&p, "never_returned", 2, 0);
	r->completed = 0;
	hp_proc_finish(&p, 0);
	out = render(&p, &o, HP_FMT_TABLE);
	ck_assert_str_eq(
		out,
		"[hotpath] timing - Execution duration of functions.\n"
		"tool: 1.50µs\n"
		"+----------------+-------+--------+--------+--------+---------+---------+---------+\n"
		"| Function       | Calls | Avg    | P50    | P99.9  | Total   | Self    | % Total |\n"
		"+----------------+-------+--------+--------+--------+---------+---------+---------+\n"
		"| leaf           | 3     | 500 ns | 500 ns | 500 ns | 1.50 µs | 1.50 µs | 100.00% |\n"
		"| never_returned | 2     | -      | -      | -      | 0 ns    | 0 ns    | 0.00%   |\n"
		"+----------------+-------+--------+--------+--------+---------+---------+---------+\n");
	free(out);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_table_status_and_notes)
{
	struct hp_proc p;
	char *out;

	sample(&p);
	p.state = HP_PS_SIGNALED;
	p.term_signal = 9;
	p.dropped = 12;
	p.depth_overflow = 5;
	p.unmatched_exits = 3;
	hp_proc_add_note(&p, "stopped by hotpath after the --timeout");
	out = render(&p, &p95, HP_FMT_TABLE);
	const char *tail = strstr(out, "+\n| main");
	ck_assert_ptr_nonnull(tail);
	tail = strstr(out, "80.90%  |\n");
	ck_assert_ptr_nonnull(tail);
	tail = strchr(tail, '\n') + 1;
	tail = strchr(tail, '\n') + 1; /* past the bottom border */
	ck_assert_str_eq(
		tail,
		"note: stopped by hotpath after the --timeout\n"
		"note: 12 rows dropped because the region was full; raise region_size\n"
		"note: 5 calls not timed because they were nested deeper than the shadow stack\n"
		"note: 3 function exits had no matching entry (longjmp, exceptions or hooks that started mid-call)\n"
		"killed by signal 9 (SIGKILL)\n");
	free(out);
	p.state = HP_PS_EXITED;
	p.exit_status = 3;
	p.dropped = p.depth_overflow = p.unmatched_exits = 0;
	out = render(&p, &p95, HP_FMT_TABLE);
	ck_assert_ptr_nonnull(
		strstr(out, "+\nnote: stopped by hotpath after the --timeout\nexit status 3\n"));
	free(out);
	p.dropped = p.depth_overflow = p.unmatched_exits = 1;
	out = render(&p, &p95, HP_FMT_TABLE);
	ck_assert_ptr_nonnull(
		strstr(out,
		       "\nnote: 1 row dropped because the region was full; raise region_size\n"
		       "note: 1 call not timed because it was nested deeper than the shadow stack\n"
		       "note: 1 function exit had no matching entry "));
	free(out);
	p.state = HP_PS_RUNNING;
	out = render(&p, &p95, HP_FMT_TABLE);
	ck_assert_ptr_nonnull(strstr(out, "\nstill running: this is a snapshot\n"));
	free(out);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_table_limit)
{
	struct hp_proc p = {0};
	char name[16];
	char *out;

	set_argv(&p, 1, "app");
	p.state = HP_PS_EXITED;
	p.wall_ns = 1000000;
	for (int i = 0; i < 230; i++) {
		snprintf(name, sizeof(name), "f%03d", i);
		add_fn(&p, name, 1, (uint64_t)(1000 + i));
	}
	hp_proc_finish(&p, 15);
	out = render(&p, &p95, HP_FMT_TABLE);
	ck_assert_ptr_nonnull(strstr(out, "| f229     |"));
	ck_assert_ptr_null(strstr(out, "f214"));
	ck_assert_ptr_nonnull(
		strstr(out,
		       "-+\n(showing 15 of 230 functions by total time; --limit 0 shows all)\n"));
	free(out);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_table_no_functions)
{
	struct hp_proc p = {0};
	char *out;

	p.exe = strdup("/bin/true");
	p.state = HP_PS_EXITED;
	p.wall_ns = 2500000;
	out = render(&p, &p95, HP_FMT_TABLE);
	ck_assert_str_eq(out, "[hotpath] timing - Execution duration of functions.\n"
			      "true: 2.50ms\n"
			      "(no function was timed)\n");
	free(out);
	hp_proc_free(&p);
}
END_TEST

/* Every line of a table has as many columns (code points) as its borders. */
static void assert_aligned(const char *out)
{
	const char *line = strstr(out, "+-");
	size_t want = 0;

	ck_assert_ptr_nonnull(line);
	while (*line == '+' || *line == '|') {
		const char *end = strchr(line, '\n');
		size_t cols = 0;
		for (const char *s = line; s < end; s++)
			cols += ((unsigned char)*s & 0xC0) != 0x80;
		if (!want)
			want = cols;
		ck_assert_uint_eq(cols, want);
		line = end + 1;
	}
}

START_TEST(test_table_long_and_wide_names)
{
	struct hp_proc p = {0};
	char longname[128];
	char *out;

	memset(longname, 'n', 70);
	longname[70] = 0;
	set_argv(&p, 1, "app");
	p.state = HP_PS_EXITED;
	p.wall_ns = 1000000;
	add_fn(&p, longname, 1, 500000);
	add_fn(&p, "µ_straße_日本", 1, 1500); /* 12 code points, 19 bytes */
	hp_proc_finish(&p, 0);
	out = render(&p, &p95, HP_FMT_TABLE);
	assert_aligned(out);
	char want[128];
	memset(want, 'n', 59);
	strcpy(want + 59, "… |");
	ck_assert_ptr_nonnull(strstr(out, want));
	ck_assert_ptr_null(
		strstr(out, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"));
	ck_assert_ptr_nonnull(strstr(out, "| µ_straße_日本"));
	free(out);
	/* Control characters cannot break the layout or reach the terminal: shown escaped. */
	free(p.fns[1].name);
	p.fns[1].name = strdup("tab\there\nnewline\x1b[2J\xc2\x9b\xff");
	out = render(&p, &p95, HP_FMT_TABLE);
	assert_aligned(out);
	ck_assert_ptr_nonnull(strstr(out, "| tab\\x09here\\x0anewline\\x1b[2J\\u009b\\xff "));
	free(out);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_table_alloc)
{
	struct hp_proc p = {0};
	struct hp_fn_row *r;
	char *out;

	set_argv(&p, 1, "app");
	p.state = HP_PS_EXITED;
	p.wall_ns = 10000000;
	p.modes = HP_MODE_TIMING | HP_MODE_ALLOC;
	p.threads = calloc(1, sizeof(*p.threads));
	p.nthreads = 1;
	p.threads[0].alloc_bytes = 4 << 20;
	r = add_fn(&p, "main", 1, 9000000);
	r->alloc_count = 10;
	r->alloc_bytes = 4 << 20;
	r = add_fn(&p, "parse", 4, 2000000);
	r->alloc_count = 4;
	r->alloc_bytes = 1229;
	r = add_fn(&p, "build", 2, 5000000);
	r->alloc_count = 2;
	r->alloc_bytes = 3565158; /* 3.40 MiB */
	add_fn(&p, "pure", 1, 1000);
	hp_proc_finish(&p, 0);
	out = render(&p, &p95, HP_FMT_TABLE);
	assert_aligned(out);
	const char *mem = strstr(out, "\n\n[hotpath] alloc - Memory allocated by functions.\n");
	ck_assert_ptr_nonnull(mem);
	ck_assert_str_eq(mem + 2,
			 "[hotpath] alloc - Memory allocated by functions.\n"
			 "+----------+-------+-----------+-------------+-------------+---------+\n"
			 "| Function | Calls | Avg bytes | Total bytes | Alloc count | % Total |\n"
			 "+----------+-------+-----------+-------------+-------------+---------+\n"
			 "| main     | 1     | 4.00 MiB  | 4.00 MiB    | 10          | 100.00% |\n"
			 "| build    | 2     | 1.70 MiB  | 3.40 MiB    | 2           | 85.00%  |\n"
			 "| parse    | 4     | 307 B     | 1.20 KiB    | 4           | 0.03%   |\n"
			 "+----------+-------+-----------+-------------+-------------+---------+\n");
	/* Alloc-only mode: the memory table alone, under its own title. */
	p.modes = HP_MODE_ALLOC;
	free(out);
	out = render(&p, &p95, HP_FMT_TABLE);
	ck_assert_ptr_eq(
		strstr(out, "[hotpath] alloc - Memory allocated by functions.\napp: 10.00ms\n+"),
		out);
	ck_assert_ptr_null(strstr(out, "timing"));
	free(out);
	hp_proc_free(&p);
}
END_TEST

static void add_child(struct hp_proc *p, int pid, const char *arg)
{
	struct hp_proc *c;

	p->children = realloc(p->children, (p->nchildren + 1) * sizeof(*p->children));
	c = &p->children[p->nchildren++];
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->ppid = p->pid;
	set_argv(c, 2, "./app", arg);
	c->exe = strdup("/abs/app");
	c->state = HP_PS_EXITED;
	c->exit_status = 1;
	c->wall_ns = 5000000;
	c->modes = HP_MODE_TIMING;
	struct hp_fn_row *r = add_fn(c, "child_work", 2, 4000000);
	add_bucket(r, 1900000, 2100000, 2);
	r->min_ns = 1950000;
	r->max_ns = 2050000;
}

START_TEST(test_table_children)
{
	struct hp_proc p;
	char *out;

	sample(&p);
	add_child(&p, 124, "--child");
	add_child(&p, 125, "--other");
	p.children[1].state = HP_PS_EXECED;
	hp_proc_finish(&p, 0);
	out = render(&p, &p95, HP_FMT_TABLE);
	const char *c = strstr(out, "\n\n[hotpath] process 124 (./app --child), child of 123\n");
	ck_assert_ptr_nonnull(c);
	const char *c2 = strstr(out, "\n\n[hotpath] process 125 (./app --other), child of 123\n");
	ck_assert_ptr_nonnull(c2);
	ck_assert_int_eq(
		strncmp(c + 2,
			"[hotpath] process 124 (./app --child), child of 123\n"
			"[hotpath] timing - Execution duration of functions.\n"
			"app: 5.00ms\n"
			"+------------+-------+---------+---------+---------+------+---------+\n"
			"| Function   | Calls | Avg     | P95     | Total   | Self | % Total |\n"
			"+------------+-------+---------+---------+---------+------+---------+\n"
			"| child_work | 2     | 2.00 ms | 2.00 ms | 4.00 ms | 0 ns | 80.00%  |\n"
			"+------------+-------+---------+---------+---------+------+---------+\n"
			"exit status 1\n\n",
			(size_t)(c2 - c)),
		0);
	ck_assert_ptr_nonnull(
		strstr(c2,
		       "\nreplaced its image with exec: the new image is reported on its own\n"));
	free(out);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_render_io_error)
{
	struct hp_proc p;
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		return; /* no /dev/full here */
	setvbuf(f, NULL, _IONBF, 0);
	sample(&p);
	ck_assert_int_eq(hp_report_render(f, &p, &p95), -EIO);
	struct hp_report_opts o = p95;
	o.format = HP_FMT_JSON;
	clearerr(f);
	ck_assert_int_eq(hp_report_render(f, &p, &o), -EIO);
	fclose(f);
	hp_proc_free(&p);
}
END_TEST

/* ---- JSON ---- */

START_TEST(test_json_fields)
{
	struct hp_proc p;
	struct hp_json *j;
	const struct hp_json *f;
	char *out;

	sample(&p);
	p.threads = calloc(1, sizeof(*p.threads));
	p.nthreads = 1;
	p.threads[0] = (struct hp_thread_row){.tid = 123,
					      .name = strdup("app"),
					      .running = 1,
					      .calls = 1001};
	out = render(&p, &p95, HP_FMT_JSON);
	ck_assert_ptr_null(strchr(out, ' '));
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	ck_assert_int_eq(
		strncmp(out,
			"{\"hotpath_version\":\"" HP_VERSION "\",\"schema_version\":1,"
			"\"hotpath_profiling_mode\":\"timing\",\"pid\":123,\"ppid\":1,"
			"\"command\":[\"./app\",\"arg1\"],\"exe\":\"/abs/app\",\"state\":\"exited\","
			"\"exit_status\":0,\"term_signal\":null,"
			"\"start_time_unix_ns\":1700000000123456789,\"wall_ns\":210020000,"
			"\"percentiles\":[95],\"functions\":[{\"name\":\"main\",",
			strlen("{\"hotpath_version\":\"" HP_VERSION "\",\"schema_version\":1,"
			       "\"hotpath_profiling_mode\":\"timing\",\"pid\":123,\"ppid\":1,"
			       "\"command\":[\"./app\",\"arg1\"],\"exe\":\"/abs/app\",\"state\":\"exited\","
			       "\"exit_status\":0,\"term_signal\":null,"
			       "\"start_time_unix_ns\":1700000000123456789,\"wall_ns\":210020000,"
			       "\"percentiles\":[95],\"functions\":[{\"name\":\"main\",")),
		0);
	ck_assert_ptr_nonnull(strstr(
		out,
		"{\"name\":\"heavy_work\",\"module\":\"/abs/app\",\"file\":\"app.c\",\"line\":12,"
		"\"address\":\"0x401136\",\"kind\":\"instrumented\",\"calls\":1000,\"completed\":1000,"
		"\"total_ns\":169910000,\"self_ns\":169910000,\"avg_ns\":169910,\"min_ns\":100000,\"max_ns\":260000,"
		"\"p95_ns\":254720,\"percent_total\":80.90,\"alloc_count\":0,\"alloc_bytes\":0,"
		"\"free_count\":0,\"free_bytes\":0,\"cpu_ns\":null,"
		"\"histogram\":[[100000,101000,900],[254000,255440,100]]}"));
	ck_assert_ptr_nonnull(
		strstr(out,
		       "\"module\":null,\"file\":null,\"line\":null,\"address\":\"0x401200\""));
	ck_assert_ptr_nonnull(strstr(
		out,
		"],\"functions_total\":2,\"threads\":[{\"tid\":123,\"name\":\"app\",\"start_routine\":null,"
		"\"state\":\"running\",\"start_ns\":0,\"end_ns\":null,\"cpu_user_ns\":0,\"cpu_sys_ns\":0,"
		"\"cpu_ns\":0,\"cpu_samples\":0,\"calls\":1001,\"alloc_count\":0,\"alloc_bytes\":0,\"free_count\":0,\"free_bytes\":0,"
		"\"lock_wait_ns\":0,\"io_block_ns\":0,\"blocked_ns\":0,\"waiting_ns\":0,\"waiting_on\":null}],\"dropped\":0,\"depth_overflow\":0,"
		"\"unmatched_exits\":0,\"notes\":[],"));
	/* Data flow and concurrency (report_flow.c): empty sections, then the rest. */
	ck_assert_ptr_nonnull(strstr(
		out, "\"notes\":[],\"channels\":[],\"lock_hold_every\":0,\"locks\":[],\"io\":[],"));
	ck_assert_ptr_nonnull(strstr(out, "\"children\":[]}\n"));
	j = hp_json_parse(out, strlen(out), err, sizeof(err));
	ck_assert_msg(j != NULL, "%s", err);
	f = hp_json_get(j, "functions")->items[0];
	ck_assert_int_eq(hp_json_int(hp_json_get(f, "p95_ns"), 0), 209920000); /* clamped to max */
	ck_assert_double_eq_tol(hp_json_num(hp_json_get(f, "percent_total"), 0), 99.95, 1e-9);
	hp_json_free(j);
	free(out);

	/* Signaled: exit_status null, term_signal set; no completed calls: nulls. */
	p.state = HP_PS_SIGNALED;
	p.term_signal = 15;
	p.fns[1].completed = 0;
	struct hp_report_opts o = {.pcts = {50, 99.9}, .npcts = 2};
	out = render(&p, &o, HP_FMT_JSON);
	ck_assert_ptr_nonnull(
		strstr(out, "\"state\":\"killed\",\"exit_status\":null,\"term_signal\":15,"));
	ck_assert_ptr_nonnull(strstr(out, "\"percentiles\":[50,99.9]"));
	ck_assert_ptr_nonnull(strstr(
		out,
		"\"avg_ns\":null,\"min_ns\":null,\"max_ns\":null,\"p50_ns\":100500,\"p99_9_ns\":254720,"));
	free(out);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_json_pretty)
{
	struct hp_proc p;
	char *out;

	sample(&p);
	out = render(&p, &p95, HP_FMT_JSON_PRETTY);
	ck_assert_int_eq(strncmp(out, "{\n  \"hotpath_version\": \"", 24), 0);
	ck_assert_ptr_nonnull(strstr(out, "\n  \"percentiles\": [95],\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n      \"histogram\": [\n        [100000,101000,900],\n"
					  "        [254000,255440,100]\n      ]\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n  \"children\": []\n}\n"));
	free(out);
	hp_proc_free(&p);
}
END_TEST

/* A model with everything: children, threads, notes, odd strings, alloc rows. */
static void rich(struct hp_proc *p)
{
	sample(p);
	p->modes = HP_MODE_TIMING | HP_MODE_ALLOC;
	p->dropped = 7;
	p->depth_overflow = 1;
	p->unmatched_exits = 2;
	p->fns[0].alloc_count = 3;
	p->fns[0].alloc_bytes = 4096;
	p->fns[0].free_count = 1;
	p->fns[0].free_bytes = 1024;
	p->fns[1].kind = HP_FN_PATCHED;
	struct hp_fn_row *r = add_fn(p, "naïve \"quoted\"\\name\t日本", 3, 300);
	r->kind = 0;
	r->completed = 1;
	r->sum_ns = 100;
	r->min_ns = r->max_ns = 100;
	p->threads = calloc(2, sizeof(*p->threads));
	p->nthreads = 2;
	p->threads[0] = (struct hp_thread_row){.tid = 123,
					       .name = strdup("app"),
					       .start_ns = 0,
					       .end_ns = 210000000,
					       .cpu_user_ns = 200000000,
					       .cpu_sys_ns = 1000000,
					       .alloc_count = 3,
					       .alloc_bytes = 8192,
					       .free_count = 1,
					       .free_bytes = 1024,
					       .calls = 1001};
	p->threads[1] = (struct hp_thread_row){.tid = 130,
					       .name = strdup("worker-1"),
					       .start_routine = strdup("worker"),
					       .running = 1,
					       .start_ns = 5000,
					       .lock_wait_ns = 77,
					       .io_block_ns = 88};
	hp_proc_add_note(p, "the executable defines its own malloc: its allocations are not seen");
	add_child(p, 124, "--child");
	add_child(p, 125, "--kill");
	p->children[1].state = HP_PS_SIGNALED;
	p->children[1].term_signal = 9;
	hp_proc_add_note(&p->children[1], "child note");
	hp_proc_finish(p, 0);
}

static void assert_round_trip(const struct hp_proc *p, const struct hp_report_opts *o, int format)
{
	char *a = render(p, o, format), *b, *ta, *tb;
	struct hp_proc q;

	load(a, &q);
	b = render(&q, o, format);
	ck_assert_str_eq(a, b);
	ta = render(p, o, HP_FMT_TABLE);
	tb = render(&q, o, HP_FMT_TABLE);
	ck_assert_str_eq(ta, tb);
	free(a);
	free(b);
	free(ta);
	free(tb);
	hp_proc_free(&q);
}

START_TEST(test_json_round_trip)
{
	struct hp_proc p;
	struct hp_report_opts o = {.pcts = {50, 95, 99.9}, .npcts = 3};

	rich(&p);
	assert_round_trip(&p, &p95, HP_FMT_JSON);
	assert_round_trip(&p, &p95, HP_FMT_JSON_PRETTY);
	assert_round_trip(&p, &o, HP_FMT_JSON);
	/* Limited: functions_total survives, and a later finish keeps it. */
	hp_proc_finish(&p, 2);
	assert_round_trip(&p, &o, HP_FMT_JSON_PRETTY);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_json_round_trip_fractional)
{
	struct hp_proc p = {0};
	struct hp_fn_row *r;

	/* Bounds converted from ticks are fractional: JSON rounds them, and the reloaded p95
	 * still reads back as what was saved (the midpoint would move by 1 ns). */
	set_argv(&p, 1, "app");
	p.state = HP_PS_EXITED;
	p.wall_ns = 1000000;
	r = add_fn(&p, "f", 10, 5000);
	r->min_ns = 1;
	r->max_ns = 10000;
	add_bucket(&p.fns[0], 100.6, 201.6, 10); /* midpoint 151.1, rounded bounds give 151.5 */
	hp_proc_finish(&p, 0);
	assert_round_trip(&p, &p95, HP_FMT_JSON);
	char *out = render(&p, &p95, HP_FMT_JSON);
	ck_assert_ptr_nonnull(strstr(out, "\"p95_ns\":151,"));
	ck_assert_ptr_nonnull(strstr(out, "\"histogram\":[[101,202,10]]"));
	free(out);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_json_load_values)
{
	struct hp_proc p, q;
	char *out;

	rich(&p);
	struct hp_report_opts o = {.pcts = {50, 95}, .npcts = 2};
	out = render(&p, &o, HP_FMT_JSON);
	load(out, &q);
	ck_assert_int_eq(q.pid, 123);
	ck_assert_int_eq(q.argc, 2);
	ck_assert_str_eq(q.argv[1], "arg1");
	ck_assert_ptr_null(q.argv[2]);
	ck_assert_int_eq(q.state, HP_PS_EXITED);
	ck_assert_uint_eq(q.modes, HP_MODE_TIMING | HP_MODE_ALLOC);
	ck_assert_int_eq(q.npcts_saved, 2);
	ck_assert_double_eq(q.pcts_saved[1], 95);
	ck_assert_uint_eq(q.nfns, 3);
	ck_assert_str_eq(q.fns[1].name, "heavy_work");
	ck_assert_int_eq(q.fns[1].kind, HP_FN_PATCHED);
	ck_assert_uint_eq(q.fns[1].addr, 0x401136);
	ck_assert_uint_eq(q.fns[1].sum_ns, 169910000);
	ck_assert_ptr_nonnull(q.fns[1].given);
	ck_assert_double_eq(q.fns[1].given->pct[1], 95);
	ck_assert_double_eq(q.fns[1].given->value[1], 254720);
	ck_assert_uint_eq(q.fns[1].nhist, 2);
	ck_assert_str_eq(q.fns[2].name, "naïve \"quoted\"\\name\t日本");
	ck_assert_int_eq(q.fns[2].kind, 0);
	ck_assert_uint_eq(q.nthreads, 2);
	ck_assert_int_eq(q.threads[1].running, 1);
	ck_assert_str_eq(q.threads[1].start_routine, "worker");
	ck_assert_uint_eq(q.threads[1].io_block_ns, 88);
	ck_assert_uint_eq(q.nchildren, 2);
	ck_assert_int_eq(q.children[1].state, HP_PS_SIGNALED);
	ck_assert_int_eq(q.children[1].term_signal, 9);
	ck_assert_str_eq(q.children[1].notes[0], "child note");
	ck_assert_uint_eq(q.dropped, 7);
	/* Without the histogram, a saved percentile still answers; others are unknown. */
	free(q.fns[1].hist);
	q.fns[1].hist = NULL;
	q.fns[1].nhist = 0;
	ck_assert_double_eq(hp_fn_percentile(&q.fns[1], 95, NULL), 254720);
	ck_assert(isnan(hp_fn_percentile(&q.fns[1], 99, NULL)));
	free(out);
	hp_proc_free(&q);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_json_minimal)
{
	struct hp_proc p;
	const char *text = "{\"schema_version\":1,\"functions\":[{\"name\":\"f\",\"calls\":2,"
			   "\"p95_ns\":10}],\"future_field\":{\"x\":[1]}}";
	char *out;

	load(text, &p);
	ck_assert_int_eq(p.state, HP_PS_VANISHED);
	ck_assert_uint_eq(p.modes, HP_MODE_TIMING);
	ck_assert_uint_eq(p.nfns, 1);
	ck_assert_uint_eq(p.nfns_total, 1);
	ck_assert_uint_eq(p.fns[0].calls, 2);
	ck_assert_ptr_null(p.fns[0].given); /* no "percentiles": p95_ns is not matched */
	out = render(&p, &p95, HP_FMT_TABLE);
	ck_assert_ptr_nonnull(strstr(out, "?: 0ns\n"));
	ck_assert_ptr_nonnull(
		strstr(out, "| f        | 2     | -   | -   | 0 ns  | 0 ns | 0.00%   |\n"));
	ck_assert_ptr_nonnull(strstr(out, "\nvanished: its exit status is unknown\n"));
	free(out);
	hp_proc_free(&p);
}
END_TEST

static const struct {
	const char *json, *err;
} bad[] = {
	{"", "not valid JSON: "},
	{"[1]", "expected a JSON object (a hotpath report) at the top level"},
	{"{}", "schema_version: missing: not a hotpath report"},
	{"{\"schema_version\":\"1\"}", "schema_version: expected a number"},
	{"{\"schema_version\":0}", "schema_version: expected a positive integer"},
	{"{\"schema_version\":2}", "schema_version 2 is newer than this hotpath understands"},
	{"{\"schema_version\":1,\"pid\":1.5}",
	 "pid: expected an integer between -2147483648 and 2147483647"},
	{"{\"schema_version\":1,\"wall_ns\":-1}", "wall_ns: expected a non-negative integer"},
	{"{\"schema_version\":1,\"wall_ns\":null}", "wall_ns: expected a number"},
	{"{\"schema_version\":1,\"state\":\"zombie\"}", "state: unknown value \"zombie\""},
	{"{\"schema_version\":1,\"hotpath_profiling_mode\":3}",
	 "hotpath_profiling_mode: expected a string"},
	{"{\"schema_version\":1,\"command\":\"./app\"}", "command: expected an array"},
	{"{\"schema_version\":1,\"command\":[\"./app\",1]}", "command[1]: expected a string"},
	{"{\"schema_version\":1,\"percentiles\":[95,0]}",
	 "percentiles[1]: expected a number in (0, 100]"},
	{"{\"schema_version\":1,\"functions\":[{},{},{},{\"calls\":\"many\"}]}",
	 "functions[3].calls: expected a number"},
	{"{\"schema_version\":1,\"functions\":[1]}", "functions[0]: expected an object"},
	{"{\"schema_version\":1,\"functions\":[{\"address\":\"401136\"}]}",
	 "functions[0].address: expected a string like \"0x401136\""},
	{"{\"schema_version\":1,\"functions\":[{\"name\":7}]}",
	 "functions[0].name: expected a string or null"},
	{"{\"schema_version\":1,\"percentiles\":[95],\"functions\":[{\"p95_ns\":\"x\"}]}",
	 "functions[0].p95_ns: expected a number"},
	{"{\"schema_version\":1,\"functions\":[{\"histogram\":[[1,2,3],[5,4,1]]}]}",
	 "functions[0].histogram[1]: expected [lo_ns, hi_ns, count] with 0 <= lo_ns <= hi_ns"},
	{"{\"schema_version\":1,\"threads\":[{\"state\":\"gone\"}]}",
	 "threads[0].state: unknown value \"gone\""},
	{"{\"schema_version\":1,\"notes\":[null]}", "notes[0]: expected a string"},
	{"{\"schema_version\":1,\"children\":[{\"functions\":[{\"calls\":true}]}]}",
	 "children[0].functions[0].calls: expected a number"},
	{"{\"schema_version\":1,\"children\":[{},{\"threads\":[{\"tid\":1},{\"end_ns\":\"x\"}]}]}",
	 "children[1].threads[1].end_ns: expected a number"},
	/* Every section goes through the same typed getters: a wrong type is an error, never a 0. */
	{"{\"schema_version\":1,\"channels\":[{\"bytes_in\":\"x\"}]}",
	 "channels[0].bytes_in: expected a number"},
	{"{\"schema_version\":1,\"channels\":[{\"messages_out\":-3}]}",
	 "channels[0].messages_out: expected a non-negative integer"},
	{"{\"schema_version\":1,\"channels\":[{\"fds\":[3,\"4\"]}]}",
	 "channels[0].fds: expected [read fd, write fd], -1 for none"},
	{"{\"schema_version\":1,\"channels\":[{\"state\":\"ajar\"}]}",
	 "channels[0].state: unknown value \"ajar\""},
	{"{\"schema_version\":1,\"channels\":[{\"was_full\":1}]}",
	 "channels[0].was_full: expected true, false or null"},
	{"{\"schema_version\":1,\"channels\":[7]}", "channels[0]: expected an object"},
	{"{\"schema_version\":1,\"locks\":[{\"address\":\"12\"}]}",
	 "locks[0].address: expected a string like \"0x401136\""},
	{"{\"schema_version\":1,\"locks\":[{\"wait_ns\":1.5}]}",
	 "locks[0].wait_ns: expected a non-negative integer"},
	{"{\"schema_version\":1,\"io\":{}}", "io: expected an array"},
	{"{\"schema_version\":1,\"children\":[{\"io\":[{\"kind\":3}]}]}",
	 "children[0].io[0].kind: expected a string"},
	{"{\"schema_version\":1,\"memory\":{\"peak_live_bytes\":\"1\"}}",
	 "memory.peak_live_bytes: expected a number"},
	{"{\"schema_version\":1,\"patch\":{\"selected\":1,\"refused\":[]}}",
	 "patch.patched: missing"},
	{"{\"schema_version\":1,\"patch\":{\"selected\":1,\"patched\":1,\"startup_ns\":\"0\",\"refused\":[]}}",
	 "patch.startup_ns: expected a number"},
	{"{\"schema_version\":1,\"patch\":{\"selected\":1,\"patched\":0,\"refused\":[{\"name\":\"f\"}]}}",
	 "patch.refused[0]: expected name and reason strings"},
};

START_TEST(test_json_errors)
{
	struct hp_proc p;
	int rc;

	memset(&p, 0xAA, sizeof(p));
	rc = hp_report_from_json(bad[_i].json, strlen(bad[_i].json), &p, err, sizeof(err));
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_msg(!strncmp(err, bad[_i].err, strlen(bad[_i].err)),
		      "for %s: got '%s', want '%s'", bad[_i].json, err, bad[_i].err);
	if (bad[_i].err[strlen(bad[_i].err) - 1] != ' ')
		ck_assert_str_eq(err, bad[_i].err);
	/* Nothing left behind. */
	ck_assert_ptr_null(p.fns);
	ck_assert_ptr_null(p.argv);
	ck_assert_uint_eq(p.nchildren, 0);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_json_big_numbers)
{
	struct hp_proc p;
	const char *text = "{\"schema_version\":1,\"wall_ns\":18446744073709551615,"
			   "\"functions\":[{\"calls\":18446744073709555712}]}"; /* 2^64 + 4096 */

	/* Beyond int64 a number is a double: 2^64 - 1 reads back as 2^64 and saturates. */
	load("{\"schema_version\":1,\"wall_ns\":18446744073709551615,\"dropped\":9223372036854775808}",
	     &p);
	ck_assert_uint_eq(p.wall_ns, UINT64_MAX);
	ck_assert_uint_eq(p.dropped, 9223372036854775808ull);
	hp_proc_free(&p);
	ck_assert_int_eq(hp_report_from_json(text, strlen(text), &p, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "functions[0].calls: expected a non-negative integer");
}
END_TEST

START_TEST(test_locale_independent)
{
	static const char *const comma_locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "fr_FR"};
	struct hp_proc p;
	struct hp_report_opts o = {.pcts = {99.9}, .npcts = 1};
	char *a, *b;

	rich(&p);
	a = render(&p, &o, HP_FMT_JSON);
	for (size_t i = 0; i < 4; i++)
		if (setlocale(LC_ALL, comma_locales[i]))
			break;
	b = render(&p, &o, HP_FMT_JSON);
	ck_assert_str_eq(a, b);
	assert_round_trip(&p, &o, HP_FMT_JSON);
	setlocale(LC_ALL, "C");
	free(a);
	free(b);
	hp_proc_free(&p);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *model = tcase_create("model");
	TCase *table = tcase_create("table");
	TCase *json = tcase_create("json");

	tcase_add_loop_test(model, test_fmt_ns, 0, (int)(sizeof(fmt_cases) / sizeof(fmt_cases[0])));
	tcase_add_test(model, test_fmt_ns_small_buffer);
	tcase_add_test(model, test_names);
	tcase_add_test(model, test_percentile_hist);
	tcase_add_test(model, test_percentile_rank_rounding);
	tcase_add_test(model, test_percentile_short_hist);
	tcase_add_test(model, test_percentile_given);
	tcase_add_test(model, test_finish_sort_limit);
	tcase_add_test(model, test_add_note);
	tcase_add_test(table, test_table_exact);
	tcase_add_test(table, test_table_default_opts);
	tcase_add_test(table, test_table_percentiles_and_unknowns);
	tcase_add_test(table, test_table_status_and_notes);
	tcase_add_test(table, test_table_limit);
	tcase_add_test(table, test_table_no_functions);
	tcase_add_test(table, test_table_long_and_wide_names);
	tcase_add_test(table, test_table_alloc);
	tcase_add_test(table, test_table_children);
	tcase_add_test(table, test_render_io_error);
	tcase_add_test(json, test_json_fields);
	tcase_add_test(json, test_json_pretty);
	tcase_add_test(json, test_json_round_trip);
	tcase_add_test(json, test_json_round_trip_fractional);
	tcase_add_test(json, test_json_load_values);
	tcase_add_test(json, test_json_minimal);
	tcase_add_loop_test(json, test_json_errors, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(json, test_json_big_numbers);
	tcase_add_test(json, test_locale_independent);
	suite_add_tcase(s, model);
	suite_add_tcase(s, table);
	suite_add_tcase(s, json);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(report_suite());

	srunner_run_all(sr, CK_VERBOSE);
	return srunner_ntests_failed(sr) ? 1 : 0;
}
