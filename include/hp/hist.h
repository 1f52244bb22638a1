/* hist.h - log-linear histogram of durations: bucket arithmetic shared by writer and readers
 *
 * Values below 2^HP_HIST_SUB_BITS land in their own exact bucket. Above that, each power of two
 * [2^o, 2^(o+1)) is split into 2^HP_HIST_SUB_BITS equal sub-buckets, so a bucket's width is at
 * most 1/64 of its lower bound; reporting the midpoint keeps the relative error at most 1/128
 * (0.78%). Values at or above 2^(HP_HIST_MAX_OCTAVE+1) share the last bucket; readers clamp any
 * percentile there to the recorded maximum. Units are whatever the caller records (the preload
 * library records TSC ticks; readers convert bucket bounds to ns). */
#ifndef HP_HIST_H
#define HP_HIST_H

#include <stdint.h>

#define HP_HIST_SUB_BITS 6
#define HP_HIST_SUB (1u << HP_HIST_SUB_BITS)
#define HP_HIST_MAX_OCTAVE 39 /* 2^40 ticks: about 7 minutes at 2.5 GHz */
#define HP_HIST_BUCKETS (HP_HIST_SUB * (HP_HIST_MAX_OCTAVE - HP_HIST_SUB_BITS + 2))

/* Bucket index of a value. Branch-light: one clz on the hot path. */
static inline uint32_t hp_hist_bucket(uint64_t v)
{
	if (v < HP_HIST_SUB)
		return (uint32_t)v;
	uint32_t o = 63u - (uint32_t)__builtin_clzll(v); /* o >= HP_HIST_SUB_BITS */
	if (o > HP_HIST_MAX_OCTAVE)
		return HP_HIST_BUCKETS - 1;
	uint32_t sub = (uint32_t)(v >> (o - HP_HIST_SUB_BITS)) & (HP_HIST_SUB - 1);
	return (o - HP_HIST_SUB_BITS + 1) * HP_HIST_SUB + sub;
}

/* Smallest value that lands in bucket b. */
static inline uint64_t hp_hist_lower(uint32_t b)
{
	if (b < HP_HIST_SUB)
		return b;
	uint32_t o = b / HP_HIST_SUB - 1 + HP_HIST_SUB_BITS;
	uint64_t sub = b % HP_HIST_SUB;
	return (1ull << o) + (sub << (o - HP_HIST_SUB_BITS));
}

/* Largest value that lands in bucket b (the last bucket is open-ended: UINT64_MAX). */
static inline uint64_t hp_hist_upper(uint32_t b)
{
	if (b + 1 >= HP_HIST_BUCKETS)
		return UINT64_MAX;
	return hp_hist_lower(b + 1) - 1;
}

#endif
