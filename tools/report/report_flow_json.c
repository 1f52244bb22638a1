/* report_flow_json.c - the "channels", "locks" and "io" members of a process object in the
 * JSON report, written and read back (docs/json.md; the model is in report_flow.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hp/region.h"
#include "json.h"
#include "report_flow.h"

static int kind_from_name(const char *s, const char *(*name)(int), int max)
{
	for (int k = 1; s && k <= max; k++)
		if (!strcmp(s, name(k)))
			return k;
	return 0;
}

/* ---- out ---- */

static void kv_u64(struct hp_jw *w, const char *k, uint64_t v)
{
	hp_jw_key(w, k);
	hp_jw_uint(w, v);
}

static double per_s(uint64_t n, double ns)
{
	return ns > 0 ? (double)n * 1e9 / ns : 0;
}

static void json_chan(struct hp_jw *w, const struct hp_chan_row *c)
{
	char st[64];
	hp_jw_obj_begin(w);
	hp_jw_key(w, "kind");
	hp_jw_str(w, hp_chan_kind_name(c->kind));
	hp_jw_key(w, "label");
	hp_jw_str(w, c->label);
	hp_jw_key(w, "site");
	hp_jw_str(w, c->site);
	hp_jw_key(w, "fds");
	int pretty = w->pretty;
	hp_jw_arr_begin(w);
	w->pretty = 0;
	hp_jw_int(w, c->fd[0]);
	hp_jw_int(w, c->fd[1]);
	hp_jw_arr_end(w);
	w->pretty = pretty;
	kv_u64(w, "capacity", c->capacity);
	kv_u64(w, "messages_in", c->messages_in);
	kv_u64(w, "messages_out", c->messages_out);
	kv_u64(w, "bytes_in", c->bytes_in);
	kv_u64(w, "bytes_out", c->bytes_out);
	kv_u64(w, "blocked_ns", c->blocked_in_ns + c->blocked_out_ns);
	kv_u64(w, "blocked_in_ns", c->blocked_in_ns);
	kv_u64(w, "blocked_out_ns", c->blocked_out_ns);
	kv_u64(w, "max_in_bytes", c->max_in);
	kv_u64(w, "max_out_bytes", c->max_out);
	kv_u64(w, "queued_max", c->queued_max);
	hp_jw_key(w, "queued_now");
	if (c->queued_now >= 0)
		hp_jw_int(w, c->queued_now);
	else
		hp_jw_null(w);
	hp_chan_state_str(st, sizeof(st), c);
	char *comma = strchr(st, ',');
	if (comma)
		*comma = 0;
	hp_jw_key(w, "state");
	hp_jw_str(w, st);
	hp_jw_key(w, "was_full");
	hp_jw_bool(w, (c->state & HP_CHST_FULL) != 0);
	hp_jw_key(w, "created_ns");
	hp_jw_int(w, c->created_ns);
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
	hp_jw_key(w, "lifetime_ns");
	hp_jw_uint(w, (uint64_t)c->lifetime_ns);
	hp_jw_obj_end(w);
}

static void json_lock(struct hp_jw *w, const struct hp_lock_row *l)
{
	char buf[32];
	hp_jw_obj_begin(w);
	hp_jw_key(w, "kind");
	hp_jw_str(w, hp_lock_kind_name(l->kind));
	hp_jw_key(w, "label");
	hp_jw_str(w, l->label);
	snprintf(buf, sizeof(buf), "0x%" PRIx64, l->addr);
	hp_jw_key(w, "address");
	hp_jw_str(w, buf);
	kv_u64(w, "acquisitions", l->acquisitions);
	kv_u64(w, "contended", l->contended);
	kv_u64(w, "wait_ns", l->wait_ns);
	kv_u64(w, "max_wait_ns", l->max_wait_ns);
	kv_u64(w, "hold_ns", l->hold_ns);
	kv_u64(w, "max_hold_ns", l->max_hold_ns);
	kv_u64(w, "cond_waits", l->cond_waits);
	kv_u64(w, "cond_wait_ns", l->cond_wait_ns);
	kv_u64(w, "cond_signals", l->cond_signals);
	hp_jw_obj_end(w);
}

static void json_io(struct hp_jw *w, const struct hp_io_row *x)
{
	hp_jw_obj_begin(w);
	hp_jw_key(w, "kind");
	hp_jw_str(w, hp_io_kind_name(x->kind));
	kv_u64(w, "reads", x->reads);
	kv_u64(w, "writes", x->writes);
	kv_u64(w, "read_bytes", x->read_bytes);
	kv_u64(w, "write_bytes", x->write_bytes);
	kv_u64(w, "blocked_ns", x->read_blocked_ns + x->write_blocked_ns);
	kv_u64(w, "read_blocked_ns", x->read_blocked_ns);
	kv_u64(w, "write_blocked_ns", x->write_blocked_ns);
	kv_u64(w, "max_read_bytes", x->max_read);
	kv_u64(w, "max_write_bytes", x->max_write);
	hp_jw_obj_end(w);
}

