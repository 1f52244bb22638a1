/* region_fgroups.h - a region's function rows merged per function, and kept between reads.
 *
 * A function has one row per thread that called it; the rows with one address in one module
 * generation are a group, which is a function row of the model. hp_proc_from_region reads a
 * region once. A reader that reads a live region again and again (hotpath serve's /metrics,
 * 100,000 rows a scrape) keeps its hp_fgroups between reads of the same mapping: a scan then
 * sums again only the groups with a row whose counters changed since the last scan, and the
 * names of known functions are not looked up again (docs/serve.md, "The cache"). */
#ifndef HP_REGION_FGROUPS_H
#define HP_REGION_FGROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "tools/region/region_read.h"

/* One function: what tells it apart, and its name once the model has looked it up. */
struct hp_fgroup {
	uint64_t addr;
	const struct hp_module_rec *module; /* its generation, in the mapping; NULL when none */
	uint32_t epoch;			    /* of its first row: the name is looked up there */
	int kind;			    /* of its first row */
	uint32_t name; /* in names: symbolized without file:line; UINT32_MAX until known */
};

/* A changed group's counters, summed over its rows by the last scan; times in ticks. */
struct hp_fgroup_sum {
	uint64_t calls, completed, sum, total, self, min, max;
	struct hp_alloc_counts alloc;
	uint64_t *hist; /* buckets [blo, bhi) of the log-linear histogram (in hp_fgroups.hist) */
	uint32_t blo, bhi;
};

struct hp_fgroups {
	struct hp_fgroup *g; /* in the order of their first row (the model's order) */
	size_t ng, capg;
	int32_t *index; /* open addressing over g by (addr, module); -1 free */
	size_t icap;
	/* By region row: its group (-1 while it has no address), a hash of its counters at the
	 * last scan, and whether they changed then. A changed row is summed once more at the
	 * next scan: the writer's stores to a row reach us in no set order, so a read just after
	 * a call may have missed one (a histogram count, a max). */
	int32_t *row_group;
	uint64_t *row_sig;
	uint8_t *row_recent;
	uint32_t nrows, caprows;
	/* The last scan: the groups to read again (ascending) and their sums. */
	uint32_t *changed;
	struct hp_fgroup_sum *sums;
	size_t nchanged;
	uint64_t *hist;		/* the sums' histograms, back to back */
	int32_t *slot;		/* by group: its index in changed, or -1 */
	uint64_t main_total_ns; /* main()'s time once it returned (the model sets it), else 0 */
	int keep_names; /* set by a reader that scans again: the model keeps names in `names` */
	char *names;	/* NUL-terminated, one after the other */
	size_t nlen, ncap;
};

/* An empty set: the first scan finds every function new. */
void hp_fgroups_init(struct hp_fgroups *fg);
void hp_fgroups_free(struct hp_fgroups *fg);

/* Read the function rows of `r`, always the same mapping (its module rows are pointed at).
 * Returns how many functions appeared since the last scan, and then lists every group as
 * changed (names and their disambiguation must be built again); 0 when none appeared (only the
 * groups with a changed row are listed);
 * -errno, after which only hp_fgroups_free may be called. A region whose rows went back or
 * changed address (not the writer's doing) is read as new. */
int hp_fgroups_scan(struct hp_fgroups *fg, const struct hp_rregion *r);
/* Free the last scan's sums (the next scan does it too). */
void hp_fgroups_release(struct hp_fgroups *fg);
/* Group i's name, when kept; NULL else. */
const char *hp_fgroup_name(const struct hp_fgroups *fg, size_t i);
/* Keep `name` as group i's; -ENOMEM. */
int hp_fgroup_set_name(struct hp_fgroups *fg, size_t i, const char *name);

#endif
