/* test_prom.c - unit tests of the Prometheus/OpenMetrics renderer (tools/report/report_prom.c)
 * and the pprof encoder's gzip (report_pprof.c): exact lines for a model built by hand, label
 * escaping (quotes, backslashes, newlines, bytes that are not UTF-8), unique labels for rows
 * with one name, histogram buckets cumulated at the bounds, the two formats' family names,
 * the Accept header and the bucket list parser. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hp/region.h"
#include "tools/report/report.h"
#include "tools/report/report_pprof.h"
#include "tools/report/report_prom.h"

static struct hp_fn_row *add_fn(struct hp_proc *p, const char *name, const char *module,
				uint64_t calls, uint64_t total_ns)
{
	p->fns = realloc(p->fns, (p->nfns + 1) * sizeof(*p->fns));
	struct hp_fn_row *r = &p->fns[p->nfns++];
	memset(r, 0, sizeof(*r));
	r->name = strdup(name);
	r->module = module ? strdup(module) : NULL;
	r->kind = HP_FN_INSTRUMENTED;
	r->calls = r->completed = calls;
	r->total_ns = r->sum_ns = total_ns;
	return r;
}

static void proc_init(struct hp_proc *p)
{
	memset(p, 0, sizeof(*p));
	p->pid = 42;
	p->argc = 1;
	p->argv = calloc(2, sizeof(char *));
	p->argv[0] = strdup("/usr/bin/app");
	p->exe = strdup("/usr/bin/app");
	p->modes = HP_MODE_TIMING;
	p->wall_ns = 1500000000;
}

/* The whole page of m, as one string (free it); m is freed. */
static char *read_page(struct hp_prom *m)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		ssize_t got = hp_prom_read(m, buf + n, 7); /* tiny reads: blocks cross them */
		ck_assert_int_ge(got, 0);
		if (!got)
			break;
		n += (size_t)got;
		ck_assert_uint_lt(n + 8, cap);
	}
	buf[n] = 0;
	hp_prom_free(m);
	return buf;
}

static struct hp_prom_opts opts(int om, const char *buckets)
{
	struct hp_prom_opts o = {.openmetrics = om};
	char err[128];
	ck_assert_int_eq(hp_prom_parse_buckets(buckets, &o, err, sizeof(err)), 0);
	return o;
}

/* The whole page for `p` with `buckets`, as one string (free it). */
static char *page(const struct hp_proc *p, int om, const char *buckets)
{
	struct hp_prom_opts o = opts(om, buckets);
	struct hp_prom *m = hp_prom_new(&o);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(hp_prom_add(m, p), 0);
	return read_page(m);
}

