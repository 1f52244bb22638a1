/* hist_pct.h - percentiles from a log-linear histogram (include/hp/hist.h): readers only */
#ifndef HP_HIST_PCT_H
#define HP_HIST_PCT_H

#include <stdint.h>

/* The `pct` percentile (0 < pct <= 100; values outside are clamped) of a histogram of `total`
 * samples: the bucket holding the sample of rank ceil(pct / 100 * total) (at least 1), reported
 * as the midpoint of its [lower, upper] range in histogram units. Buckets below HP_HIST_SUB hold
 * one value each, so small values are exact; elsewhere the error is at most 1/128 of the value.
 * When min <= max (the recorded extremes) the result is clamped to [min, max], and the last,
 * open-ended bucket reports max; without them (min > max) it reports its lower bound.
 * `counts` has `nbuckets` entries (at most HP_HIST_BUCKETS are used). When the counts hold
 * fewer than `total` samples, the highest non-empty bucket answers. Returns 0 when total is 0 or
 * every count is 0. Pure: no allocation, no I/O. */
double hp_hist_percentile(const uint64_t *counts, uint32_t nbuckets, uint64_t total, double pct,
			  uint64_t min, uint64_t max);

#endif
