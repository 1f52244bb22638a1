/* test_store.c - unit tests of tools/history/store.c: a model saved and loaded back is the same model
 * (every field, extremes of uint64, NULL strings, histograms, children, threads, notes), renders
 * the same JSON, run lookup by id / last / last~N / label, reopening does not migrate twice,
 * and the errors for files that are not a hotpath history. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/report/report.h"
#include "tools/history/store.h"

static char dir[64];
static char path[256], err[1024];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hp-test-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/h.db", dir);
}

static void teardown(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *sdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void fill_proc(struct hp_proc *p, int pid, const char *prog)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = 1;
	p->argc = 2;
	p->argv = calloc(3, sizeof(char *));
	p->argv[0] = sdup(prog);
	p->argv[1] = sdup("arg with spaces | and 'quotes'");
	p->exe = sdup("/usr/bin/prog");
	p->state = HP_PS_EXITED;
	p->exit_status = 3;
	p->start_unix_ns = 1764040000123456789;
	p->wall_ns = 210020000;
	p->modes = 3;
	p->flags = 5;
	p->exec_count = 1;
	p->dropped = 7;
	p->depth_overflow = 8;
	p->unmatched_exits = 9;
	p->nfns = 3;
	p->fns = calloc(3, sizeof(*p->fns));
	for (size_t i = 0; i < 3; i++) {
		struct hp_fn_row *r = &p->fns[i];
		r->name = i == 2 ? NULL : sdup(i ? "helper (libfoo.so)" : "main");
		r->module = i ? NULL : sdup("/usr/bin/prog");
		r->file = sdup(i ? NULL : "prog.c");
		r->line = i ? 0 : 42;
		r->addr = i == 2 ? UINT64_MAX : 0x401136 + i;
		r->kind = (int)i + 1;
		r->calls = i == 1 ? UINT64_MAX : 1000 + i;
		r->completed = 999 + i;
		r->total_ns = 209920000 - i * 1000;
		r->sum_ns = (uint64_t)1 << 63;
		r->min_ns = 11;
		r->max_ns = 123456789;
		r->alloc_count = 1;
		r->alloc_bytes = 2;
		r->free_count = 3;
		r->free_bytes = UINT64_MAX - 1;
		r->nhist = i == 2 ? 0 : 3;
		r->hist = r->nhist ? calloc(r->nhist, sizeof(*r->hist)) : NULL;
		for (size_t b = 0; b < r->nhist; b++) {
			r->hist[b].lo_ns = 100.0 * (double)(b + 1) + 0.25;
			r->hist[b].hi_ns = b == 2 ? 1.8446744073709552e19 : 100.0 * (double)(b + 2);
			r->hist[b].count = 333 + b;
		}
	}
	p->nfns_total = 10;
	p->nthreads = 2;
	p->threads = calloc(2, sizeof(*p->threads));
	p->threads[0] = (struct hp_thread_row){.tid = pid,
					       .name = sdup("main"),
					       .start_ns = 0,
					       .end_ns = 5,
					       .cpu_user_ns = 6,
					       .calls = 7};
	p->threads[1] = (struct hp_thread_row){.tid = pid + 1,
					       .start_routine = sdup("worker"),
					       .running = 1,
					       .start_ns = -4,
					       .lock_wait_ns = UINT64_MAX,
					       .io_block_ns = 9};
	hp_proc_add_note(p, "main has no hooks");
}

static void make_model(struct hp_proc *top)
{
	fill_proc(top, 100, "./prog");
	top->nchildren = 2;
	top->children = calloc(2, sizeof(*top->children));
	fill_proc(&top->children[0], 101, "/bin/sh");
	fill_proc(&top->children[1], 102, "child");
	top->children[1].state = HP_PS_SIGNALED;
	top->children[1].term_signal = 9;
}

static char *render(const struct hp_proc *p, double pct)
{
	struct hp_report_opts o = {.pcts = {pct}, .npcts = 1, .format = HP_FMT_JSON};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(hp_report_render(f, p, &o), 0);
	fclose(f);
	return buf;
}

static int64_t save(struct hp_store *st, const struct hp_proc *p, const char *label)
{
	struct hp_run_meta m = {.label = (char *)label, .npcts = 2, .pcts = {50, 99.9}};
	int64_t id = 0;

	ck_assert_msg(hp_store_save(st, p, &m, &id, err, sizeof(err)) == 0, "save: %s", err);
	return id;
}

START_TEST(test_round_trip)
{
	struct hp_store *st;
	struct hp_proc top, back;
	struct hp_run_meta meta;

	make_model(&top);
	ck_assert_msg(hp_store_open(&st, path, 1, 1000, err, sizeof(err)) == 0, "open: %s", err);
	int64_t id = save(st, &top, "base");
	ck_assert_int_eq(id, 1);
	ck_assert_msg(hp_store_load(st, id, &back, &meta, err, sizeof(err)) == 0, "load: %s", err);
	ck_assert_str_eq(meta.label, "base");
	ck_assert_int_eq(meta.npcts, 2);
	ck_assert(meta.pcts[1] == 99.9);
	ck_assert_int_eq(back.npcts_saved, 2);
	ck_assert_uint_eq(back.nchildren, 2);
	ck_assert_int_eq(back.children[1].term_signal, 9);
	ck_assert_int_eq(back.children[1].state, HP_PS_SIGNALED);
	ck_assert_uint_eq(back.fns[1].calls, UINT64_MAX);
	ck_assert_uint_eq(back.fns[2].addr, UINT64_MAX);
	ck_assert_ptr_null(back.fns[2].name);
	ck_assert_uint_eq(back.fns[0].sum_ns, (uint64_t)1 << 63);
	ck_assert(back.fns[0].hist[2].hi_ns == 1.8446744073709552e19);
	ck_assert(back.fns[0].hist[0].lo_ns == 100.25);
	ck_assert_uint_eq(back.threads[1].lock_wait_ns, UINT64_MAX);
	ck_assert_int_eq(back.threads[1].start_ns, -4);
	ck_assert_str_eq(back.argv[1], "arg with spaces | and 'quotes'");
	ck_assert_uint_eq(back.nfns_total, 10);
	/* Every figure: the JSON renderings agree, at any percentile. */
	for (double pct = 10; pct <= 100; pct += 30) {
		char *a = render(&top, pct), *b = render(&back, pct);
		ck_assert_str_eq(a, b);
		free(a);
		free(b);
	}
	hp_run_meta_free(&meta);
	hp_proc_free(&back);
	hp_proc_free(&top);
	hp_store_close(st);
}
END_TEST