START_TEST(test_counters_and_labels)
{
	struct hp_proc p;
	proc_init(&p);
	add_fn(&p, "work", "/usr/bin/app", 1234, 2500000001)->self_ns = 1000000002;
	add_fn(&p, "odd \"name\"\\\n\xff", NULL, 1, 5);
	add_fn(&p, "work", "/usr/bin/app", 7, 9); /* same labels as the first row */
	char *t = page(&p, 0, "0.001");
	ck_assert_ptr_nonnull(strstr(t, "# TYPE hotpath_function_calls_total counter\n"));
	ck_assert_ptr_nonnull(strstr(
		t,
		"hotpath_function_calls_total{pid=\"42\",command=\"app\",function=\"work\",module=\"app\"} 1234\n"));
	ck_assert_ptr_nonnull(strstr(
		t,
		"hotpath_function_time_seconds_total{pid=\"42\",command=\"app\",function=\"work\",module=\"app\"} 2.500000001\n"));
	ck_assert_ptr_nonnull(strstr(
		t,
		"hotpath_function_self_seconds_total{pid=\"42\",command=\"app\",function=\"work\",module=\"app\"} 1.000000002\n"));
	/* Escapes, and a byte that is not UTF-8 becomes '?'. */
	ck_assert_ptr_nonnull(strstr(t, "function=\"odd \\\"name\\\"\\\\\\n?\",module=\"\"} 1\n"));
	/* The second "work" row gets its own series. */
	ck_assert_ptr_nonnull(strstr(t, "function=\"work #2\",module=\"app\"} 7\n"));
	ck_assert_ptr_null(strstr(t, "# EOF"));
	ck_assert_ptr_nonnull(strstr(
		t,
		"hotpath_process_info{pid=\"42\",command=\"app\",exe=\"/usr/bin/app\",state=\"running\",mode=\"timing\"} 1\n"));
	ck_assert_ptr_nonnull(
		strstr(t,
		       "hotpath_process_wall_seconds{pid=\"42\",command=\"app\"} 1.500000000\n"));
	/* No allocation families' samples without --alloc. */
	ck_assert_ptr_null(strstr(t, "hotpath_allocations_total{"));
	free(t);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_histogram_buckets)
{
	struct hp_proc p;
	proc_init(&p);
	struct hp_fn_row *r = add_fn(&p, "f", "/usr/bin/app", 6, 6000);
	static const struct hp_hbucket hb[] = {
		{500, 520, 1},	 /* midpoint 510 ns: under 1 µs */
		{990, 1020, 2},	 /* midpoint 1005 ns: above 1 µs, under 10 µs */
		{9000, 9100, 3}, /* midpoint 9050 ns: under 10 µs */
	};
	r->hist = malloc(sizeof(hb));
	memcpy(r->hist, hb, sizeof(hb));
	r->nhist = 3;
	char *t = page(&p, 0, "0.000001,0.00001,1");
	const char *l =
		"hotpath_function_duration_seconds_bucket{pid=\"42\",command=\"app\",function=\"f\",module=\"app\",le=\"";
	char want[600];
	const char *les[] = {"1e-06\"} 1\n", "1e-05\"} 6\n", "1\"} 6\n", "+Inf\"} 6\n"};
	for (int i = 0; i < 4; i++) {
		snprintf(want, sizeof(want), "%s%s", l, les[i]);
		ck_assert_msg(strstr(t, want), "missing %s in\n%s", want, t);
	}
	ck_assert_ptr_nonnull(strstr(
		t,
		"hotpath_function_duration_seconds_count{pid=\"42\",command=\"app\",function=\"f\",module=\"app\"} 6\n"));
	ck_assert_ptr_nonnull(strstr(
		t,
		"hotpath_function_duration_seconds_sum{pid=\"42\",command=\"app\",function=\"f\",module=\"app\"} 0.000006000\n"));
	free(t);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_openmetrics_names)
{
	struct hp_proc p;
	proc_init(&p);
	add_fn(&p, "work", "/usr/bin/app", 3, 30);
	char *t = page(&p, 1, "");
	ck_assert_ptr_nonnull(strstr(t, "# TYPE hotpath_function_calls counter\n"));
	ck_assert_ptr_nonnull(strstr(
		t,
		"# TYPE hotpath_function_time_seconds counter\n# UNIT hotpath_function_time_seconds seconds\n"));
	ck_assert_ptr_nonnull(strstr(t, "hotpath_function_calls_total{pid=\"42\""));
	ck_assert_ptr_nonnull(strstr(t, "le=\"+Inf\"} 0\n")); /* no buckets given: +Inf alone */
	size_t n = strlen(t);
	ck_assert_str_eq(t + n - 6, "# EOF\n");
	/* Every family once: TYPE lines are unique. */
	for (char *a = strstr(t, "# TYPE "); a; a = strstr(a + 1, "# TYPE ")) {
		char name[128];
		sscanf(a + 7, "%127s", name);
		char key[160];
		snprintf(key, sizeof(key), "# TYPE %s ", name);
		ck_assert_msg(strstr(a + 1, key) == NULL, "family %s twice", name);
	}
	free(t);
	hp_proc_free(&p);
}
END_TEST

