/* report_flow_json.c - the "channels", "locks" and "io" members of a process object in the
 * JSON report, written and read back (docs/json.md; the model is in report_flow.h). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hp/region.h"
#include "json.h"
#include "report_flow.h"
#include "report_load.h"

static int kind_from_name(const char *s, const char *(*name)(int), int max)
{
	for (int k = 1; s && k <= max; k++)
		if (!strcmp(s, name(k)))
			return k;
	return 0;
}

/* ---- out ---- */

static double per_s(uint64_t n, double ns)
{
	return ns > 0 ? (double)n * 1e9 / ns : 0;
}

static void json_chan(struct hp_jw *w, const struct hp_chan_row *c)
{
	char st[64];
	hp_jw_obj_begin(w);
	hp_jw_kstr(w, "kind", hp_chan_kind_name(c->kind));
	hp_jw_kstr(w, "label", c->label);
	hp_jw_kstr(w, "site", c->site);
	hp_jw_key(w, "fds");
	int pretty = w->pretty;
	hp_jw_arr_begin(w);
	w->pretty = 0;
	hp_jw_int(w, c->fd[0]);
	hp_jw_int(w, c->fd[1]);
	hp_jw_arr_end(w);
	w->pretty = pretty;
	hp_jw_kuint(w, "capacity", c->capacity);
	hp_jw_kuint(w, "messages_in", c->messages_in);
	hp_jw_kuint(w, "messages_out", c->messages_out);
	hp_jw_kuint(w, "bytes_in", c->bytes_in);
	hp_jw_kuint(w, "bytes_out", c->bytes_out);
	hp_jw_kuint(w, "blocked_ns", c->blocked_in_ns + c->blocked_out_ns);
	hp_jw_kuint(w, "blocked_in_ns", c->blocked_in_ns);
	hp_jw_kuint(w, "blocked_out_ns", c->blocked_out_ns);
	hp_jw_kuint(w, "max_in_bytes", c->max_in);
	hp_jw_kuint(w, "max_out_bytes", c->max_out);
	hp_jw_kuint(w, "queued_max", c->queued_max);
	hp_jw_key(w, "queued_now");
	if (c->queued_now >= 0)
		hp_jw_int(w, c->queued_now);
	else
		hp_jw_null(w);
	hp_chan_state_str(st, sizeof(st), c);
	char *comma = strchr(st, ',');
	if (comma)
		*comma = 0;
	hp_jw_kstr(w, "state", st);
	hp_jw_key(w, "was_full");
	hp_jw_bool(w, (c->state & HP_CHST_FULL) != 0);
	hp_jw_kint(w, "created_ns", c->created_ns);
	hp_jw_key(w, "closed_ns");
	if (c->closed_ns)
		hp_jw_int(w, c->closed_ns);
	else
		hp_jw_null(w);
	uint64_t msgs = c->messages_in > c->messages_out ? c->messages_in : c->messages_out;
	uint64_t bytes = c->bytes_in > c->bytes_out ? c->bytes_in : c->bytes_out;
	hp_jw_key(w, "messages_per_s");
	hp_jw_double(w, per_s(msgs, c->lifetime_ns), 1);
	hp_jw_key(w, "bytes_per_s");
	hp_jw_double(w, per_s(bytes, c->lifetime_ns), 1);
	hp_jw_kuint(w, "lifetime_ns", hp_u64_of(c->lifetime_ns));
	hp_jw_kuint(w, "waiting_now", c->waiting);
	hp_jw_obj_end(w);
}

static void json_lock(struct hp_jw *w, const struct hp_lock_row *l)
{
	char buf[32];
	hp_jw_obj_begin(w);
	hp_jw_kstr(w, "kind", hp_lock_kind_name(l->kind));
	hp_jw_kstr(w, "label", l->label);
	snprintf(buf, sizeof(buf), "0x%" PRIx64, l->addr);
	hp_jw_kstr(w, "address", buf);
	hp_jw_kuint(w, "acquisitions", l->acquisitions);
	hp_jw_kuint(w, "contended", l->contended);
	hp_jw_kuint(w, "wait_ns", l->wait_ns);
	hp_jw_kuint(w, "max_wait_ns", l->max_wait_ns);
	hp_jw_kuint(w, "hold_ns", l->hold_ns);
	hp_jw_kuint(w, "max_hold_ns", l->max_hold_ns);
	hp_jw_kuint(w, "holds", l->holds);
	hp_jw_kuint(w, "holds_timed", l->holds_timed);
	hp_jw_kuint(w, "hold_timed_ns", l->hold_timed_ns);
	hp_jw_kuint(w, "cond_waits", l->cond_waits);
	hp_jw_kuint(w, "cond_wait_ns", l->cond_wait_ns);
	hp_jw_kuint(w, "cond_signals", l->cond_signals);
	hp_jw_kuint(w, "waiting_now", l->waiting);
	hp_jw_obj_end(w);
}

