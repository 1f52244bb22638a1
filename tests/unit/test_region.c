/* test_region.c - the region reader's validation: a well-formed region passes, and every kind
 * of damage (foreign file, other version, truncation, tables outside the file) is refused with
 * a message that says what is wrong. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include "region_fixture.h"
#include "tools/region/region_model.h"
#include "tools/region/region_read.h"

#define SIZE (1u << 20)

static unsigned char *make_region(void)
{
	unsigned char *buf = aligned_alloc(4096, SIZE);
	ck_assert_uint_ne(hp_fixture_region(buf, SIZE, 4), 0);
	return buf;
}

START_TEST(test_valid_region_passes)
{
	unsigned char *b = make_region();
	char err[256] = "";
	ck_assert_int_eq(hp_rregion_check(b, SIZE, err, sizeof(err)), 0);
	struct hp_rregion r = {.base = b, .size = SIZE, .h = (void *)b};
	struct hp_region_header *h = (void *)b;
	h->tables[HP_T_FSTATS].claimed = 9; /* more claims than rows: clamped */
	ck_assert_uint_eq(hp_rregion_rows(&r, HP_T_FSTATS), 4);
	ck_assert_ptr_nonnull(hp_rregion_row(&r, HP_T_FSTATS, 3));
	ck_assert_ptr_null(hp_rregion_row(&r, HP_T_FSTATS, 4));
	ck_assert_ptr_null(hp_rregion_row(&r, 99, 0));
	free(b);
}
END_TEST

static void expect_error(unsigned char *b, size_t size, int code, const char *text)
{
	char err[256] = "";
	ck_assert_int_eq(hp_rregion_check(b, size, err, sizeof(err)), code);
	ck_assert_msg(strstr(err, text), "error '%s' lacks '%s'", err, text);
}

START_TEST(test_foreign_file)
{
	unsigned char *b = make_region();
	memcpy(b, "\177ELF\2\1\1\0", 8);
	expect_error(b, SIZE, -EBADMSG, "not a hotpath region");
	free(b);
}
END_TEST

START_TEST(test_other_version)
{
	unsigned char *b = make_region();
	((struct hp_region_header *)b)->version = HP_REGION_VERSION + 1;
	char want[64];
	snprintf(want, sizeof(want), "layout version %d, this hotpath reads version %d",
		 HP_REGION_VERSION + 1, HP_REGION_VERSION);
	expect_error(b, SIZE, -EPROTO, want);
	free(b);
}
END_TEST

START_TEST(test_truncated)
{
	unsigned char *b = make_region();
	expect_error(b, 100, -EBADMSG, "too small");
	expect_error(b, SIZE / 2, -EBADMSG, "corrupted header");
	free(b);
}
END_TEST

START_TEST(test_table_outside_file)
{
	unsigned char *b = make_region();
	struct hp_region_header *h = (void *)b;
	h->tables[HP_T_LOCKS].capacity = 1u << 30;
	expect_error(b, SIZE, -EBADMSG, "corrupted table 4");
	h->tables[HP_T_LOCKS].capacity = 4;
	h->tables[HP_T_THREADS].offset = SIZE - 8;
	expect_error(b, SIZE, -EBADMSG, "corrupted table 1");
	h->tables[HP_T_THREADS].offset = 8; /* inside the header */
	expect_error(b, SIZE, -EBADMSG, "corrupted table 1");
	free(b);
}
END_TEST

START_TEST(test_overflowing_offset)
{
	unsigned char *b = make_region();
	struct hp_region_header *h = (void *)b;
	h->tables[HP_T_MODULES].offset = UINT64_MAX - 16; /* offset + size wraps around */
	expect_error(b, SIZE, -EBADMSG, "corrupted table 0");
	free(b);
}
END_TEST

START_TEST(test_row_size_mismatch)
{
	unsigned char *b = make_region();
	((struct hp_region_header *)b)->tables[HP_T_FSTATS].row_size = 8;
	expect_error(b, SIZE, -EBADMSG, "corrupted table 2");
	free(b);
}
END_TEST

START_TEST(test_bad_cmdline_length)
{
	unsigned char *b = make_region();
	((struct hp_region_header *)b)->cmdline_len = 1u << 20;
	expect_error(b, SIZE, -EBADMSG, "command line");
	free(b);
}
END_TEST

/* A module path that fills the last row of a region to its very end, with no NUL (issue 11,
 * item 6): the model builder reads it bounded. The page after the region is PROT_NONE, so a
 * read past it is a SIGSEGV, not luck. Likewise the exe field filled to its end. */
