/* test_hist.c - unit tests of the histogram bucket arithmetic (include/hp/hist.h) and of the
 * percentile read-out (tools/region/hist_pct.c), against exact percentiles of random samples. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/region/hist_pct.h"
#include "hp/hist.h"

START_TEST(test_values_land_in_their_bucket)
{
	for (uint64_t v = 0; v < (1u << 22); v++) {
		uint32_t b = hp_hist_bucket(v);

		if (b >= HP_HIST_BUCKETS || hp_hist_lower(b) > v || hp_hist_upper(b) < v)
			ck_abort_msg("value %llu: bucket %u holds [%llu, %llu]",
				     (unsigned long long)v, b, (unsigned long long)hp_hist_lower(b),
				     (unsigned long long)hp_hist_upper(b));
	}
}
END_TEST

START_TEST(test_bucket_bounds)
{
	for (uint32_t b = 0; b + 1 < HP_HIST_BUCKETS; b++) {
		uint64_t lo = hp_hist_lower(b), hi = hp_hist_upper(b);

		ck_assert_msg(lo <= hi, "bucket %u: [%llu, %llu]", b, (unsigned long long)lo,
			      (unsigned long long)hi);
		ck_assert_uint_eq(hp_hist_bucket(lo), b);
		ck_assert_uint_eq(hp_hist_bucket(hi), b);
		ck_assert(hp_hist_lower(b + 1) == hi + 1); /* no gaps, no overlaps */
		if (b < HP_HIST_SUB)
			ck_assert(lo == b && hi == b);
		else
			ck_assert_msg(hi - lo + 1 <= lo / 64, "bucket %u: width %llu, lower %llu",
				      b, (unsigned long long)(hi - lo + 1), (unsigned long long)lo);
	}
}
END_TEST

START_TEST(test_large_values_share_last_bucket)
{
	uint32_t last = HP_HIST_BUCKETS - 1;

	ck_assert_uint_eq(hp_hist_bucket(1ull << (HP_HIST_MAX_OCTAVE + 1)), last);
	ck_assert_uint_eq(hp_hist_bucket(UINT64_MAX), last);
	ck_assert_uint_eq(hp_hist_bucket((1ull << (HP_HIST_MAX_OCTAVE + 1)) - 1), last);
	ck_assert(hp_hist_upper(last) == UINT64_MAX);
	ck_assert(hp_hist_lower(last) < (1ull << (HP_HIST_MAX_OCTAVE + 1)));
	ck_assert_uint_lt(hp_hist_bucket(1ull << HP_HIST_MAX_OCTAVE), last);
}
END_TEST

/* splitmix64: a fixed, portable sequence. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

START_TEST(test_percentiles_match_exact)
{
	enum { N = 100000 };
	static const int pct_x10[] = {500, 900, 950, 990, 999};
	static uint64_t counts[HP_HIST_BUCKETS];
	uint64_t *samples = malloc(N * sizeof(*samples)), state = 20240601;

	ck_assert_ptr_nonnull(samples);
	memset(counts, 0, sizeof(counts));
	for (int i = 0; i < N; i++) {
		double u = (double)(next_random(&state) >> 11) * 0x1p-53; /* [0, 1) */

		/* log-uniform in [10, 1e9) */
		samples[i] = (uint64_t)(10.0 * exp(u * log(1e9 / 10.0)));
		counts[hp_hist_bucket(samples[i])]++;
	}
	qsort(samples, N, sizeof(*samples), cmp_u64);
	for (size_t i = 0; i < sizeof(pct_x10) / sizeof(pct_x10[0]); i++) {
		uint64_t rank = ((uint64_t)pct_x10[i] * N + 999) / 1000; /* ceil(p / 100 * N) */
		double exact = (double)samples[rank - 1];
		double got = hp_hist_percentile(counts, HP_HIST_BUCKETS, N, pct_x10[i] / 10.0,
						samples[0], samples[N - 1]);
		double rel = fabs(got - exact) / exact;

		ck_assert_msg(rel <= 0.01, "p%g: histogram %.1f, exact %.0f, error %.3f%%",
			      pct_x10[i] / 10.0, got, exact, rel * 100);
	}
	free(samples);
}
END_TEST

