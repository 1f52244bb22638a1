/* report_prom.h - report models as Prometheus text exposition (0.0.4) or OpenMetrics 1.0: the
 * /metrics page of `hotpath serve`. Metric names and labels are listed in docs/serve.md.
 *
 * Every sample of one metric family must come together, across all processes, so the renderer
 * keeps a compact copy of each model (labels escaped once, counters, histogram buckets
 * already cumulated: about 200 bytes a function) and lets the caller free the model; the text
 * is then produced in blocks of one family for one process, pulled with hp_prom_read, so the
 * whole page never sits in memory. */
#ifndef HP_REPORT_PROM_H
#define HP_REPORT_PROM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "report.h"

#define HP_PROM_MAX_BUCKETS 32

struct hp_prom_opts {
	int openmetrics; /* 1: OpenMetrics 1.0 (ends with "# EOF"), 0: Prometheus text 0.0.4 */
	/* Upper bounds of the duration histogram buckets, seconds, ascending (+Inf is implied). */
	double buckets_s[HP_PROM_MAX_BUCKETS];
	int nbuckets;
};

/* The server's own numbers, shown as hotpath_serve_* metrics. */
struct hp_prom_serve_stats {
	uint64_t region_errors; /* regions that could not be read (gone, truncated, bad), ever */
	uint64_t scrapes;	/* /metrics requests answered, this one included */
};

struct hp_prom;

/* NULL when out of memory. */
struct hp_prom *hp_prom_new(const struct hp_prom_opts *o);
/* Copy what the exposition needs from `p` (not its children: add them one by one). Call
 * hp_proc_finish first or not: order does not matter. 0 or -ENOMEM. */
int hp_prom_add(struct hp_prom *m, const struct hp_proc *p);
void hp_prom_set_stats(struct hp_prom *m, const struct hp_prom_serve_stats *s);

/* A process's functions as the page shows them (labels escaped and made unique, counters,
 * buckets cumulated at o's bounds), shared by reference: hotpath serve keeps one per region
 * between scrapes, and each page being sent holds one. NULL when out of memory. */
struct hp_prom_fns;
struct hp_prom_fns *hp_prom_fns_new(const struct hp_prom_opts *o, const struct hp_proc *p);
struct hp_prom_fns *hp_prom_fns_get(struct hp_prom_fns *f); /* one more reference */
void hp_prom_fns_put(struct hp_prom_fns *f);		    /* one less; freed at none */
size_t hp_prom_fns_count(const struct hp_prom_fns *f);
/* The counters and buckets of function i from row r (its name is not looked at). When *pf is
 * shared, it is copied first and *pf becomes the copy (the caller's reference moves to it):
 * whoever takes references must hold them under the lock that serializes the changes.
 * 0, -EINVAL (no row i) or -ENOMEM. */
int hp_prom_fns_set(struct hp_prom_fns **pf, size_t i, const struct hp_fn_row *r);
/* hp_prom_add with the functions from f (a reference taken), the rest from p; -EINVAL when f
 * was made with other bucket bounds. */
int hp_prom_add_fns(struct hp_prom *m, const struct hp_proc *p, struct hp_prom_fns *f);
/* Up to `max` more bytes of the page into `out`: the count, 0 at the end, -ENOMEM. */
ssize_t hp_prom_read(struct hp_prom *m, char *out, size_t max);
void hp_prom_free(struct hp_prom *m);

/* "text/plain; version=0.0.4; charset=utf-8" or the OpenMetrics content type. */
const char *hp_prom_content_type(int openmetrics);
/* Does an Accept header ask for OpenMetrics (application/openmetrics-text, q > 0)? */
int hp_prom_wants_openmetrics(const char *accept);
/* Parse "0.001,0.01,0.1,1" (seconds, ascending, positive) into o. 0 or -1 with err. */
int hp_prom_parse_buckets(const char *list, struct hp_prom_opts *o, char *err, size_t errlen);

#endif