void hp_flow_json(struct hp_jw *w, const struct hp_proc *p)
{
	hp_jw_key(w, "channels");
	hp_jw_arr_begin(w);
	for (size_t i = 0; !(p->flow_hide & HP_FLOW_HIDE_CHANNELS) && p->chans && i < p->nchans; i++)
		json_chan(w, &p->chans[i]);
	hp_jw_arr_end(w);
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

/* ---- in ---- */

static uint64_t ju(const struct hp_json *o, const char *k)
{
	int64_t v = hp_json_int(hp_json_get(o, k), 0);
	return v > 0 ? (uint64_t)v : 0;
}

static char *jstr(const struct hp_json *o, const char *k, int *nomem)
{
	const char *s = hp_json_str(hp_json_get(o, k), NULL);
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*nomem = 1;
	return d;
}

static const struct hp_json *jarr(const struct hp_json *o, const char *k)
{
	const struct hp_json *a = hp_json_get(o, k);
	return a && a->type == HP_JSON_ARRAY && a->len ? a : NULL;
}

int hp_flow_from_json(const struct hp_json *proc, struct hp_proc *p)
{
	int nomem = 0;
	const struct hp_json *a;
	if ((a = jarr(proc, "channels"))) {
		if (!(p->chans = calloc(a->len, sizeof(*p->chans))))
			return -ENOMEM;
		for (size_t i = 0; i < a->len; i++) {
			const struct hp_json *o = a->items[i];
			if (o->type != HP_JSON_OBJECT)
				continue;
			struct hp_chan_row *c = &p->chans[p->nchans++];
			c->kind = kind_from_name(hp_json_str(hp_json_get(o, "kind"), NULL), hp_chan_kind_name,
						 HP_CHAN_EVENTFD);
			c->label = jstr(o, "label", &nomem);
			c->site = jstr(o, "site", &nomem);
			const struct hp_json *fds = hp_json_get(o, "fds");
			c->fd[0] = c->fd[1] = -1;
			for (size_t k = 0; fds && fds->type == HP_JSON_ARRAY && k < fds->len && k < 2; k++)
				c->fd[k] = (int)hp_json_int(fds->items[k], -1);
			c->capacity = ju(o, "capacity");
			c->messages_in = ju(o, "messages_in");
			c->messages_out = ju(o, "messages_out");
			c->bytes_in = ju(o, "bytes_in");
			c->bytes_out = ju(o, "bytes_out");
			c->blocked_in_ns = ju(o, "blocked_in_ns");
			c->blocked_out_ns = ju(o, "blocked_out_ns");
			c->max_in = ju(o, "max_in_bytes");
			c->max_out = ju(o, "max_out_bytes");
			c->queued_max = ju(o, "queued_max");
			c->queued_now = hp_json_int(hp_json_get(o, "queued_now"), -1);
			const char *st = hp_json_str(hp_json_get(o, "state"), "open");
			c->state = !strcmp(st, "reader closed")	  ? HP_CHST_READER_CLOSED
				   : !strcmp(st, "writer closed") ? HP_CHST_WRITER_CLOSED
				   : !strcmp(st, "closed")	  ? HP_CHST_READER_CLOSED | HP_CHST_WRITER_CLOSED
								  : 0;
			if (hp_json_bool(hp_json_get(o, "was_full"), 0))
				c->state |= HP_CHST_FULL;
			c->created_ns = hp_json_int(hp_json_get(o, "created_ns"), 0);
			c->closed_ns = hp_json_int(hp_json_get(o, "closed_ns"), 0);
			c->lifetime_ns = (double)ju(o, "lifetime_ns");
		}
	}
	if ((a = jarr(proc, "locks"))) {
		if (!(p->locks = calloc(a->len, sizeof(*p->locks))))
			return -ENOMEM;
		for (size_t i = 0; i < a->len; i++) {
			const struct hp_json *o = a->items[i];
			if (o->type != HP_JSON_OBJECT)
				continue;
			struct hp_lock_row *l = &p->locks[p->nlocks++];
			l->kind = kind_from_name(hp_json_str(hp_json_get(o, "kind"), NULL), hp_lock_kind_name,
						 HP_LOCK_SPIN);
			l->label = jstr(o, "label", &nomem);
			const char *addr = hp_json_str(hp_json_get(o, "address"), NULL);
			l->addr = addr ? strtoull(addr, NULL, 16) : 0;
			l->acquisitions = ju(o, "acquisitions");
			l->contended = ju(o, "contended");
			l->wait_ns = ju(o, "wait_ns");
			l->max_wait_ns = ju(o, "max_wait_ns");
			l->hold_ns = ju(o, "hold_ns");
			l->max_hold_ns = ju(o, "max_hold_ns");
			l->cond_waits = ju(o, "cond_waits");
			l->cond_wait_ns = ju(o, "cond_wait_ns");
			l->cond_signals = ju(o, "cond_signals");
		}
	}
	if ((a = jarr(proc, "io"))) {
		if (!(p->io = calloc(a->len, sizeof(*p->io))))
			return -ENOMEM;
		for (size_t i = 0; i < a->len; i++) {
			const struct hp_json *o = a->items[i];
			if (o->type != HP_JSON_OBJECT)
				continue;
			struct hp_io_row *x = &p->io[p->nio++];
			x->kind = kind_from_name(hp_json_str(hp_json_get(o, "kind"), NULL), hp_io_kind_name,
						 HP_IO_KINDS - 1);
			x->reads = ju(o, "reads");
			x->writes = ju(o, "writes");
			x->read_bytes = ju(o, "read_bytes");
			x->write_bytes = ju(o, "write_bytes");
			x->read_blocked_ns = ju(o, "read_blocked_ns");
			x->write_blocked_ns = ju(o, "write_blocked_ns");
			x->max_read = ju(o, "max_read_bytes");
			x->max_write = ju(o, "max_write_bytes");
		}
	}
	/* A saved report with flow sections was recorded with them on. */
	if (p->nchans || p->nio)
		p->modes |= HP_MODE_CHANNELS;
	if (p->nlocks)
		p->modes |= HP_MODE_LOCKS;
	return nomem ? -ENOMEM : 0;
}
