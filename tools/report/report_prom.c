/* report_prom.c - report models as Prometheus text / OpenMetrics: a compact copy of each model,
 * then one block of text per (metric family, process), pulled by the caller. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hp/region.h"
#include "report_flow.h"
#include "report_prom.h"

/* Text being built: a block of the page, or an arena of label sets (NUL-separated). */
struct out {
	char *b;
	size_t n, cap;
	int oom;
};

struct pfn {
	uint32_t labels; /* arena offset: function="…",module="…" */
	uint32_t llen;	 /* its length */
	uint64_t calls, total_ns, self_ns, sum_ns;
};

struct pchan {
	uint32_t labels;			       /* channel="…",kind="…" */
	uint64_t messages[2], bytes[2], blocked_ns[2]; /* [0] in, [1] out */
};

struct plock {
	uint32_t labels; /* lock="…",kind="…" */
	uint64_t acquisitions, contended, wait_ns, hold_ns, cond_waits, cond_wait_ns, cond_signals;
};

struct pio {
	int kind;
	uint64_t ops[2], bytes[2], blocked_ns[2]; /* [0] read, [1] write */
};

/* report_prom.h: a process's functions, shared by reference. Changed only while one holder has
 * it (hp_prom_fns_set copies it first otherwise), so a page being sent never sees a change. */
struct hp_prom_fns {
	int refs; /* atomic */
	int nbuckets;
	double bound_ns[HP_PROM_MAX_BUCKETS];
	struct out lab; /* function="…",module="…" of each row */
	struct pfn *fns;
	size_t nfns;
	uint64_t *hist; /* nfns rows of nbuckets + 1 cumulative counts (the last: all) */
	/* alloc_count, alloc_bytes, free_count, free_bytes by row; NULL while all are 0 (a
	 * process without --alloc: 32 bytes a function less to keep) */
	uint64_t (*alloc)[4];
};

struct pproc {
	struct out lab; /* escaped label text, NUL-separated */
	uint32_t base;	/* pid="…",command="…" */
	uint32_t blen;	/* its length */
	uint32_t info;	/* exe="…",state="…",mode="…" */
	int64_t start_unix_ns;
	uint64_t wall_ns, dropped;
	int has_alloc;
	uint64_t mem[4], live_bytes, peak_bytes;
	uint64_t cpu_user_ns, cpu_sys_ns;
	uint32_t threads_running;
	struct hp_prom_fns *f; /* a reference */
	struct pchan *chans;
	size_t nchans;
	struct plock *locks;
	size_t nlocks;
	struct pio *io;
	size_t nio;
};

struct family;
typedef void (*emit_fn)(struct hp_prom *m, const struct pproc *p, const struct family *f);

enum { COUNTER, GAUGE, HISTOGRAM };

struct family {
	const char *name; /* the family's name: no _total, no _info */
	int type;
	const char *unit; /* "seconds", "bytes" or NULL */
	const char *help;
	emit_fn emit;
	int arg; /* which counter of the row */
};

struct hp_prom {
	struct hp_prom_opts o;
	char le[HP_PROM_MAX_BUCKETS + 1][32]; /* le label values, "+Inf" last */
	struct hp_prom_serve_stats stats;
	struct pproc *procs;
	size_t nprocs, cap;
	struct out blk; /* the current block */
	size_t blk_pos;
	size_t fam, proc; /* next block to produce */
	int done;
	char sample[128]; /* the current family's sample name */
	size_t sample_len;
	size_t le_len[HP_PROM_MAX_BUCKETS + 1];
};

/* ---- output ---- */

/* The function families write 1.2 million lines a scrape at 100 processes x 1,000 functions:
 * they reserve the room for a row's lines once and copy pieces of known length into it, where
 * put() per piece (a strlen, a bounds check and a memcpy call each) was a fifth of a scrape. */

/* Room for n more bytes at the end of o; NULL (o->oom set) when there is none. The caller
 * writes at most n bytes there and sets o->n to the end of what it wrote. */
static char *room(struct out *o, size_t n)
{
	if (o->oom)
		return NULL;
	if (o->n + n > o->cap) {
		size_t ncap = o->cap ? o->cap : 1 << 16;
		while (ncap < o->n + n)
			ncap *= 2;
		char *nb = realloc(o->b, ncap);
		if (!nb) {
			o->oom = 1;
			return NULL;
		}
		o->b = nb;
		o->cap = ncap;
	}
	return o->b + o->n;
}