static void json_io(struct hp_jw *w, const struct hp_io_row *x)
{
	hp_jw_obj_begin(w);
	hp_jw_kstr(w, "kind", hp_io_kind_name(x->kind));
	hp_jw_kuint(w, "reads", x->reads);
	hp_jw_kuint(w, "writes", x->writes);
	hp_jw_kuint(w, "read_bytes", x->read_bytes);
	hp_jw_kuint(w, "write_bytes", x->write_bytes);
	hp_jw_kuint(w, "blocked_ns", x->read_blocked_ns + x->write_blocked_ns);
	hp_jw_kuint(w, "read_blocked_ns", x->read_blocked_ns);
	hp_jw_kuint(w, "write_blocked_ns", x->write_blocked_ns);
	hp_jw_kuint(w, "max_read_bytes", x->max_read);
	hp_jw_kuint(w, "max_write_bytes", x->max_write);
	hp_jw_obj_end(w);
}

void hp_flow_json(struct hp_jw *w, const struct hp_proc *p)
{
	hp_jw_key(w, "channels");
	hp_jw_arr_begin(w);
	for (size_t i = 0; !(p->flow_hide & HP_FLOW_HIDE_CHANNELS) && p->chans && i < p->nchans;
	     i++)
		json_chan(w, &p->chans[i]);
	hp_jw_arr_end(w);
	hp_jw_kuint(w, "lock_hold_every", p->lock_hold_every);
	hp_jw_key(w, "locks");
	hp_jw_arr_begin(w);
	for (size_t i = 0; !(p->flow_hide & HP_FLOW_HIDE_LOCKS) && p->locks && i < p->nlocks; i++)
		json_lock(w, &p->locks[i]);
	hp_jw_arr_end(w);
	hp_jw_key(w, "io");
	hp_jw_arr_begin(w);
	for (size_t i = 0; !(p->flow_hide & HP_FLOW_HIDE_CHANNELS) && p->io && i < p->nio; i++)
		json_io(w, &p->io[i]);
	hp_jw_arr_end(w);
}

/* ---- in (report_load.h: a member of another type is an error, naming it) ---- */

static const char *const chan_states[] = {"open", "reader closed", "writer closed", "closed"};
static const uint32_t chan_state_bits[] = {0, HP_CHST_READER_CLOSED, HP_CHST_WRITER_CLOSED,
					   HP_CHST_READER_CLOSED | HP_CHST_WRITER_CLOSED};

/* "kind": one of the names `name` gives 1..max; a name from a newer hotpath reads as 0,
 * "unknown". */
static int load_kind(struct hp_loader *l, const struct hp_json *o, const char *(*name)(int),
		     int max, int *out)
{
	const struct hp_json *j;
	int rc = hp_load_member(l, o, "kind", 1, HP_JSON_STRING, "a string", &j);

	if (rc > 0)
		*out = kind_from_name(j->string, name, max);
	return rc < 0 ? rc : 0;
}

/* "fds": [read end, write end], -1 for none. */
static int load_fds(struct hp_loader *l, const struct hp_json *o, int fd[2])
{
	const struct hp_json *a;
	int rc = hp_load_array(l, o, "fds", &a);

	fd[0] = fd[1] = -1;
	if (rc <= 0)
		return rc;
	for (size_t k = 0; k < a->len && k < 2; k++) {
		const struct hp_json *v = a->items[k];
		if (v->type != HP_JSON_NUMBER || !v->is_int || v->integer < -1 ||
		    v->integer > INT_MAX)
			return hp_load_fail(l, "fds", "expected [read fd, write fd], -1 for none");
		fd[k] = (int)v->integer;
	}
	return 0;
}

static int load_chan(struct hp_loader *l, const struct hp_json *o, void *row)
{
	struct hp_chan_row *c = row;
	uint64_t lifetime = 0, waiting = 0;
	int rc, state = 0, full = 0;

	c->queued_now = -1;
	if ((rc = load_kind(l, o, hp_chan_kind_name, HP_CHAN_EVENTFD, &c->kind)) < 0 ||
	    (rc = hp_load_str(l, o, "label", &c->label)) < 0 ||
	    (rc = hp_load_str(l, o, "site", &c->site)) < 0 || (rc = load_fds(l, o, c->fd)) < 0 ||
	    (rc = hp_load_u64(l, o, "capacity", &c->capacity)) < 0 ||
	    (rc = hp_load_u64(l, o, "messages_in", &c->messages_in)) < 0 ||
	    (rc = hp_load_u64(l, o, "messages_out", &c->messages_out)) < 0 ||
	    (rc = hp_load_u64(l, o, "bytes_in", &c->bytes_in)) < 0 ||
	    (rc = hp_load_u64(l, o, "bytes_out", &c->bytes_out)) < 0 ||
	    (rc = hp_load_u64(l, o, "blocked_in_ns", &c->blocked_in_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "blocked_out_ns", &c->blocked_out_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "max_in_bytes", &c->max_in)) < 0 ||
	    (rc = hp_load_u64(l, o, "max_out_bytes", &c->max_out)) < 0 ||
	    (rc = hp_load_u64(l, o, "queued_max", &c->queued_max)) < 0 ||
	    (rc = hp_load_i64(l, o, "queued_now", 1, &c->queued_now)) < 0 ||
	    (rc = hp_load_enum(l, o, "state", chan_states, 4, &state)) < 0 ||
	    (rc = hp_load_bool(l, o, "was_full", &full)) < 0 ||
	    (rc = hp_load_i64(l, o, "created_ns", 0, &c->created_ns)) < 0 ||
	    (rc = hp_load_i64(l, o, "closed_ns", 1, &c->closed_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "lifetime_ns", &lifetime)) < 0 ||
	    (rc = hp_load_u64(l, o, "waiting_now", &waiting)) < 0)
		return rc;
	c->waiting = (uint32_t)waiting;
	c->state = chan_state_bits[state] | (full ? HP_CHST_FULL : 0);
	c->lifetime_ns = (double)lifetime;
	return 0;
}

