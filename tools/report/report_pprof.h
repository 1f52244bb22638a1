/* report_pprof.h - the report model as a pprof profile (profile.proto, gzip-compressed): what
 * `hotpath run/report --format pprof` write and what `hotpath serve` answers on /debug/pprof/.
 * Conventions (sample types, labels, what a sample's stack is) are in docs/serve.md. */
#ifndef HP_REPORT_PPROF_H
#define HP_REPORT_PPROF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

/* What a profile holds; a profile holds every kind the model has data for among those asked. */
enum hp_pprof_what {
	/* calls/count and wall/nanoseconds of timed functions: the calling-context tree when the
	 * model has one, else each function row as a one-frame sample (wall = its inclusive
	 * total, so totals of nested functions overlap; docs/serve.md) */
	HP_PPROF_WALL = 1u << 0,
	HP_PPROF_CPU = 1u << 1,	 /* CPU samples (issue 15), when the model has them */
	HP_PPROF_HEAP = 1u << 2, /* allocation stacks (issue 16), when the model has them */
	HP_PPROF_ALL = HP_PPROF_WALL | HP_PPROF_CPU | HP_PPROF_HEAP,
};

/* Encode `p` and its children (every sample labelled with its process's pid) as a gzipped
 * profile in a malloc'd buffer. duration_ns, when non-zero, is the profile's duration (else the
 * top process's wall time). Returns 0, -ENOMEM, or -ENODATA when the model holds nothing of
 * `what` (err then says why, one line: "no CPU samples: ..."). */
int hp_pprof_encode(const struct hp_proc *p, unsigned what, uint64_t duration_ns,
		    unsigned char **out, size_t *len, char *err, size_t errlen);

/* Why the model cannot give `what` (one line), or NULL when it can. */
const char *hp_pprof_missing(const struct hp_proc *p, unsigned what);

/* hp_report_render's pprof format: everything the model has, to `f`. 0, -EIO or -ENOMEM. */
int hp_pprof_write(FILE *f, const struct hp_proc *p);

/* gzip (RFC 1952) of `in`, malloc'd, with zlib; level 1..9. 0 or -ENOMEM. */
int hp_gzip(const void *in, size_t len, int level, unsigned char **out, size_t *outlen);

#endif
