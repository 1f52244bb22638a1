/* report_flow.c - the channels, locks, I/O and threads tables, after the function and memory
 * tables. The model comes from tools/region/region_flow.c; JSON is report_flow_json.c
 * (docs/dataflow.md). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hp/region.h"
#include "report_flow.h"
#include "textfmt.h"

#define LABEL_COLS 48

/* ---- tables ---- */

#define MAXC 10
#define CELL 256

struct ftable {
	int ncols;
	const char *hdr[MAXC];
	size_t nrows;
	char (*cells)[MAXC][CELL]; /* nrows rows */
};

static void ftable_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct ftable *t = ctx;
	snprintf(buf, size, "%s", t->cells[row][col]);
}

/* The flow tables through the shared printer (textfmt.c). */
static void ftable_print(FILE *f, const struct ftable *t)
{
	struct hp_textable tt = {.ncols = t->ncols,
				 .nrows = t->nrows,
				 .cell = ftable_cell,
				 .ctx = t};
	for (int c = 0; c < t->ncols; c++)
		tt.hdr[c] = t->hdr[c];
	hp_textable_print(f, &tt);
}

static void ns_cell(char *buf, uint64_t ns)
{
	hp_fmt_ns(buf, CELL, (double)ns);
}

void hp_chan_state_str(char *buf, size_t size, const struct hp_chan_row *c)
{
	const char *s = c->closed_ns ? "closed"
			: (c->state & HP_CHST_READER_CLOSED) && (c->state & HP_CHST_WRITER_CLOSED)
				? "closed"
			: c->state & HP_CHST_READER_CLOSED ? "reader closed"
			: c->state & HP_CHST_WRITER_CLOSED ? "writer closed"
							   : "open";
	snprintf(buf, size, "%s%s", s, c->state & HP_CHST_FULL ? ", was full" : "");
}

static size_t shown(size_t n, const struct hp_report_opts *o)
{
	return o && o->limit > 0 && n > (size_t)o->limit ? (size_t)o->limit : n;
}

