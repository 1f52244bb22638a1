/* region_read.h - the readers' side of the region: map one read-only, validate it as untrusted
 * input, reach its rows with bounds checks, and find the regions of a session or a pid. */
#ifndef HP_REGION_READ_H
#define HP_REGION_READ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "hp/open_regular.h"
#include "hp/region.h"

struct hp_rregion {
	char path[256];
	const unsigned char *base;
	size_t size;
	const struct hp_region_header *h;
	double ns_per_tick; /* calibration, see hp_rregion_open */
};

/* Map `path` read-only and validate it: a regular file (a FIFO or device planted in /dev/shm is
 * refused without blocking), magic, layout version, sizes, every table inside the file, and an
 * owner this user may trust for the process the header names (hp_region_owner_ok). Returns 0,
 * or -errno / -EPROTO / -EBADMSG / -EPERM (untrusted owner) with err = one line saying what is
 * wrong ("/dev/shm/hotpath-1-2: layout version 7, this hotpath reads version 1"). */
int hp_rregion_open(const char *path, struct hp_rregion *r, char *err, size_t errlen);
/* The same checks on a buffer already in memory (used by the fuzzer and unit tests). */
int hp_rregion_check(const void *base, size_t size, char *err, size_t errlen);
void hp_rregion_close(struct hp_rregion *r);

/* Rows of a table that a reader may look at: min(claimed, capacity). */
uint32_t hp_rregion_rows(const struct hp_rregion *r, int table);
/* Row i, or NULL when out of range. */
const void *hp_rregion_row(const struct hp_rregion *r, int table, uint32_t i);

/* Bucket b's count in function row f (its HP_T_HIST chunk, bounds-checked): 0 when the row
 * has no chunk there (no call fell in that octave, or the chunk table was full). */
static inline uint64_t hp_rregion_hist(const struct hp_rregion *r, const struct hp_fstat *f,
				       uint32_t b)
{
	if (b >= HP_HIST_BUCKETS)
		return 0;
	uint32_t c = __atomic_load_n(&f->hist_chunk[b / HP_HIST_CHUNK], __ATOMIC_ACQUIRE);
	const struct hp_hist_chunk *k = c ? hp_rregion_row(r, HP_T_HIST, c - 1) : NULL;
	return k ? k->count[b % HP_HIST_CHUNK] : 0;
}

/* Ticks to ns with the region's calibration. */
static inline double hp_rregion_ns(const struct hp_rregion *r, uint64_t ticks)
{
	return (double)ticks * r->ns_per_tick;
}

/* May this user believe a region file with owner st->st_uid that names process `pid`
 * (`start_ticks`: its start time, 0 = unknown)? Yes when the file is the user's own and, for a
 * user other than root, the process (if it still runs) is the user's too; for root also when
 * the process runs and the file's owner is that process's real or effective uid. Another
 * user's file naming your process is a spoof. */
int hp_region_owner_ok(const struct stat *st, int pid, uint64_t start_ticks);

/* Region files under /dev/shm, newest first. With session != 0 only that session's; with
 * pid > 0 only that pid's. Only regular files whose owner may be trusted for the pid in
 * their name are listed (see hp_region_owner_ok); hp_region_list_any lists every name (for
 * `hotpath clean`, which opens each with hp_rregion_open, and for saying why a pid's region
 * is not shown). Returns the count (paths malloc'd, free with hp_paths_free) or
 * -errno. */
int hp_region_list(uint64_t session, int pid, char ***paths);
int hp_region_list_any(int pid, char ***paths);
void hp_paths_free(char **paths, int n);

/* Is the process that wrote this region still alive (same pid and start time)? */
int hp_region_writer_alive(const struct hp_region_header *h);

#endif
