/* report_flow.h - the data-flow and concurrency part of the report model: channels (pipes,
 * FIFOs, message queues, socketpairs, eventfds), locks, I/O per fd kind, and the threads table.
 * Built from a region or a saved report, rendered as tables and JSON (docs/dataflow.md). */
#ifndef HP_REPORT_FLOW_H
#define HP_REPORT_FLOW_H

#include <stdint.h>
#include <stdio.h>

#include "report.h"

struct hp_rregion;
struct hp_symbolizer;
struct hp_jw;
struct hp_json;

/* One channel. Direction "in" is data taken out (read, recv, mq_receive), "out" data put in. */
struct hp_chan_row {
	int kind;    /* HP_CHAN_* */
	char *label; /* "pipe @ worker (pool.c:88)", "pipe:[1234] (inherited)", "/jobs" */
	char *site;  /* symbolized creating call, NULL when inherited */
	int fd[2];   /* read end / write end as first seen, -1 when none */
	uint64_t capacity; /* bytes (pipe, socketpair) or messages (mqueue), 0 when unknown */
	uint64_t messages_in, messages_out, bytes_in, bytes_out;
	uint64_t blocked_in_ns, blocked_out_ns; /* time inside the calls */
	uint64_t max_in, max_out;		/* largest single transfer, bytes */
	uint64_t queued_max; /* bytes (messages for a queue); in-process channels only */
	int64_t queued_now;  /* sampled from /proc by a live reader, -1 when unknown */
	uint32_t state;	     /* HP_CHST_* */
	int64_t created_ns, closed_ns; /* from the process start; closed 0 while open */
	double lifetime_ns;	       /* created to closed, or to the end of the process */
};

struct hp_lock_row {
	int kind;    /* HP_LOCK_* */
	char *label; /* "mutex @ worker (pool.c:91)" */
	uint64_t addr;
	uint64_t acquisitions, contended;
	uint64_t wait_ns, max_wait_ns; /* blocking acquisitions; for a cond, max over its waits */
	uint64_t hold_ns, max_hold_ns;
	uint64_t cond_waits, cond_wait_ns, cond_signals;
};

/* Read/write totals on fds that are not channels, per kind. */
struct hp_io_row {
	int kind; /* HP_IO_* */
	uint64_t reads, writes; /* calls that moved data */
	uint64_t read_bytes, write_bytes;
	uint64_t read_blocked_ns, write_blocked_ns;
	uint64_t max_read, max_write;
};

/* Report sections a user switched off (settings channels, locks, threads). */
enum { HP_FLOW_HIDE_CHANNELS = 1u << 0, HP_FLOW_HIDE_LOCKS = 1u << 1, HP_FLOW_HIDE_THREADS = 1u << 2 };

/* Fill p->chans, p->locks, p->io from the region (sites symbolized with `sym`, file:line when
 * want_lines), and the CPU time of threads still running from /proc. Returns 0 or -ENOMEM. */
int hp_flow_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			struct hp_proc *p);
/* Tables after the function and memory tables: channels, locks, I/O, threads. -ENOMEM or 0. */
int hp_flow_print(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o);
/* The "channels", "locks" and "io" members of one process object (report_flow_json.c). */
void hp_flow_json(struct hp_jw *w, const struct hp_proc *p);
/* The same members from a saved report: absent members are empty (older reports); values of the
 * wrong type read as 0. Returns 0 or -ENOMEM. */
int hp_flow_from_json(const struct hp_json *proc, struct hp_proc *p);
void hp_flow_free(struct hp_proc *p);
/* Set the hidden sections on p and its children. */
void hp_flow_hide(struct hp_proc *p, unsigned bits);

/* "open", "reader closed", "writer closed" or "closed", with ", was full" when it was. */
void hp_chan_state_str(char *buf, size_t size, const struct hp_chan_row *c);
const char *hp_chan_kind_name(int kind);
const char *hp_lock_kind_name(int kind);
const char *hp_io_kind_name(int kind);

#endif