START_TEST(test_accept_and_buckets)
{
	ck_assert(hp_prom_wants_openmetrics(
		"application/openmetrics-text;version=1.0.0,text/plain;q=0.5"));
	ck_assert(!hp_prom_wants_openmetrics("text/plain;version=0.0.4"));
	ck_assert(!hp_prom_wants_openmetrics(NULL));
	ck_assert(!hp_prom_wants_openmetrics("application/openmetrics-text;q=0,text/plain"));
	struct hp_prom_opts o;
	char err[128];
	ck_assert_int_eq(hp_prom_parse_buckets("0.1,1,10", &o, err, sizeof(err)), 0);
	ck_assert_int_eq(o.nbuckets, 3);
	ck_assert_int_eq(hp_prom_parse_buckets("1,0.1", &o, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "increase"));
	ck_assert_int_eq(hp_prom_parse_buckets("-1", &o, err, sizeof(err)), -1);
	ck_assert_int_eq(hp_prom_parse_buckets("1,x", &o, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_gzip_round_trip)
{
	char in[5000];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)(i % 13);
	unsigned char *gz;
	size_t len;
	ck_assert_int_eq(hp_gzip(in, sizeof(in), 6, &gz, &len), 0);
	ck_assert_uint_eq(gz[0], 0x1f);
	ck_assert_uint_eq(gz[1], 0x8b);
	char out[6000];
	z_stream z;
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = gz;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = sizeof(out);
	ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
	ck_assert_uint_eq(z.total_out, sizeof(in));
	ck_assert_int_eq(memcmp(in, out, sizeof(in)), 0);
	inflateEnd(&z);
	free(gz);
}
END_TEST

START_TEST(test_pprof_missing_data)
{
	struct hp_proc p;
	proc_init(&p);
	unsigned char *buf;
	size_t len;
	char err[256];
	/* Nothing timed: the CPU and heap pages say why; a file is still written. */
	ck_assert_int_eq(hp_pprof_encode(&p, HP_PPROF_CPU, 0, &buf, &len, err, sizeof(err)),
			 -ENODATA);
	ck_assert_ptr_nonnull(strstr(err, "CPU"));
	ck_assert_int_eq(hp_pprof_encode(&p, HP_PPROF_HEAP, 0, &buf, &len, err, sizeof(err)),
			 -ENODATA);
	ck_assert_ptr_nonnull(strstr(err, "alloc-stacks"));
	ck_assert_int_eq(hp_pprof_encode(&p, HP_PPROF_ALL, 0, &buf, &len, err, sizeof(err)), 0);
	ck_assert_uint_gt(len, 10);
	free(buf);
	hp_proc_free(&p);
}
END_TEST

/* A page holds its functions by reference: a change made while it is being read goes to a copy
 * (hotpath serve's cache), one made when nobody else holds them goes in place. */
START_TEST(test_fns_shared_copy)
{
	struct hp_proc p;
	proc_init(&p);
	struct hp_fn_row *r = add_fn(&p, "work", "/usr/bin/app", 10, 4000);
	static const struct hp_hbucket hb[] = {{500, 520, 10}, {2000000, 2000100, 5}};
	r->hist = malloc(sizeof(hb));
	memcpy(r->hist, hb, sizeof(hb));
	r->nhist = 1;
	struct hp_prom_opts o = opts(0, "0.001");
	struct hp_prom_fns *f = hp_prom_fns_new(&o, &p), *kept = f;
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(hp_prom_fns_count(f), 1);
	struct hp_prom *m1 = hp_prom_new(&o);
	ck_assert_int_eq(hp_prom_add_fns(m1, &p, f), 0);
	struct hp_fn_row changed = *r; /* 5 more calls, slower */
	changed.calls = changed.completed = 15;
	changed.sum_ns = changed.total_ns = 10004000;
	changed.nhist = 2;
	ck_assert_int_eq(hp_prom_fns_set(&f, 0, &changed), 0);
	ck_assert_ptr_ne(f, kept); /* m1 holds the old one: changed in a copy */
	ck_assert_int_eq(hp_prom_fns_set(&f, 1, &changed), -EINVAL);
	struct hp_prom *m2 = hp_prom_new(&o);
	ck_assert_int_eq(hp_prom_add_fns(m2, &p, f), 0);
	char *t1 = read_page(m1), *t2 = read_page(m2);
	const char *lab = "{pid=\"42\",command=\"app\",function=\"work\",module=\"app\"}";
	char want[300];
	snprintf(want, sizeof(want), "hotpath_function_calls_total%s 10\n", lab);
	ck_assert_ptr_nonnull(strstr(t1, want));
	snprintf(want, sizeof(want), "hotpath_function_duration_seconds_count%s 10\n", lab);
	ck_assert_ptr_nonnull(strstr(t1, want));
	snprintf(want, sizeof(want), "hotpath_function_calls_total%s 15\n", lab);
	ck_assert_ptr_nonnull(strstr(t2, want));
	snprintf(want, sizeof(want), "hotpath_function_duration_seconds_count%s 15\n", lab);
	ck_assert_ptr_nonnull(strstr(t2, want));
	snprintf(want, sizeof(want),
		 "hotpath_function_duration_seconds_bucket{pid=\"42\",command=\"app\",function=\"work\","
		 "module=\"app\",le=\"0.001\"} 10\n");
	ck_assert_ptr_nonnull(strstr(t2, want));
	snprintf(want, sizeof(want), "hotpath_function_time_seconds_total%s 0.010004000\n", lab);
	ck_assert_ptr_nonnull(strstr(t2, want));
	free(t1);
	free(t2);
	kept = f; /* both pages are gone: the only holder changes it in place */
	changed.calls = 16;
	ck_assert_int_eq(hp_prom_fns_set(&f, 0, &changed), 0);
	ck_assert_ptr_eq(f, kept);
	struct hp_prom_opts other = opts(0, "0.001,0.01");
	struct hp_prom *m3 = hp_prom_new(&other);
	ck_assert_int_eq(hp_prom_add_fns(m3, &p, f), -EINVAL); /* other bounds */
	hp_prom_free(m3);
	hp_prom_fns_put(f);
	hp_proc_free(&p);
}
END_TEST

static Suite *prom_suite(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_counters_and_labels);
	tcase_add_test(tc, test_histogram_buckets);
	tcase_add_test(tc, test_fns_shared_copy);
	tcase_add_test(tc, test_openmetrics_names);
	tcase_add_test(tc, test_accept_and_buckets);
	tcase_add_test(tc, test_gzip_round_trip);
	tcase_add_test(tc, test_pprof_missing_data);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(prom_suite());
	srunner_run_all(sr, CK_VERBOSE);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