START_TEST(test_strings_read_bounded)
{
	size_t page = 4096, size = 16 * page;
	unsigned char *m = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(m, MAP_FAILED);
	ck_assert_int_eq(mprotect(m + size, page, PROT_NONE), 0);
	ck_assert_uint_ne(hp_fixture_region(m, size, 2), 0); /* 2: every table 8-aligned */
	struct hp_region_header *h = (void *)m;
	/* The modules table moved to the end: its one row ends where the mapping does. */
	h->tables[HP_T_MODULES].offset = size - sizeof(struct hp_module_rec);
	h->tables[HP_T_MODULES].capacity = 1;
	h->tables[HP_T_MODULES].claimed = 1;
	struct hp_module_rec *mod = (void *)(m + h->tables[HP_T_MODULES].offset);
	mod->start = 0x1000;
	mod->end = 0x2000;
	mod->flags = HP_MOD_VDSO; /* no symbolizer lookup: only the path is read */
	memset(mod->path, 'A', sizeof(mod->path));
	memset(h->exe, 'B', sizeof(h->exe));
	h->cmdline_len = 0;
	memset(h->cmdline, 'C', sizeof(h->cmdline));
	h->tables[HP_T_FSTATS].claimed = 1;
	struct hp_fstat *f = (void *)(m + h->tables[HP_T_FSTATS].offset);
	f->addr = 0x1100;
	f->calls = f->completed = 1;
	char err[256] = "";
	int rc = hp_rregion_check(m, size, err, sizeof(err));
	ck_assert_msg(rc == 0, "check: %s", err);
	struct hp_rregion r = {.base = m, .size = size, .h = (void *)m, .ns_per_tick = 1};
	struct hp_proc p;
	ck_assert_int_eq(hp_proc_from_region(&r, NULL, 0, &p), 0);
	ck_assert_uint_eq(p.nfns, 1);
	ck_assert_ptr_nonnull(p.fns[0].module);
	ck_assert_uint_eq(strlen(p.fns[0].module), HP_PATH_MAX);
	ck_assert_uint_eq(strlen(p.exe), HP_PATH_MAX);
	hp_proc_free(&p);
	munmap(m, size + page);
}
END_TEST

/* A row's histogram is read through its chunk indexes (layout 7): a bucket in a claimed chunk
 * reads its count, one in a half octave with no chunk (0), a full-table mark or an index past the
 * hist table reads 0, and the model sums the chunks of two threads' rows of one function. */
START_TEST(test_hist_chunks)
{
	unsigned char *b = make_region();
	struct hp_region_header *h = (void *)b;
	struct hp_rregion r = {.base = b, .size = SIZE, .h = (void *)b, .ns_per_tick = 1};
	struct hp_hist_chunk *c = (void *)(b + h->tables[HP_T_HIST].offset);
	struct hp_fstat *f = (void *)(b + h->tables[HP_T_FSTATS].offset);
	h->tables[HP_T_HIST].claimed = 2;
	h->tables[HP_T_FSTATS].claimed = 2;
	c[0].count[5] = 3;  /* bucket 5: value 5 */
	c[1].count[10] = 4; /* in chunk 74 / 32: bucket 74 */
	f[0].addr = f[1].addr = 0x1100;
	f[0].hist_chunk[0] = 1;
	f[0].hist_chunk[74 / HP_HIST_CHUNK] = 2;
	f[0].hist_chunk[130 / HP_HIST_CHUNK] = HP_HIST_CHUNK_NONE;
	f[0].hist_chunk[200 / HP_HIST_CHUNK] = 99; /* past the table */
	f[1].hist_chunk[0] = 1;			   /* (shared only in this test) */
	ck_assert_uint_eq(hp_rregion_hist(&r, &f[0], 5), 3);
	ck_assert_uint_eq(hp_rregion_hist(&r, &f[0], 74), 4);
	ck_assert_uint_eq(hp_rregion_hist(&r, &f[0], 6), 0);
	ck_assert_uint_eq(hp_rregion_hist(&r, &f[0], 130), 0);
	ck_assert_uint_eq(hp_rregion_hist(&r, &f[0], 200), 0);
	ck_assert_uint_eq(hp_rregion_hist(&r, &f[0], 300), 0);
	ck_assert_uint_eq(hp_rregion_hist(&r, &f[0], HP_HIST_BUCKETS), 0);
	for (int i = 0; i < 2; i++) {
		f[i].calls = f[i].completed = i ? 3 : 7;
		f[i].min_ticks = 5;
		f[i].max_ticks = i ? 5 : hp_hist_lower(74);
	}
	struct hp_proc p;
	ck_assert_int_eq(hp_proc_from_region(&r, NULL, 0, &p), 0);
	ck_assert_uint_eq(p.nfns, 1);
	ck_assert_uint_eq(p.fns[0].calls, 10);
	ck_assert_uint_eq(p.fns[0].nhist, 2);
	ck_assert_uint_eq(p.fns[0].hist[0].count, 6);
	ck_assert_uint_eq(p.fns[0].hist[1].count, 4);
	hp_proc_free(&p);
	free(b);
}
END_TEST

