/* compare.h - what tools/compare.c (loading, matching, medians) and tools/compare_out.c (table,
 * Markdown, JSON) share. */
#ifndef HP_COMPARE_H
#define HP_COMPARE_H

#include <stddef.h>

#include "tools/report/report.h"

/* The figures of a row. M_LOCK_WAIT belongs to lock rows ("lock <label>"), the others to
 * functions; a figure a row does not have is NAN. */
enum { M_CALLS, M_AVG, M_PCT, M_TOTAL, M_BYTES, M_ALLOCS, M_LOCK_WAIT, M_SELF, NM };
enum { ST_REGRESSED, ST_IMPROVED, ST_SPREAD, ST_NEW, ST_GONE, ST_SAME };
enum { OUT_TABLE, OUT_JSON, OUT_MARKDOWN };
#define HP_CMP_EXIT_REGRESSION 3

struct hp_cmp_opts {
	double pct;	  /* the percentile column */
	int gate;	  /* the metric that decides regressed / improved (any M_*) */
	double threshold; /* % */
	double fail_pct;  /* % or < 0 when not asked */
	size_t runs;	  /* the newest N runs of each side, 0 = all */
	size_t limit;	  /* rows, 0 = all (regressions always show) */
	int format;
	const char *db;
};

/* One side: the runs it names. */
struct hp_cmp_side {
	const char *spec;
	struct hp_proc *runs;
	size_t n;
	char **names; /* "#12" or a file name, per run */
};

/* One function in one run: its figures after merging same-named rows of that run. */
struct hp_cmp_rec {
	char *key;
	int side;
	double v[NM];
};

/* One function across both sides. */
struct hp_cmp_row {
	const char *key;
	int n[2];		       /* runs of base / head that have it */
	double med[2][NM], mad[2][NM]; /* median over runs, median absolute deviation */
	double change[NM];	       /* head vs base, % (NAN: not comparable) */
	int mark[NM];		       /* +1 / -1: the change passes the threshold */
	int spread;		       /* the gate metric's change is within the runs' spread */
	int status;
};

/* JSON key of each figure (the percentile's is built from opts.pct). */
extern const char *const hp_compare_metric_key[NM];

struct hp_cmp_layout {
	int show[NM];
	char pct_name[40];
	const char *gate_name;
};

void hp_compare_print_table(const struct hp_cmp_row *rows, size_t n, const struct hp_cmp_layout *l,
			    const struct hp_cmp_opts *o, const struct hp_cmp_side *sd);
void hp_compare_print_markdown(const struct hp_cmp_row *rows, size_t n,
			       const struct hp_cmp_layout *l, const struct hp_cmp_opts *o,
			       const struct hp_cmp_side *sd);
int hp_compare_print_json(const struct hp_cmp_row *rows, size_t n, const struct hp_cmp_layout *l,
			  const struct hp_cmp_opts *o, const struct hp_cmp_side *sd);

#endif