static int by_chan_bytes(const void *a, const void *b, void *proc)
{
	const struct hp_chan_row *x = &((const struct hp_proc *)proc)->chans[*(const size_t *)a];
	const struct hp_chan_row *y = &((const struct hp_proc *)proc)->chans[*(const size_t *)b];
	uint64_t bx = x->bytes_in + x->bytes_out, by = y->bytes_in + y->bytes_out;
	if (bx != by)
		return bx > by ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int by_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* The n channels to show: all in creation order, or when --limit cuts, the n that moved the
 * most bytes (the section's own measure), still in creation order. Malloc'd, NULL on ENOMEM. */
static size_t *top_channels(const struct hp_proc *p, size_t n)
{
	size_t *idx = malloc((p->nchans ? p->nchans : 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	for (size_t i = 0; i < p->nchans; i++)
		idx[i] = i;
	if (n < p->nchans) {
		qsort_r(idx, p->nchans, sizeof(*idx), by_chan_bytes, (void *)p);
		qsort(idx, n, sizeof(*idx), by_index);
	}
	return idx;
}

static int print_channels(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o)
{
	struct ftable t = {.ncols = 8,
			   .hdr = {"Channel", "Kind", "Capacity", "Msgs in/out", "Bytes in/out",
				   "Queued max", "Blocked", "State"}};
	t.nrows = shown(p->nchans, o);
	t.cells = calloc(t.nrows ? t.nrows : 1, sizeof(*t.cells));
	size_t *pick = top_channels(p, t.nrows);
	if (!t.cells || !pick) {
		free(t.cells);
		free(pick);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t.nrows; i++) {
		const struct hp_chan_row *c = &p->chans[pick[i]];
		char(*row)[CELL] = t.cells[i], a[64], b[64];
		hp_fit_cols(row[0], CELL, c->label ? c->label : "?", LABEL_COLS);
		snprintf(row[1], CELL, "%s", hp_chan_kind_name(c->kind));
		if (!c->capacity)
			snprintf(row[2], CELL, "-");
		else if (c->kind == HP_CHAN_MQUEUE)
			snprintf(row[2], CELL, "%" PRIu64 " msgs", c->capacity);
		else
			hp_fmt_bytes(row[2], CELL, (double)c->capacity);
		snprintf(row[3], CELL, "%" PRIu64 " / %" PRIu64, c->messages_in, c->messages_out);
		hp_fmt_bytes(a, sizeof(a), (double)c->bytes_in);
		hp_fmt_bytes(b, sizeof(b), (double)c->bytes_out);
		snprintf(row[4], CELL, "%s / %s", a, b);
		if (c->kind == HP_CHAN_EVENTFD || (!c->queued_max && c->site == NULL))
			snprintf(row[5], CELL, "-");
		else if (c->kind == HP_CHAN_MQUEUE)
			snprintf(row[5], CELL, "%" PRIu64 " msgs", c->queued_max);
		else
			hp_fmt_bytes(row[5], CELL, (double)c->queued_max);
		ns_cell(row[6], c->blocked_in_ns + c->blocked_out_ns);
		hp_chan_state_str(row[7], CELL, c);
	}
	fputs("\n[hotpath] channels - Messages through pipes, queues and sockets.\n", f);
	ftable_print(f, &t);
	if (t.nrows < p->nchans)
		fprintf(f,
			"(showing %zu of %zu channels, those that moved the most bytes; --limit 0 shows all)\n",
			t.nrows, p->nchans);
	free(pick);
	free(t.cells);
	return 0;
}

/* Under the locks table: how the hold times were measured, when only some holds were. */
static void print_hold_note(FILE *f, const struct hp_proc *p)
{
	uint64_t holds = 0, timed = 0;
	for (size_t i = 0; i < p->nlocks; i++) {
		holds += p->locks[i].holds;
		timed += p->locks[i].holds_timed;
	}
	if (p->lock_hold_every > 1 && holds)
		fprintf(f,
			"Hold times sampled: 1 in %" PRIu32 " holds of each lock timed (%" PRIu64
			" of %" PRIu64 "); Hold total is estimated from them, Hold max is the "
			"longest of them (--lock-hold=all times every hold).\n",
			p->lock_hold_every, timed, holds);
}

static int print_locks(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o)
{
	struct ftable t = {.ncols = 8,
			   .hdr = {"Lock", "Acquisitions", "Contended", "Wait total", "Wait max",
				   "Hold total", "Hold max", "Cond waits"}};
	int hold = !(p->modes & HP_MODE_NO_HOLD);
	t.nrows = shown(p->nlocks, o);
	t.cells = calloc(t.nrows ? t.nrows : 1, sizeof(*t.cells));
	if (!t.cells)
		return -ENOMEM;
	for (size_t i = 0; i < t.nrows; i++) {
		const struct hp_lock_row *l = &p->locks[i];
		char(*row)[CELL] = t.cells[i];
		int cond = l->kind == HP_LOCK_COND;
		hp_fit_cols(row[0], CELL, l->label ? l->label : "?", LABEL_COLS);
		if (cond) {
			snprintf(row[1], CELL, "-");
			snprintf(row[2], CELL, "-");
			ns_cell(row[3], l->cond_wait_ns);
		} else {
			snprintf(row[1], CELL, "%" PRIu64, l->acquisitions);
			snprintf(row[2], CELL, "%" PRIu64, l->contended);
			ns_cell(row[3], l->wait_ns);
		}
		ns_cell(row[4], l->max_wait_ns);
		if (l->kind == HP_LOCK_SEM) {
			/* no owner, no hold time; the last column counts sem_post */
			snprintf(row[5], CELL, "-");
			snprintf(row[6], CELL, "-");
		} else if (cond || !hold || l->kind == HP_LOCK_RWLOCK) {
			/* rwlocks: only write holds are timed; shown when there were some */
			if (l->kind == HP_LOCK_RWLOCK && hold && l->hold_ns) {
				ns_cell(row[5], l->hold_ns);
				ns_cell(row[6], l->max_hold_ns);
			} else {
				snprintf(row[5], CELL, "-");
				snprintf(row[6], CELL, "-");
			}
		} else {
			ns_cell(row[5], l->hold_ns);
			ns_cell(row[6], l->max_hold_ns);
		}
		if (cond)
			snprintf(row[7], CELL, "%" PRIu64 " (%" PRIu64 " signals)", l->cond_waits,
				 l->cond_signals);
		else if (l->kind == HP_LOCK_SEM)
			snprintf(row[7], CELL, "%" PRIu64 " posts", l->cond_signals);
		else
			snprintf(row[7], CELL, "-");
	}
	fputs("\n[hotpath] locks - Lock contention, by total wait.\n", f);
	ftable_print(f, &t);
	if (t.nrows < p->nlocks)
		fprintf(f, "(showing %zu of %zu locks; --limit 0 shows all)\n", t.nrows, p->nlocks);
	print_hold_note(f, p);
	free(t.cells);
	return 0;
}

static int print_io(FILE *f, const struct hp_proc *p)
{
	struct ftable t = {.ncols = 5,
			   .hdr = {"I/O on", "Reads", "Writes", "Bytes read/written", "Blocked"}};
	t.nrows = p->nio;
	t.cells = calloc(t.nrows ? t.nrows : 1, sizeof(*t.cells));
	if (!t.cells)
		return -ENOMEM;
	for (size_t i = 0; i < t.nrows; i++) {
		const struct hp_io_row *x = &p->io[i];
		char(*row)[CELL] = t.cells[i], a[64], b[64];
		snprintf(row[0], CELL, "%s", hp_io_kind_name(x->kind));
		snprintf(row[1], CELL, "%" PRIu64, x->reads);
		snprintf(row[2], CELL, "%" PRIu64, x->writes);
		hp_fmt_bytes(a, sizeof(a), (double)x->read_bytes);
		hp_fmt_bytes(b, sizeof(b), (double)x->write_bytes);
		snprintf(row[3], CELL, "%s / %s", a, b);
		ns_cell(row[4], x->read_blocked_ns + x->write_blocked_ns);
	}
	fputs("\n[hotpath] io - Time inside read/write calls on other fds, by kind.\n", f);
	ftable_print(f, &t);
	free(t.cells);
	return 0;
}

static int print_threads(FILE *f, const struct hp_proc *p)
{
	struct ftable t = {.ncols = 6,
			   .hdr = {"Thread", "TID", "CPU user/sys", "Blocked", "Alloc/Free",
				   "Lifetime"}};
	t.nrows = p->nthreads;
	t.cells = calloc(t.nrows ? t.nrows : 1, sizeof(*t.cells));
	if (!t.cells)
		return -ENOMEM;
	for (size_t i = 0; i < t.nrows; i++) {
		const struct hp_thread_row *x = &p->threads[i];
		char(*row)[CELL] = t.cells[i], a[64], b[64], name[CELL];
		snprintf(name, sizeof(name), "%s%s%s%s", x->name ? x->name : "?",
			 x->start_routine ? " (" : "", x->start_routine ? x->start_routine : "",
			 x->start_routine ? ")" : "");
		hp_fit_cols(row[0], CELL, name, LABEL_COLS);
		snprintf(row[1], CELL, "%d", x->tid);
		hp_fmt_ns(a, sizeof(a), (double)x->cpu_user_ns);
		hp_fmt_ns(b, sizeof(b), (double)x->cpu_sys_ns);
		snprintf(row[2], CELL, "%s / %s", a, b);
		ns_cell(row[3], x->lock_wait_ns + x->io_block_ns);
		if (x->alloc_count || x->free_count) {
			hp_fmt_bytes(a, sizeof(a), (double)x->alloc_bytes);
			hp_fmt_bytes(b, sizeof(b), (double)x->free_bytes);
			snprintf(row[4], CELL, "%s / %s", a, b);
		} else {
			snprintf(row[4], CELL, "-");
		}
		if (x->running) {
			snprintf(row[5], CELL, "running");
		} else {
			hp_fmt_ns(a, sizeof(a),
				  x->end_ns > x->start_ns ? (double)x->end_ns - (double)x->start_ns
							  : 0);
			snprintf(row[5], CELL, "%s", a);
		}
	}
	fputs("\n[hotpath] threads - CPU and blocked time per thread.\n", f);
	ftable_print(f, &t);
	free(t.cells);
	for (size_t i = 0; i < p->nthreads; i++) {
		const struct hp_thread_row *x = &p->threads[i];
		char a[64];
		if (!x->waiting_ns || !x->waiting_on)
			continue;
		hp_fmt_ns(a, sizeof(a), (double)x->waiting_ns);
		fprintf(f, "%s (%d) %s blocked for %s (counted above): %s\n",
			x->name ? x->name : "?", x->tid,
			p->state == HP_PS_RUNNING ? "is" : "was still, at exit,", a, x->waiting_on);
	}
	return 0;
}

int hp_flow_print(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o)
{
	int flow = (p->modes & (HP_MODE_CHANNELS | HP_MODE_LOCKS)) || p->nchans || p->nlocks;
	if (p->nchans && !(p->flow_hide & HP_FLOW_HIDE_CHANNELS) && print_channels(f, p, o) < 0)
		return -ENOMEM;
	if (p->nlocks && !(p->flow_hide & HP_FLOW_HIDE_LOCKS) && print_locks(f, p, o) < 0)
		return -ENOMEM;
	if (p->nio && !(p->flow_hide & HP_FLOW_HIDE_CHANNELS) && print_io(f, p) < 0)
		return -ENOMEM;
	if (flow && p->nthreads && !(p->flow_hide & HP_FLOW_HIDE_THREADS) &&
	    print_threads(f, p) < 0)
		return -ENOMEM;
	return 0;
}