static int load_lock(struct hp_loader *l, const struct hp_json *o, void *row)
{
	struct hp_lock_row *k = row;
	uint64_t waiting = 0;
	int rc;

	if ((rc = load_kind(l, o, hp_lock_kind_name, HP_LOCK_SEM, &k->kind)) < 0 ||
	    (rc = hp_load_str(l, o, "label", &k->label)) < 0 ||
	    (rc = hp_load_hex(l, o, "address", &k->addr)) < 0 ||
	    (rc = hp_load_u64(l, o, "acquisitions", &k->acquisitions)) < 0 ||
	    (rc = hp_load_u64(l, o, "contended", &k->contended)) < 0 ||
	    (rc = hp_load_u64(l, o, "wait_ns", &k->wait_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "max_wait_ns", &k->max_wait_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "hold_ns", &k->hold_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "max_hold_ns", &k->max_hold_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "holds", &k->holds)) < 0 ||
	    (rc = hp_load_u64(l, o, "holds_timed", &k->holds_timed)) < 0 ||
	    (rc = hp_load_u64(l, o, "hold_timed_ns", &k->hold_timed_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "cond_waits", &k->cond_waits)) < 0 ||
	    (rc = hp_load_u64(l, o, "cond_wait_ns", &k->cond_wait_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "cond_signals", &k->cond_signals)) < 0 ||
	    (rc = hp_load_u64(l, o, "waiting_now", &waiting)) < 0)
		return rc;
	k->waiting = (uint32_t)waiting;
	return 0;
}

static int load_io(struct hp_loader *l, const struct hp_json *o, void *row)
{
	struct hp_io_row *x = row;
	int rc;

	if ((rc = load_kind(l, o, hp_io_kind_name, HP_IO_KINDS - 1, &x->kind)) < 0 ||
	    (rc = hp_load_u64(l, o, "reads", &x->reads)) < 0 ||
	    (rc = hp_load_u64(l, o, "writes", &x->writes)) < 0 ||
	    (rc = hp_load_u64(l, o, "read_bytes", &x->read_bytes)) < 0 ||
	    (rc = hp_load_u64(l, o, "write_bytes", &x->write_bytes)) < 0 ||
	    (rc = hp_load_u64(l, o, "read_blocked_ns", &x->read_blocked_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "write_blocked_ns", &x->write_blocked_ns)) < 0 ||
	    (rc = hp_load_u64(l, o, "max_read_bytes", &x->max_read)) < 0 ||
	    (rc = hp_load_u64(l, o, "max_write_bytes", &x->max_write)) < 0)
		return rc;
	return 0;
}

int hp_flow_from_json(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p)
{
	void *chans = NULL, *locks = NULL, *io = NULL;
	int rc;

	rc = hp_load_objects(l, o, "channels", sizeof(*p->chans), load_chan, &chans, &p->nchans);
	p->chans = chans;
	if (rc < 0)
		return rc;
	uint64_t every = 0; /* absent in reports older than it: their holds were all timed */
	if ((rc = hp_load_u64(l, o, "lock_hold_every", &every)) < 0)
		return rc;
	p->lock_hold_every = every > UINT32_MAX ? UINT32_MAX : (uint32_t)every;
	rc = hp_load_objects(l, o, "locks", sizeof(*p->locks), load_lock, &locks, &p->nlocks);
	p->locks = locks;
	if (rc < 0)
		return rc;
	rc = hp_load_objects(l, o, "io", sizeof(*p->io), load_io, &io, &p->nio);
	p->io = io;
	if (rc < 0)
		return rc;
	/* A saved report with flow sections was recorded with them on. */
	if (p->nchans || p->nio)
		p->modes |= HP_MODE_CHANNELS;
	if (p->nlocks)
		p->modes |= HP_MODE_LOCKS;
	return 0;
}