START_TEST(test_percentile_small_values_exact)
{
	uint64_t counts[HP_HIST_BUCKETS] = {0};

	/* 10 samples: 1, 2, 2, 3 x 6, 63 */
	counts[1] = 1;
	counts[2] = 2;
	counts[3] = 6;
	counts[63] = 1;
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 10, 10, 1, 0), 1);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 10, 30, 1, 0), 2);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 10, 31, 1, 0), 3);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 10, 90, 1, 0), 3);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 10, 99.9, 1, 0), 63);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 10, 100, 1, 0), 63);
	/* Out-of-range percentiles clamp to the first and last sample. */
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 10, 0, 1, 0), 1);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 10, -5, 1, 0), 1);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 10, 250, 1, 0), 63);
}
END_TEST

START_TEST(test_percentile_midpoint_and_clamp)
{
	uint64_t counts[HP_HIST_BUCKETS] = {0};
	uint32_t b = hp_hist_bucket(1000);
	double mid = ((double)hp_hist_lower(b) + (double)hp_hist_upper(b)) / 2;

	counts[b] = 4;
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 4, 50, 1, 0), mid);
	/* The recorded extremes bound the answer. */
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 4, 50, 1000, 1000), 1000);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 4, 50, 0, 995), 995);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 4, 50, 1005, 2000), 1005);
}
END_TEST

START_TEST(test_percentile_last_bucket)
{
	static uint64_t counts[HP_HIST_BUCKETS];
	uint32_t last = HP_HIST_BUCKETS - 1;

	memset(counts, 0, sizeof(counts));
	counts[10] = 1;
	counts[last] = 1;
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 2, 100, 10, 5000000000000),
			    5e12);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 2, 100, 1, 0),
			    (double)hp_hist_lower(last));
}
END_TEST

START_TEST(test_percentile_degenerate)
{
	uint64_t counts[HP_HIST_BUCKETS] = {0};

	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 0, 50, 1, 0), 0);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 10, 50, 1, 0), 0);
	ck_assert_double_eq(hp_hist_percentile(NULL, 0, 10, 50, 1, 0), 0);
	/* Counts short of total: the highest non-empty bucket answers. */
	counts[5] = 1;
	counts[7] = 1;
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 100, 99, 1, 0), 7);
	/* Only nbuckets entries are read. */
	ck_assert_double_eq(hp_hist_percentile(counts, 6, 1, 100, 1, 0), 5);
	/* Saturating sums. */
	counts[5] = UINT64_MAX;
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, UINT64_MAX, 100, 1, 0), 5);
	ck_assert_double_eq(hp_hist_percentile(counts, HP_HIST_BUCKETS, 3, NAN, 1, 0), 5);
}
END_TEST

static Suite *hist_suite(void)
{
	Suite *s = suite_create("hist");
	TCase *buckets = tcase_create("buckets");
	TCase *percentiles = tcase_create("percentiles");

	tcase_add_test(buckets, test_values_land_in_their_bucket);
	tcase_add_test(buckets, test_bucket_bounds);
	tcase_add_test(buckets, test_large_values_share_last_bucket);
	tcase_add_test(percentiles, test_percentiles_match_exact);
	tcase_add_test(percentiles, test_percentile_small_values_exact);
	tcase_add_test(percentiles, test_percentile_midpoint_and_clamp);
	tcase_add_test(percentiles, test_percentile_last_bucket);
	tcase_add_test(percentiles, test_percentile_degenerate);
	suite_add_tcase(s, buckets);
	suite_add_tcase(s, percentiles);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hist_suite());

	srunner_run_all(sr, CK_VERBOSE);
	return srunner_ntests_failed(sr) ? 1 : 0;
}
