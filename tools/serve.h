/* serve.h - `hotpath serve` and `hotpath run --serve`: an HTTP server (libmicrohttpd) that reads
 * the live regions of the user's profiled processes, read-only, and serves /metrics, pprof
 * profiles, the JSON report and an index (docs/serve.md). serve.c gathers the models,
 * serve_http.c answers the requests. */
#ifndef HP_SERVE_H
#define HP_SERVE_H

#include <pthread.h>
#include <stdint.h>

#include "tools/region/region_fgroups.h"
#include "tools/report/report.h"
#include "tools/report/report_prom.h"

#define HP_SERVE_DEFAULT_PORT 9478

struct hp_serve_opts {
	char listen[256]; /* ADDR:PORT, [V6]:PORT or :PORT */
	int allow_remote; /* a non-loopback address is refused unless set */
	int pid;	  /* > 0: only this process */
	uint64_t session; /* != 0: only the regions of this `hotpath run` (run --serve) */
	unsigned max_connections;
	unsigned timeout_s; /* an idle connection is closed after this */
	struct hp_prom_opts prom;
	double pcts[HP_MAX_PCTS]; /* of /api/report */
	int npcts;
	/* HOTPATH_SERVE_READ_DELAY_MS, for the tests: sleep this long between mapping a region and
	 * reading it, so that a test can truncate it in between. */
	unsigned read_delay_ms;
};

struct hp_symbolizer;
struct MHD_Daemon;

/* A region the server keeps mapped, with what /metrics showed of it at the last scrape (the
 * cache, docs/serve.md): its function rows merged and named, and the page's copy of them.
 * Both go with the mapping: when the file is gone, its process is no longer shown (a pid
 * reused by a new process has a new region file), or it faulted. */
struct hp_serve_region {
	struct hp_rregion r;
	struct hp_fgroups fg;
	struct hp_prom_fns *fns; /* NULL until the first /metrics read (fg is empty then) */
};

struct hp_server {
	struct hp_serve_opts o;
	struct MHD_Daemon *mhd;
	unsigned port; /* the one bound (useful with port 0) */
	char url[300]; /* http://ADDR:PORT */
	/* Region reads and the symbolizer (not thread-safe) are serialized by this lock; the
	 * pages are rendered outside it. */
	pthread_mutex_t read_lock;
	struct hp_symbolizer *sym;
	/* Regions stay mapped from one page to the next (under read_lock): a fresh mapping costs a
	 * page fault per row touched and a TLB shootdown at munmap, most of a scrape's time; a
	 * fixed mapping also keeps each region's tick calibration, so counters never step back.
	 * Dropped when the file is gone, its process is no longer shown, or it faulted. */
	struct hp_serve_region *maps;
	size_t nmaps, capmaps;
	uint64_t region_errors; /* atomics */
	uint64_t scrapes;
	uint64_t renamed; /* regions whose functions /metrics named (again): a new function */
};

/* What hp_serve_collect builds (its `want` argument): 0 the whole model, sorted as a report is. */
enum {
	HP_COLLECT_LINES = 1 << 0,    /* file:line of functions and sites */
	HP_COLLECT_COUNTERS = 1 << 1, /* counters only (/metrics, the index): the model without
				       * function rows, call tree, CPU samples, allocation stacks or
				       * patch records; the functions as the page shows them, from
				       * the cache */
	HP_COLLECT_HEADER = 1 << 2,   /* the header only: pid, command line, state */
};

/* Each readable region that the options select (live processes; all of a session), as a model:
 * fn(model, fns, arg) for each, the model freed after; fns is the process's functions as
 * /metrics shows them with HP_COLLECT_COUNTERS (a reference that fn may take another of with
 * hp_prom_add_fns), else NULL. want: HP_COLLECT_* bits. A region that vanishes, is truncated
 * (SIGBUS) or is invalid while read is skipped and counted in region_errors. Returns the
 * number of processes given to fn. */
int hp_serve_collect(struct hp_server *s, int pid, int want,
		     void (*fn)(struct hp_proc *p, struct hp_prom_fns *fns, void *arg), void *arg);

/* Check the address (loopback unless allow_remote; a warning when it is not) and start the
 * server threads. Returns 0, or -1 with err = one line. */
int hp_serve_start(struct hp_server *s, const struct hp_serve_opts *o, char *err, size_t errlen);
void hp_serve_stop(struct hp_server *s);

/* serve_http.c: the daemon and its pages. */
int hp_serve_http_start(struct hp_server *s, const void *addr, unsigned addrlen, int v6, char *err,
			size_t errlen);
void hp_serve_http_stop(struct hp_server *s);

/* run --serve (run.c): options from the settings, the run's session only. */
struct hp_settings;
int hp_serve_opts_from_settings(struct hp_serve_opts *o, const struct hp_settings *st,
				const char *listen, char *err, size_t errlen);

#endif