static void put(struct out *o, const char *s, size_t n)
{
	char *d = room(o, n);
	if (d) {
		memcpy(d, s, n);
		o->n += n;
	}
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static inline char *cpy(char *d, const char *s, size_t n)
{
	memcpy(d, s, n);
	return d + n;
}

/* v in decimal at d (at most 20 bytes); returns the end. */
static inline char *u64_at(char *d, uint64_t v)
{
	char tmp[20];
	int i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return cpy(d, tmp + i, sizeof(tmp) - (size_t)i);
}

/* ns as seconds, exactly, at d (at most 30 bytes): "12.000345678". */
static inline char *sec_at(char *d, uint64_t ns)
{
	uint64_t f = ns % 1000000000;
	d = u64_at(d, ns / 1000000000);
	*d = '.';
	for (int i = 9; i >= 1; i--, f /= 10)
		d[i] = (char)('0' + f % 10);
	return d + 10;
}

static void put_u64(struct out *o, uint64_t v)
{
	char tmp[20];
	put(o, tmp, (size_t)(u64_at(tmp, v) - tmp));
}

static void put_sec(struct out *o, uint64_t ns)
{
	char tmp[30];
	put(o, tmp, (size_t)(sec_at(tmp, ns) - tmp));
}

/* Label value, escaped for both formats: \\ \" \n; bytes that are not UTF-8 and control
 * characters become '?', so the page is always valid UTF-8. */
static void put_esc(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		unsigned c = *p;
		size_t run = 0;
		while (p[run] >= 0x20 && p[run] < 0x7f && p[run] != '\\' && p[run] != '"')
			run++;
		if (run) { /* plain ASCII, as most names are: one copy */
			put(o, (const char *)p, run);
			p += run;
			continue;
		}
		if (c == '\\' || c == '"') {
			char e[2] = {'\\', (char)c};
			put(o, e, 2);
			p++;
		} else if (c == '\n') {
			put(o, "\\n", 2);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			put(o, "?", 1);
			p++;
		} else if (c < 0x80) {
			put(o, (const char *)p, 1);
			p++;
		} else {
			int n = c >= 0xf0 && c < 0xf5	? 4
				: c >= 0xe0		? 3
				: c >= 0xc2 && c < 0xe0 ? 2
							: 0;
			int ok = n > 0;
			for (int k = 1; ok && k < n; k++)
				ok = (p[k] & 0xc0) == 0x80;
			if (ok && n == 3 && c == 0xe0 && p[1] < 0xa0)
				ok = 0; /* overlong */
			if (ok && n == 3 && c == 0xed && p[1] >= 0xa0)
				ok = 0; /* surrogate */
			if (ok && n == 4 &&
			    ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
				ok = 0;
			if (ok) {
				put(o, (const char *)p, (size_t)n);
				p += n;
			} else {
				put(o, "?", 1);
				p++;
			}
		}
	}
}

/* ---- the compact copy ---- */

/* Append `name="value"` pairs (NULL-terminated list of name, value) to arena a; returns the
 * offset of the NUL-terminated text, or UINT32_MAX when out of memory. */
static uint32_t arena_labels(struct out *a, const char *const *kv)
{
	size_t start = a->n;
	for (int i = 0; kv[i]; i += 2) {
		if (i)
			put(a, ",", 1);
		puts_(a, kv[i]);
		put(a, "=\"", 2);
		put_esc(a, kv[i + 1]);
		put(a, "\"", 1);
	}
	put(a, "", 1);
	return a->oom || start > UINT32_MAX ? UINT32_MAX : (uint32_t)start;
}

/* Offsets of label sets already used in this process: a repeated one gets " #2", " #3"… */
struct seen {
	uint32_t *v;
	size_t cap;
};

static uint64_t hash_s(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Is the label text at `off` of arena a new? Records it when it is. */
static int seen_add(struct seen *s, const struct out *a, uint32_t off)
{
	const char *t = a->b + off;
	size_t k = (size_t)hash_s(t) & (s->cap - 1);
	while (s->v[k] != UINT32_MAX) {
		if (!strcmp(a->b + s->v[k], t))
			return 0;
		k = (k + 1) & (s->cap - 1);
	}
	s->v[k] = off;
	return 1;
}

/* Labels for a row: name key/value first, then the rest; unique within the process. */
static uint32_t unique_labels(struct out *a, struct seen *s, const char *key, const char *name,
			      const char *k2, const char *v2)
{
	char alt[600];
	const char *use = name ? name : "";
	for (int n = 1; n < 1000; n++) {
		if (n > 1) {
			snprintf(alt, sizeof(alt), "%s #%d", name ? name : "", n);
			use = alt;
		}
		const char *kv[] = {key, use, k2, v2, NULL};
		size_t mark = a->n;
		uint32_t off = arena_labels(a, kv);
		if (off == UINT32_MAX)
			return off;
		if (seen_add(s, a, off))
			return off;
		a->n = mark; /* taken: try the next number */
	}
	return UINT32_MAX;
}

static int seen_init(struct seen *s, size_t n)
{
	s->cap = 16;
	while (s->cap < n * 2 + 2)
		s->cap *= 2;
	s->v = malloc(s->cap * sizeof(uint32_t));
	if (!s->v)
		return -ENOMEM;
	memset(s->v, 0xff, s->cap * sizeof(uint32_t));
	return 0;
}

/* Cumulative histogram counts of row r at the configured bounds: a log-linear bucket counts
 * under a bound when its midpoint is at or below it (at most 1/128 off, docs/serve.md). */
static void cumulate(const struct hp_prom_fns *f, const struct hp_fn_row *r, uint64_t *out)
{
	int nb = f->nbuckets;
	uint64_t acc = 0;
	size_t j = 0;
	for (int b = 0; b < nb; b++) {
		while (j < r->nhist && (r->hist[j].lo_ns + r->hist[j].hi_ns) / 2 <= f->bound_ns[b])
			acc += r->hist[j++].count;
		out[b] = acc;
	}
	while (j < r->nhist)
		acc += r->hist[j++].count;
	out[nb] = acc;
}

/* The counters of function i from row r. */
static int fn_counters(struct hp_prom_fns *f, size_t i, const struct hp_fn_row *r)
{
	struct pfn *x = &f->fns[i];
	x->calls = r->calls;
	x->total_ns = r->total_ns;
	x->self_ns = r->self_ns;
	x->sum_ns = r->sum_ns;
	cumulate(f, r, f->hist + i * (size_t)(f->nbuckets + 1));
	if (!f->alloc && !(r->alloc_count | r->alloc_bytes | r->free_count | r->free_bytes))
		return 0;
	if (!f->alloc && !(f->alloc = calloc(f->nfns ? f->nfns : 1, sizeof(*f->alloc))))
		return -ENOMEM;
	f->alloc[i][0] = r->alloc_count;
	f->alloc[i][1] = r->alloc_bytes;
	f->alloc[i][2] = r->free_count;
	f->alloc[i][3] = r->free_bytes;
	return 0;
}

static int copy_functions(struct hp_prom_fns *f, const struct hp_proc *p)
{
	struct seen s;
	size_t nb = (size_t)f->nbuckets + 1;
	int rc = 0;
	f->nfns = p->nfns;
	f->fns = calloc(p->nfns ? p->nfns : 1, sizeof(*f->fns));
	f->hist = calloc((p->nfns ? p->nfns : 1) * nb, sizeof(uint64_t));
	if (!f->fns || !f->hist || seen_init(&s, p->nfns) < 0)
		return -ENOMEM;
	for (size_t i = 0; rc == 0 && i < p->nfns; i++) {
		const struct hp_fn_row *r = &p->fns[i];
		struct pfn *x = &f->fns[i];
		x->labels = unique_labels(&f->lab, &s, "function", r->name, "module",
					  hp_base_name(r->module));
		if (x->labels == UINT32_MAX)
			rc = -ENOMEM;
		else
			x->llen = (uint32_t)strlen(f->lab.b + x->labels);
		if (rc == 0)
			rc = fn_counters(f, i, r);
	}
	free(s.v);
	/* Kept between scrapes: no room to spare. */
	char *fit = rc == 0 && f->lab.n ? realloc(f->lab.b, f->lab.n) : NULL;
	if (fit) {
		f->lab.b = fit;
		f->lab.cap = f->lab.n;
	}
	return rc;
}

struct hp_prom_fns *hp_prom_fns_new(const struct hp_prom_opts *o, const struct hp_proc *p)
{
	struct hp_prom_fns *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->refs = 1;
	f->nbuckets = o->nbuckets >= 0 && o->nbuckets <= HP_PROM_MAX_BUCKETS ? o->nbuckets : 0;
	for (int b = 0; b < f->nbuckets; b++)
		f->bound_ns[b] = o->buckets_s[b] * 1e9;
	if (copy_functions(f, p) < 0 || f->lab.n > UINT32_MAX) {
		hp_prom_fns_put(f);
		return NULL;
	}
	return f;
}

struct hp_prom_fns *hp_prom_fns_get(struct hp_prom_fns *f)
{
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

void hp_prom_fns_put(struct hp_prom_fns *f)
{
	if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	free(f->lab.b);
	free(f->fns);
	free(f->hist);
	free(f->alloc);
	free(f);
}

size_t hp_prom_fns_count(const struct hp_prom_fns *f)
{
	return f ? f->nfns : 0;
}

/* A copy of f that only the caller holds. */
static struct hp_prom_fns *fns_clone(const struct hp_prom_fns *f)
{
	struct hp_prom_fns *c = malloc(sizeof(*c));
	size_t nh = f->nfns * (size_t)(f->nbuckets + 1);
	if (!c)
		return NULL;
	*c = *f;
	c->refs = 1;
	c->lab.cap = f->lab.n ? f->lab.n : 1;
	c->lab.b = malloc(c->lab.cap);
	c->fns = malloc((f->nfns ? f->nfns : 1) * sizeof(*c->fns));
	c->hist = malloc((nh ? nh : 1) * sizeof(uint64_t));
	c->alloc = f->alloc ? malloc((f->nfns ? f->nfns : 1) * sizeof(*c->alloc)) : NULL;
	if (!c->lab.b || !c->fns || !c->hist || (f->alloc && !c->alloc)) {
		hp_prom_fns_put(c);
		return NULL;
	}
	memcpy(c->lab.b, f->lab.b, f->lab.n);
	memcpy(c->fns, f->fns, f->nfns * sizeof(*c->fns));
	memcpy(c->hist, f->hist, nh * sizeof(uint64_t));
	if (f->alloc)
		memcpy(c->alloc, f->alloc, f->nfns * sizeof(*c->alloc));
	return c;
}

int hp_prom_fns_set(struct hp_prom_fns **pf, size_t i, const struct hp_fn_row *r)
{
	struct hp_prom_fns *f = *pf;
	if (i >= f->nfns)
		return -EINVAL;
	if (__atomic_load_n(&f->refs, __ATOMIC_ACQUIRE) > 1) {
		struct hp_prom_fns *c = fns_clone(f);
		if (!c)
			return -ENOMEM;
		hp_prom_fns_put(f);
		*pf = f = c;
	}
	return fn_counters(f, i, r);
}

static int copy_flow(struct pproc *pp, const struct hp_proc *p)
{
	struct seen s;
	pp->chans = calloc(p->nchans ? p->nchans : 1, sizeof(*pp->chans));
	pp->locks = calloc(p->nlocks ? p->nlocks : 1, sizeof(*pp->locks));
	pp->io = calloc(p->nio ? p->nio : 1, sizeof(*pp->io));
	if (!pp->chans || !pp->locks || !pp->io || seen_init(&s, p->nchans + p->nlocks) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < p->nchans; i++) {
		const struct hp_chan_row *c = &p->chans[i];
		struct pchan *x = &pp->chans[pp->nchans++];
		x->labels = unique_labels(&pp->lab, &s, "channel", c->label, "kind",
					  hp_chan_kind_name(c->kind));
		x->messages[0] = c->messages_in, x->messages[1] = c->messages_out;
		x->bytes[0] = c->bytes_in, x->bytes[1] = c->bytes_out;
		x->blocked_ns[0] = c->blocked_in_ns, x->blocked_ns[1] = c->blocked_out_ns;
	}
	for (size_t i = 0; i < p->nlocks; i++) {
		const struct hp_lock_row *l = &p->locks[i];
		struct plock *x = &pp->locks[pp->nlocks++];
		x->labels = unique_labels(&pp->lab, &s, "lock", l->label, "kind",
					  hp_lock_kind_name(l->kind));
		x->acquisitions = l->acquisitions;
		x->contended = l->contended;
		x->wait_ns = l->wait_ns;
		/* A counter must not go down: one timed hold stands for lock_hold_every holds
		 * (hold_ns, the ratio estimate, can dip when a short hold is timed). */
		x->hold_ns = p->lock_hold_every > 1 ? l->hold_timed_ns * p->lock_hold_every
						    : l->hold_ns;
		x->cond_waits = l->cond_waits;
		x->cond_wait_ns = l->cond_wait_ns;
		x->cond_signals = l->cond_signals;
	}
	free(s.v);
	for (size_t i = 0; i < p->nio; i++) {
		const struct hp_io_row *r = &p->io[i];
		struct pio *x = &pp->io[pp->nio++];
		x->kind = r->kind;
		x->ops[0] = r->reads, x->ops[1] = r->writes;
		x->bytes[0] = r->read_bytes, x->bytes[1] = r->write_bytes;
		x->blocked_ns[0] = r->read_blocked_ns, x->blocked_ns[1] = r->write_blocked_ns;
	}
	for (size_t i = 0; i < p->nthreads; i++) {
		pp->cpu_user_ns += p->threads[i].cpu_user_ns;
		pp->cpu_sys_ns += p->threads[i].cpu_sys_ns;
		pp->threads_running += p->threads[i].running != 0;
	}
	return pp->lab.n > UINT32_MAX ? -ENOMEM : 0;
}

static void pproc_free(struct pproc *p)
{
	free(p->lab.b);
	hp_prom_fns_put(p->f);
	free(p->chans);
	free(p->locks);
	free(p->io);
}

/* The process's own labels and counters. */
static int copy_proc(struct pproc *pp, const struct hp_proc *p)
{
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", p->pid);
	const char *cmd = hp_base_name(p->argc > 0 && p->argv ? p->argv[0] : p->exe);
	const char *base[] = {"pid", pid, "command", cmd, NULL};
	const char *info[] = {"exe",   p->exe ? p->exe : "",
			      "state", hp_proc_state_name(p->state),
			      "mode",  hp_profiling_mode(p->modes),
			      NULL};
	pp->base = arena_labels(&pp->lab, base);
	pp->info = arena_labels(&pp->lab, info);
	pp->start_unix_ns = p->start_unix_ns;
	pp->wall_ns = p->wall_ns;
	pp->dropped = p->dropped;
	pp->has_alloc = p->mem.valid;
	pp->mem[0] = p->mem.alloc_count, pp->mem[1] = p->mem.alloc_bytes;
	pp->mem[2] = p->mem.free_count, pp->mem[3] = p->mem.free_bytes;
	pp->live_bytes = p->mem.live_bytes_at_exit;
	pp->peak_bytes = p->mem.peak_live_bytes;
	if (pp->base != UINT32_MAX)
		pp->blen = (uint32_t)strlen(pp->lab.b + pp->base);
	if (pp->base == UINT32_MAX || pp->info == UINT32_MAX)
		return -ENOMEM;
	return copy_flow(pp, p);
}

int hp_prom_add_fns(struct hp_prom *m, const struct hp_proc *p, struct hp_prom_fns *f)
{
	if (f && f->nbuckets != m->o.nbuckets)
		return -EINVAL;
	if (m->nprocs == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		struct pproc *nv = realloc(m->procs, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		m->procs = nv;
		m->cap = ncap;
	}
	struct pproc *pp = &m->procs[m->nprocs];
	memset(pp, 0, sizeof(*pp));
	pp->f = f ? hp_prom_fns_get(f) : hp_prom_fns_new(&m->o, p);
	if (!pp->f || copy_proc(pp, p) < 0) {
		pproc_free(pp);
		return -ENOMEM;
	}
	m->nprocs++;
	return 0;
}

int hp_prom_add(struct hp_prom *m, const struct hp_proc *p)
{
	return hp_prom_add_fns(m, p, NULL);
}

/* ---- one line ---- */

/* sample{base[,extra][,k="v"]} */
static void open_sample(struct out *o, const char *name, const char *suffix, const struct pproc *p,
			const char *extra)
{
	puts_(o, name);
	if (suffix)
		puts_(o, suffix);
	put(o, "{", 1);
	puts_(o, p->lab.b + p->base);
	if (extra && *extra) {
		put(o, ",", 1);
		puts_(o, extra);
	}
}

/* name[suffix]{base[,extra][more]} v: v a count, or with `seconds` ns written as seconds. */
static void sample_line(struct out *o, const char *name, const char *suffix, const struct pproc *p,
			const char *extra, const char *more, uint64_t v, int seconds)
{
	open_sample(o, name, suffix, p, extra);
	if (more)
		puts_(o, more);
	put(o, "} ", 2);
	if (seconds)
		put_sec(o, v);
	else
		put_u64(o, v);
	put(o, "\n", 1);
}

static void line_u64(struct out *o, const char *name, const struct pproc *p, const char *extra,
		     const char *more, uint64_t v)
{
	sample_line(o, name, NULL, p, extra, more, v, 0);
}

static void line_sec(struct out *o, const char *name, const struct pproc *p, const char *extra,
		     const char *more, uint64_t ns)
{
	sample_line(o, name, NULL, p, extra, more, ns, 1);
}

/* ---- the families ---- */

static void e_info(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	line_u64(&m->blk, m->sample, p, p->lab.b + p->info, NULL, 1);
}

static void e_start(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	line_sec(&m->blk, m->sample, p, NULL, NULL,
		 p->start_unix_ns > 0 ? (uint64_t)p->start_unix_ns : 0);
}

static void e_wall(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	line_sec(&m->blk, m->sample, p, NULL, NULL, p->wall_ns);
}

static void e_dropped(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	line_u64(&m->blk, m->sample, p, NULL, NULL, p->dropped);
}

enum { FN_CALLS, FN_TIME, FN_SELF, FN_ALLOC0 };

/* Start a function's line at d: NAME{pid="…",command="…",function="…",module="…" — at most
 * name_len + fn_room(p, x) bytes with the rest of the line. */
static inline char *fn_open(char *d, const char *name, size_t name_len, const struct pproc *p,
			    const struct pfn *x)
{
	d = cpy(d, name, name_len);
	*d++ = '{';
	d = cpy(d, p->lab.b + p->base, p->blen);
	*d++ = ',';
	return cpy(d, p->f->lab.b + x->labels, x->llen);
}

/* Bytes of a function line besides its name, with room for `extra` bytes of more labels. */
static inline size_t fn_room(const struct pproc *p, const struct pfn *x, size_t extra)
{
	return 2 + p->blen + x->llen + extra + 2 + 30 + 1; /* {,  labels  "} "  value  \n */
}

static void e_fn(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	struct out *o = &m->blk;
	if (f->arg >= FN_ALLOC0 && !p->has_alloc)
		return;
	for (size_t i = 0; i < p->f->nfns; i++) {
		const struct pfn *x = &p->f->fns[i];
		char *d = room(o, m->sample_len + fn_room(p, x, 0));
		if (!d)
			return;
		d = fn_open(d, m->sample, m->sample_len, p, x);
		*d++ = '}';
		*d++ = ' ';
		if (f->arg == FN_CALLS)
			d = u64_at(d, x->calls);
		else if (f->arg == FN_TIME)
			d = sec_at(d, x->total_ns);
		else if (f->arg == FN_SELF)
			d = sec_at(d, x->self_ns);
		else
			d = u64_at(d, p->f->alloc ? p->f->alloc[i][f->arg - FN_ALLOC0] : 0);
		*d++ = '\n';
		o->n = (size_t)(d - o->b);
	}
}

/* A function's histogram: its bucket lines, _sum and _count, in room reserved at once. */
static void e_hist(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	size_t nb = (size_t)m->o.nbuckets + 1, fl = strlen(f->name);
	size_t le_max = 0;
	struct out *o = &m->blk;
	char name[3][128];
	size_t nl[3];
	for (size_t b = 0; b < nb; b++)
		le_max = m->le_len[b] > le_max ? m->le_len[b] : le_max;
	nl[0] = (size_t)snprintf(name[0], sizeof(name[0]), "%s_bucket", f->name);
	nl[1] = (size_t)snprintf(name[1], sizeof(name[1]), "%s_sum", f->name);
	nl[2] = (size_t)snprintf(name[2], sizeof(name[2]), "%s_count", f->name);
	if (fl + 8 >= sizeof(name[0]))
		return; /* not one of ours */
	for (size_t i = 0; i < p->f->nfns; i++) {
		const struct pfn *x = &p->f->fns[i];
		const uint64_t *c = p->f->hist + i * nb;
		size_t line = fl + 7 + fn_room(p, x, 6 + le_max);
		char *d = room(o, (nb + 2) * line);
		if (!d)
			return;
		for (size_t b = 0; b < nb; b++) {
			d = fn_open(d, name[0], nl[0], p, x);
			d = cpy(d, ",le=\"", 5);
			d = cpy(d, m->le[b], m->le_len[b]);
			d = cpy(d, "\"} ", 3);
			d = u64_at(d, c[b]);
			*d++ = '\n';
		}
		d = fn_open(d, name[1], nl[1], p, x);
		d = cpy(d, "} ", 2);
		d = sec_at(d, x->sum_ns);
		*d++ = '\n';
		d = fn_open(d, name[2], nl[2], p, x);
		d = cpy(d, "} ", 2);
		d = u64_at(d, c[nb - 1]);
		*d++ = '\n';
		o->n = (size_t)(d - o->b);
	}
}

static void e_mem(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	if (!p->has_alloc)
		return;
	uint64_t v = f->arg < 4 ? p->mem[f->arg] : f->arg == 4 ? p->live_bytes : p->peak_bytes;
	line_u64(&m->blk, m->sample, p, NULL, NULL, v);
}

enum { CH_MESSAGES, CH_BYTES, CH_BLOCKED };
static const char *const dir_in_out[2] = {",direction=\"in\"", ",direction=\"out\""};
static const char *const dir_rw[2] = {",direction=\"read\"", ",direction=\"write\""};

static void e_chan(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	for (size_t i = 0; i < p->nchans; i++) {
		const struct pchan *c = &p->chans[i];
		for (int d = 0; d < 2; d++) {
			const char *l = p->lab.b + c->labels;
			if (f->arg == CH_MESSAGES)
				line_u64(&m->blk, m->sample, p, l, dir_in_out[d], c->messages[d]);
			else if (f->arg == CH_BYTES)
				line_u64(&m->blk, m->sample, p, l, dir_in_out[d], c->bytes[d]);
			else
				line_sec(&m->blk, m->sample, p, l, dir_in_out[d], c->blocked_ns[d]);
		}
	}
}

enum { LK_ACQ, LK_CONT, LK_WAIT, LK_HOLD, LK_CWAITS, LK_CWAIT, LK_CSIG };

static void e_lock(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	for (size_t i = 0; i < p->nlocks; i++) {
		const struct plock *k = &p->locks[i];
		const char *l = p->lab.b + k->labels;
		const uint64_t v[] = {k->acquisitions, k->contended,	k->wait_ns,	k->hold_ns,
				      k->cond_waits,   k->cond_wait_ns, k->cond_signals};
		if (f->arg == LK_WAIT || f->arg == LK_HOLD || f->arg == LK_CWAIT)
			line_sec(&m->blk, m->sample, p, l, NULL, v[f->arg]);
		else
			line_u64(&m->blk, m->sample, p, l, NULL, v[f->arg]);
	}
}

static void e_threads(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	line_u64(&m->blk, m->sample, p, NULL, NULL, p->threads_running);
}

static void e_cpu(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	line_sec(&m->blk, m->sample, p, NULL, ",mode=\"user\"", p->cpu_user_ns);
	line_sec(&m->blk, m->sample, p, NULL, ",mode=\"system\"", p->cpu_sys_ns);
}

enum { IO_OPS, IO_BYTES, IO_BLOCKED };

static void e_io(struct hp_prom *m, const struct pproc *p, const struct family *f)
{
	for (size_t i = 0; i < p->nio; i++) {
		const struct pio *x = &p->io[i];
		char kind[48];
		snprintf(kind, sizeof(kind), "kind=\"%s\"", hp_io_kind_name(x->kind));
		for (int d = 0; d < 2; d++) {
			if (f->arg == IO_OPS)
				line_u64(&m->blk, m->sample, p, kind, dir_rw[d], x->ops[d]);
			else if (f->arg == IO_BYTES)
				line_u64(&m->blk, m->sample, p, kind, dir_rw[d], x->bytes[d]);
			else
				line_sec(&m->blk, m->sample, p, kind, dir_rw[d], x->blocked_ns[d]);
		}
	}
}

static const struct family families[] = {
	{"hotpath_process_info", GAUGE, NULL,
	 "A profiled process (always 1): its executable, state and what is recorded.", e_info, 0},
	{"hotpath_process_start_time_seconds", GAUGE, "seconds",
	 "When the process started, seconds since 1970.", e_start, 0},
	{"hotpath_process_wall_seconds", GAUGE, "seconds",
	 "Wall time of main() so far (of the whole run once it ended).", e_wall, 0},
	{"hotpath_dropped_records", COUNTER, NULL,
	 "Records lost because a table of the region was full (raise region_size).", e_dropped, 0},
	{"hotpath_function_calls", COUNTER, NULL, "Calls (entries) of a timed function.", e_fn,
	 FN_CALLS},
	{"hotpath_function_time_seconds", COUNTER, "seconds",
	 "Inclusive wall time of a function, outermost calls only (recursion counted once).", e_fn,
	 FN_TIME},
	{"hotpath_function_self_seconds", COUNTER, "seconds",
	 "Exclusive wall time of a function: each call's duration minus the time in the timed "
	 "functions it called.",
	 e_fn, FN_SELF},
	{"hotpath_function_duration_seconds", HISTOGRAM, "seconds",
	 "Duration of completed calls (from hotpath's log-linear histogram).", e_hist, 0},
	{"hotpath_function_allocations", COUNTER, NULL,
	 "Heap allocations attributed to a function (--alloc).", e_fn, FN_ALLOC0},
	{"hotpath_function_allocated_bytes", COUNTER, "bytes",
	 "Bytes allocated, attributed to a function (--alloc).", e_fn, FN_ALLOC0 + 1},
	{"hotpath_function_frees", COUNTER, NULL, "Frees attributed to a function (--alloc).", e_fn,
	 FN_ALLOC0 + 2},
	{"hotpath_function_freed_bytes", COUNTER, "bytes",
	 "Bytes freed, attributed to a function (--alloc).", e_fn, FN_ALLOC0 + 3},
	{"hotpath_allocations", COUNTER, NULL, "Heap allocations of the process (--alloc).", e_mem,
	 0},
	{"hotpath_allocated_bytes", COUNTER, "bytes", "Bytes allocated by the process (--alloc).",
	 e_mem, 1},
	{"hotpath_frees", COUNTER, NULL, "Frees of the process (--alloc).", e_mem, 2},
	{"hotpath_freed_bytes", COUNTER, "bytes", "Bytes freed by the process (--alloc).", e_mem,
	 3},
	{"hotpath_live_bytes", GAUGE, "bytes", "Heap bytes allocated and not yet freed (--alloc).",
	 e_mem, 4},
	{"hotpath_peak_live_bytes", GAUGE, "bytes", "Highest live heap bytes seen (--alloc).",
	 e_mem, 5},
	{"hotpath_channel_messages", COUNTER, NULL,
	 "Calls that moved data through a pipe, FIFO, queue, socketpair or eventfd.", e_chan,
	 CH_MESSAGES},
	{"hotpath_channel_bytes", COUNTER, "bytes", "Bytes moved through a channel.", e_chan,
	 CH_BYTES},
	{"hotpath_channel_blocked_seconds", COUNTER, "seconds",
	 "Time spent inside a channel's calls.", e_chan, CH_BLOCKED},
	{"hotpath_lock_acquisitions", COUNTER, NULL, "Acquisitions of a lock.", e_lock, LK_ACQ},
	{"hotpath_lock_contentions", COUNTER, NULL, "Acquisitions that had to wait.", e_lock,
	 LK_CONT},
	{"hotpath_lock_wait_seconds", COUNTER, "seconds", "Time spent waiting to acquire a lock.",
	 e_lock, LK_WAIT},
	{"hotpath_lock_hold_seconds", COUNTER, "seconds", "Time a lock was held.", e_lock, LK_HOLD},
	{"hotpath_lock_cond_waits", COUNTER, NULL, "Waits on a condition variable.", e_lock,
	 LK_CWAITS},
	{"hotpath_lock_cond_wait_seconds", COUNTER, "seconds", "Time spent in condition waits.",
	 e_lock, LK_CWAIT},
	{"hotpath_lock_cond_signals", COUNTER, NULL,
	 "Signals and broadcasts of a condition variable.", e_lock, LK_CSIG},
	{"hotpath_threads", GAUGE, NULL, "Threads of the process that are running.", e_threads, 0},
	{"hotpath_thread_cpu_seconds", COUNTER, "seconds",
	 "CPU time of all the process's threads, by mode.", e_cpu, 0},
	{"hotpath_io_operations", COUNTER, NULL,
	 "read/write calls that moved data on fds that are not channels, by fd kind.", e_io,
	 IO_OPS},
	{"hotpath_io_bytes", COUNTER, "bytes",
	 "Bytes read or written on fds that are not channels.", e_io, IO_BYTES},
	{"hotpath_io_blocked_seconds", COUNTER, "seconds",
	 "Time spent inside those read/write calls.", e_io, IO_BLOCKED},
};
#define NFAM (sizeof(families) / sizeof(families[0]))

/* HELP/TYPE/UNIT lines of one family; sets m->sample. */
static void header(struct hp_prom *m, const char *name, int type, const char *unit,
		   const char *help)
{
	struct out *o = &m->blk;
	int om = m->o.openmetrics;
	const char *tname = type == COUNTER ? "counter" : type == HISTOGRAM ? "histogram" : "gauge";
	char fam[128];
	/* Text 0.0.4 names the family by its samples' name; OpenMetrics by the bare name. */
	snprintf(fam, sizeof(fam), "%s%s", name, !om && type == COUNTER ? "_total" : "");
	snprintf(m->sample, sizeof(m->sample), "%s%s", name, type == COUNTER ? "_total" : "");
	m->sample_len = strlen(m->sample);
	puts_(o, "# HELP ");
	puts_(o, fam);
	put(o, " ", 1);
	puts_(o, help);
	puts_(o, "\n# TYPE ");
	puts_(o, fam);
	put(o, " ", 1);
	puts_(o, tname);
	put(o, "\n", 1);
	if (om && unit) {
		puts_(o, "# UNIT ");
		puts_(o, fam);
		put(o, " ", 1);
		puts_(o, unit);
		put(o, "\n", 1);
	}
}

/* The server's own families, after the processes'. */
static void serve_block(struct hp_prom *m)
{
	struct out *o = &m->blk;
	header(m, "hotpath_serve_processes", GAUGE, NULL, "Profiled processes shown on this page.");
	puts_(o, "hotpath_serve_processes ");
	put_u64(o, m->nprocs);
	put(o, "\n", 1);
	header(m, "hotpath_serve_region_errors", COUNTER, NULL,
	       "Regions that could not be read (truncated or not a valid region) since the server started.");
	puts_(o, "hotpath_serve_region_errors_total ");
	put_u64(o, m->stats.region_errors);
	put(o, "\n", 1);
	header(m, "hotpath_serve_scrapes", COUNTER, NULL,
	       "Pages of metrics served since the server started.");
	puts_(o, "hotpath_serve_scrapes_total ");
	put_u64(o, m->stats.scrapes);
	put(o, "\n", 1);
	if (m->o.openmetrics)
		puts_(o, "# EOF\n");
}

/* Produce the next block; 0 when there is none. */
static int next_block(struct hp_prom *m)
{
	m->blk.n = 0;
	m->blk_pos = 0;
	while (!m->blk.n && !m->done) {
		if (m->fam == NFAM) {
			serve_block(m);
			m->done = 1;
			break;
		}
		const struct family *f = &families[m->fam];
		if (m->proc == 0)
			header(m, f->name, f->type, f->unit, f->help);
		if (m->proc < m->nprocs)
			f->emit(m, &m->procs[m->proc], f);
		if (++m->proc >= m->nprocs) {
			m->proc = 0;
			m->fam++;
		}
	}
	return m->blk.oom ? -ENOMEM : m->blk.n > 0;
}

ssize_t hp_prom_read(struct hp_prom *m, char *out, size_t max)
{
	size_t got = 0;
	while (got < max) {
		if (m->blk_pos == m->blk.n) {
			int rc = next_block(m);
			if (rc < 0)
				return rc;
			if (!rc)
				break;
		}
		size_t n = m->blk.n - m->blk_pos;
		if (n > max - got)
			n = max - got;
		memcpy(out + got, m->blk.b + m->blk_pos, n);
		m->blk_pos += n;
		got += n;
	}
	return (ssize_t)got;
}

struct hp_prom *hp_prom_new(const struct hp_prom_opts *o)
{
	struct hp_prom *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->o = *o;
	if (m->o.nbuckets < 0 || m->o.nbuckets > HP_PROM_MAX_BUCKETS)
		m->o.nbuckets = 0;
	for (int b = 0; b < m->o.nbuckets; b++)
		snprintf(m->le[b], sizeof(m->le[b]), "%.9g", m->o.buckets_s[b]);
	snprintf(m->le[m->o.nbuckets], sizeof(m->le[0]), "+Inf");
	for (int b = 0; b <= m->o.nbuckets; b++)
		m->le_len[b] = strlen(m->le[b]);
	return m;
}

void hp_prom_set_stats(struct hp_prom *m, const struct hp_prom_serve_stats *s)
{
	m->stats = *s;
}

void hp_prom_free(struct hp_prom *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nprocs; i++)
		pproc_free(&m->procs[i]);
	free(m->procs);
	free(m->blk.b);
	free(m);
}

const char *hp_prom_content_type(int openmetrics)
{
	return openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
			   : "text/plain; version=0.0.4; charset=utf-8";
}

int hp_prom_wants_openmetrics(const char *accept)
{
	for (const char *p = accept; p && (p = strstr(p, "application/openmetrics-text")); p++) {
		/* Up to the next media range: a q=0 refuses it. */
		const char *end = strchr(p, ',');
		const char *q = strstr(p, "q=");
		if (q && (!end || q < end) && strtod(q + 2, NULL) <= 0)
			continue;
		return 1;
	}
	return 0;
}

int hp_prom_parse_buckets(const char *list, struct hp_prom_opts *o, char *err, size_t errlen)
{
	o->nbuckets = 0;
	const char *p = list;
	while (p && *p) {
		char *end;
		double v = strtod(p, &end);
		if (end == p || !(v > 0) || !isfinite(v) || (*end && *end != ',')) {
			snprintf(err, errlen,
				 "expected positive seconds separated by commas, got '%s'", list);
			return -1;
		}
		if (o->nbuckets && v <= o->buckets_s[o->nbuckets - 1]) {
			snprintf(err, errlen, "bucket bounds must increase ('%s')", list);
			return -1;
		}
		if (o->nbuckets == HP_PROM_MAX_BUCKETS) {
			snprintf(err, errlen, "at most %d buckets", HP_PROM_MAX_BUCKETS);
			return -1;
		}
		o->buckets_s[o->nbuckets++] = v;
		p = *end ? end + 1 : end;
	}
	return 0;
}
