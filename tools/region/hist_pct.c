/* hist_pct.c - percentiles from a log-linear histogram: the midpoint of the bucket holding the
 * wanted rank, clamped to the recorded extremes. */
#include "hist_pct.h"

#include <math.h>

#include "hp/hist.h"

static double bucket_value(uint32_t b, uint64_t min, uint64_t max)
{
	int have_range = min <= max;
	double v;

	if (b >= HP_HIST_BUCKETS - 1)
		return have_range ? (double)max : (double)hp_hist_lower(b);
	if (b < HP_HIST_SUB)
		v = (double)b;
	else
		v = ((double)hp_hist_lower(b) + (double)hp_hist_upper(b)) / 2.0;
	if (have_range) {
		if (v < (double)min)
			v = (double)min;
		if (v > (double)max)
			v = (double)max;
	}
	return v;
}

double hp_hist_percentile(const uint64_t *counts, uint32_t nbuckets, uint64_t total, double pct,
			  uint64_t min, uint64_t max)
{
	uint64_t rank, seen = 0;
	uint32_t last = UINT32_MAX;
	double r;

	if (!counts || !total)
		return 0;
	if (nbuckets > HP_HIST_BUCKETS)
		nbuckets = HP_HIST_BUCKETS;
	if (!(pct > 0)) /* also NaN */
		pct = 0;
	if (pct > 100)
		pct = 100;
	/* pct / 100 * total is inexact (99.9 / 100 * 100000 is 99900.00000000001): forgive the
	 * last bits before rounding up, so a whole rank stays itself. */
	r = pct * (double)total / 100.0;
	r = ceil(r - r * 1e-12);
	rank = r < 1 ? 1 : r >= (double)total ? total : (uint64_t)r;
	for (uint32_t b = 0; b < nbuckets; b++) {
		if (!counts[b])
			continue;
		last = b;
		seen = counts[b] > UINT64_MAX - seen ? UINT64_MAX : seen + counts[b];
		if (seen >= rank)
			return bucket_value(b, min, max);
	}
	return last == UINT32_MAX ? 0 : bucket_value(last, min, max);
}