START_TEST(test_resolve)
{
	struct hp_store *st;
	struct hp_proc top;
	int64_t *ids;

	make_model(&top);
	ck_assert_msg(hp_store_open(&st, path, 1, 1000, err, sizeof(err)) == 0, "open: %s", err);
	save(st, &top, "base");
	save(st, &top, "head");
	save(st, &top, "base");
	hp_store_close(st);
	/* Reopen for reading: the schema is not migrated again. */
	ck_assert_msg(hp_store_open(&st, path, 0, 1000, err, sizeof(err)) == 0, "open: %s", err);
	ck_assert_int_eq(hp_store_resolve(st, "last", 0, &ids, err, sizeof(err)), 1);
	ck_assert_int_eq(ids[0], 3);
	free(ids);
	ck_assert_int_eq(hp_store_resolve(st, "last~2", 0, &ids, err, sizeof(err)), 1);
	ck_assert_int_eq(ids[0], 1);
	free(ids);
	ck_assert_int_eq(hp_store_resolve(st, "last~3", 0, &ids, err, sizeof(err)), -1);
	ck_assert_int_eq(hp_store_resolve(st, "2", 0, &ids, err, sizeof(err)), 1);
	ck_assert_int_eq(ids[0], 2);
	free(ids);
	ck_assert_int_eq(hp_store_resolve(st, "base", 0, &ids, err, sizeof(err)), 2);
	ck_assert_int_eq(ids[0], 3);
	ck_assert_int_eq(ids[1], 1);
	free(ids);
	ck_assert_int_eq(hp_store_resolve(st, "base", 1, &ids, err, sizeof(err)), 1);
	free(ids);
	ck_assert_int_eq(hp_store_resolve(st, "no-such-label", 0, &ids, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no run id, label or git revision 'no-such-label'"), "%s", err);
	struct hp_run_meta *m;
	size_t n;
	ck_assert_int_eq(hp_store_list(st, "base", 0, &m, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(m[0].nprocesses, 3);
	ck_assert_uint_eq(m[0].nfunctions, 10);
	ck_assert_int_eq(m[0].exit_status, 3);
	hp_run_metas_free(m, n);
	hp_store_close(st);
	hp_proc_free(&top);
}
END_TEST

START_TEST(test_bad_files)
{
	struct hp_store *st;
	char text[300];
	FILE *f;

	ck_assert_int_eq(hp_store_open(&st, path, 0, 100, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no history database"), "%s", err);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(text, sizeof(text), "%s/t.txt", dir);
	ck_assert_ptr_nonnull(f = fopen(text, "w"));
	for (int i = 0; i < 100; i++)
		fputs("not a database at all\n", f);
	fclose(f);
	for (int write = 0; write < 2; write++) {
		ck_assert_int_eq(hp_store_open(&st, text, write, 100, err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, "not a SQLite database"), "%s", err);
		ck_assert_ptr_null(st);
	}
	/* An empty file reads as an empty history, and becomes one when written. */
	snprintf(text, sizeof(text), "%s/empty.db", dir);
	fclose(fopen(text, "w"));
	ck_assert_int_eq(hp_store_open(&st, text, 0, 100, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no run saved yet"), "%s", err);
	ck_assert_int_eq(hp_store_open(&st, text, 1, 100, err, sizeof(err)), 0);
	hp_store_close(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_bad_files);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_VERBOSE);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