/* Function rows kept between reads (region_fgroups.c): a scan lists every function when one
 * appeared, else only those with a changed row (and a changed row once more after), a new
 * thread's row of a known function adds to it, and rows that go back or change address make
 * the region new. The update gives the changed rows and main()'s time as the wall time. */
static int count_rows(size_t group, const struct hp_fn_row *row, void *arg)
{
	uint64_t *v = arg;
	v[0]++;
	v[1 + group] = row->calls;
	return 0;
}

START_TEST(test_fgroups_rescan)
{
	unsigned char *b = make_region();
	struct hp_region_header *h = (void *)b;
	struct hp_rregion r = {.base = b, .size = SIZE, .h = (void *)b, .ns_per_tick = 1};
	struct hp_fstat *f = (void *)(b + h->tables[HP_T_FSTATS].offset);
	struct hp_fgroups fg;
	h->tables[HP_T_FSTATS].claimed = 2;
	f[0].addr = 0x1100, f[1].addr = 0x1200;
	f[0].calls = 7, f[1].calls = 3;
	f[1].total_ticks = 5000;
	h->main_addr = 0x1200;
	hp_fgroups_init(&fg);
	ck_assert_int_eq(hp_fgroups_scan(&fg, &r), 2);
	ck_assert_uint_eq(fg.nchanged, 2);
	ck_assert_uint_eq(fg.sums[0].calls, 7);
	ck_assert_int_eq(hp_fgroups_scan(&fg, &r), 0); /* new rows are read once more */
	ck_assert_uint_eq(fg.nchanged, 2);
	ck_assert_int_eq(hp_fgroups_scan(&fg, &r), 0);
	ck_assert_uint_eq(fg.nchanged, 0);
	f[0].calls = 8;
	for (int k = 0; k < 3; k++) { /* changed, once more, then quiet */
		ck_assert_int_eq(hp_fgroups_scan(&fg, &r), 0);
		ck_assert_uint_eq(fg.nchanged, k < 2 ? 1 : 0);
	}
	h->tables[HP_T_FSTATS].claimed = 3; /* another thread's row of 0x1100 */
	f[2].addr = 0x1100, f[2].calls = 4;
	ck_assert_int_eq(hp_fgroups_scan(&fg, &r), 0);
	ck_assert_uint_eq(fg.nchanged, 1);
	ck_assert_uint_eq(fg.changed[0], 0);
	ck_assert_uint_eq(fg.sums[0].calls, 12);
	struct hp_proc p = {.wall_ns = 1};
	uint64_t got[4] = {0};
	ck_assert_int_eq(hp_proc_update_functions(&r, &fg, &p, count_rows, got), 0);
	ck_assert_uint_eq(got[0], 1);
	ck_assert_uint_eq(got[1], 12);
	ck_assert_uint_eq(p.wall_ns, 1);    /* main's row not read: its time not known yet */
	h->tables[HP_T_FSTATS].claimed = 4; /* a function appears: every one is listed */
	f[3].addr = 0x1300, f[3].calls = 1;
	ck_assert_int_eq(hp_fgroups_scan(&fg, &r), 1);
	ck_assert_uint_eq(fg.nchanged, 3);
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(hp_proc_update_functions(&r, &fg, &p, count_rows, got), 0);
	ck_assert_uint_eq(got[0], 3);
	ck_assert_uint_eq(got[2], 3);
	ck_assert_uint_eq(p.wall_ns, 5000); /* main()'s total */
	f[0].addr = 0x1400;		    /* not the writer's doing: read as new */
	ck_assert_int_eq(hp_fgroups_scan(&fg, &r), 4);
	h->tables[HP_T_FSTATS].claimed = 1; /* rows went back */
	ck_assert_int_eq(hp_fgroups_scan(&fg, &r), 1);
	ck_assert_uint_eq(fg.ng, 1);
	hp_fgroups_free(&fg);
	free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("region");
	TCase *tc = tcase_create("check");
	tcase_add_test(tc, test_valid_region_passes);
	tcase_add_test(tc, test_foreign_file);
	tcase_add_test(tc, test_other_version);
	tcase_add_test(tc, test_hist_chunks);
	tcase_add_test(tc, test_fgroups_rescan);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_table_outside_file);
	tcase_add_test(tc, test_overflowing_offset);
	tcase_add_test(tc, test_row_size_mismatch);
	tcase_add_test(tc, test_bad_cmdline_length);
	tcase_add_test(tc, test_strings_read_bounded);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_VERBOSE);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
