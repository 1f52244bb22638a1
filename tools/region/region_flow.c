/* region_flow.c - channels, locks, I/O per fd kind and thread ends from a region into the model
 * (part of hp_proc_from_region). The writer's side is preload/chan.c, preload/locks.c; the
 * tables and JSON are tools/report/report_flow.c, report_flow_json.c (docs/dataflow.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hp/region.h"
#include "preload/arch/arch.h" /* the tick source */
#include "region_model.h"

static uint64_t ns_of(const struct hp_rregion *r, uint64_t ticks)
{
	return (uint64_t)llround(hp_rregion_ns(r, ticks));
}

/* An address without a symbol (a stripped library's static function) as module and file
 * offset, the way addr2line takes them: "liblzma.so.5+0xc91f". NULL when in no module. */
static char *module_offset(const struct hp_rregion *r, uint64_t addr)
{
	uint32_t n = hp_rregion_rows(r, HP_T_MODULES);
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_module_rec *m = hp_rregion_row(r, HP_T_MODULES, i);
		if (!m || !m->end || addr < m->start || addr >= m->end)
			continue;
		char path[HP_PATH_MAX + 1], *s = NULL;
		memcpy(path, m->path, HP_PATH_MAX);
		path[HP_PATH_MAX] = 0;
		const char *b = strrchr(path, '/');
		if (asprintf(&s, "%s+0x%" PRIx64, b ? b + 1 : path, addr - m->bias) < 0)
			s = NULL;
		return s;
	}
	return NULL;
}

/* "what @ function (file.c:88)", or "what 0x…" when the site is unknown. */
static char *site_label(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			const char *what, uint64_t site, char **site_out)
{
	char *out = NULL;
	if (site_out)
		*site_out = NULL;
	if (!site)
		return NULL;
	struct hp_sym_info si;
	/* The return address follows the call: its line is the next statement's. */
	char *name = hp_region_symbol(r, sym, site - 1, NULL, want_lines ? &si : NULL);
	if (!name)
		return NULL;
	if (!strncmp(name, "0x", 2)) {
		char *mo = module_offset(r, site - 1);
		if (mo) {
			free(name);
			name = mo;
		}
	}
	char where[HP_SYM_FILE_MAX + 64] = "";
	if (want_lines && si.file[0]) {
		const char *b = strrchr(si.file, '/');
		snprintf(where, sizeof(where), " (%s:%d)", b ? b + 1 : si.file, si.line);
	}
	char *s = NULL;
	if (asprintf(&s, "%s%s", name, where) < 0)
		s = NULL;
	free(name);
	if (s && asprintf(&out, "%s @ %s", what, s) < 0)
		out = NULL;
	if (site_out)
		*site_out = s;
	else
		free(s);
	return out;
}

/* A live pipe's queued bytes, through the writer's fd in /proc (same user only). */
static int64_t sample_queued(int pid, int fd)
{
	char path[64];
	int n = -1;
	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISFIFO(st.st_mode))
		return -1; /* the fd was reused for something else: opening a device is not harmless */
	int q = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (q < 0)
		return -1;
	if (ioctl(q, FIONREAD, &n) < 0)
		n = -1;
	close(q);
	return n;
}

static int build_channels(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			  struct hp_proc *p, int live)
{
	uint32_t n = hp_rregion_rows(r, HP_T_CHANNELS);
	int64_t start = r->h->start_mono_ns;
	int64_t end = r->h->end_mono_ns
			      ? r->h->end_mono_ns
			      : hp_ns_add(start,
					  p->wall_ns > INT64_MAX ? INT64_MAX : (int64_t)p->wall_ns);
	p->chans = calloc(n ? n : 1, sizeof(*p->chans));
	if (!p->chans)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_channel_rec *c = hp_rregion_row(r, HP_T_CHANNELS, i);
		int64_t created = c ? __atomic_load_n(&c->created_mono_ns, __ATOMIC_ACQUIRE) : 0;
		if (!created)
			continue;
		struct hp_chan_row *x = &p->chans[p->nchans++];
		x->row = i;
		char raw[HP_LABEL_MAX + 1];
		memcpy(raw, c->label, HP_LABEL_MAX);
		raw[HP_LABEL_MAX] = 0;
		x->kind = (int)c->kind;
		x->fd[0] = c->fd[0];
		x->fd[1] = c->fd[1];
		x->label = site_label(r, sym, want_lines, hp_chan_kind_name(x->kind),
				      c->create_site, &x->site);
		if (!x->label) {
			int fd = c->fd[0] >= 0 ? c->fd[0] : c->fd[1];
			if (asprintf(&x->label, "%s%s (%sfd %d)",
				     x->kind == HP_CHAN_FIFO ? "fifo " : "",
				     raw[0] ? raw : hp_chan_kind_name(x->kind),
				     x->kind == HP_CHAN_FIFO ? "" : "inherited ", fd) < 0)
				x->label = NULL;
		} else if (raw[0] && (x->kind == HP_CHAN_MQUEUE || x->kind == HP_CHAN_FIFO)) {
			char *l = NULL; /* "mqueue /jobs @ main (q.c:12)" */
			if (asprintf(&l, "%s %s @ %s", hp_chan_kind_name(x->kind), raw, x->site) >=
			    0) {
				free(x->label);
				x->label = l;
			}
		}
		if (!x->label)
			return -ENOMEM;
		x->capacity = c->capacity;
		x->messages_in = c->dir[0].messages;
		x->messages_out = c->dir[1].messages;
		x->bytes_in = c->dir[0].bytes;
		x->bytes_out = c->dir[1].bytes;
		x->blocked_in_ns = ns_of(r, c->dir[0].blocked_ticks);
		x->blocked_out_ns = ns_of(r, c->dir[1].blocked_ticks);
		x->max_in = c->dir[0].max_transfer;
		x->max_out = c->dir[1].max_transfer;
		x->queued_max = c->queued_max;
		x->state = c->state;
		/* Timestamps of the region: untrusted, so differences that cannot overflow. */
		x->created_ns = hp_ns_diff(created, start);
		x->closed_ns = c->closed_mono_ns ? hp_ns_diff(c->closed_mono_ns, start) : 0;
		int64_t stop = c->closed_mono_ns ? c->closed_mono_ns : end;
		x->lifetime_ns = stop > created ? (double)stop - (double)created : 0;
		x->queued_now = -1;
		if (live && !c->closed_mono_ns &&
		    (x->kind == HP_CHAN_PIPE || x->kind == HP_CHAN_FIFO))
			x->queued_now = sample_queued(r->h->pid,
						      c->fd[1] >= 0 ? c->fd[1] : c->fd[0]);
	}
	return 0;
}

/* ---- waits still in progress (a thread blocked at exit, or now in a live snapshot) ---- */

struct wait_now {
	int tid;
	uint32_t kind;	 /* HP_WAIT_* */
	uint64_t object; /* lock address, channel row or io kind */
	uint64_t ns;	 /* blocked so far */
};

/* The waits in progress of the region's threads, up to the end of the process (its exit
 * calibration) or, while it runs, up to now. A malloc'd array (*out, *n) or -ENOMEM. */
static int collect_waits(const struct hp_rregion *r, int live, struct wait_now **out, size_t *n)
{
	const struct hp_region_header *h = r->h;
	uint64_t end = live || !h->ticks_t1 ? hp_arch_ticks() : h->ticks_t1;
	uint32_t nt = hp_rregion_rows(r, HP_T_THREADS);
	*n = 0;
	*out = calloc(nt ? nt : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (uint32_t i = 0; i < nt; i++) {
		const struct hp_thread_rec *t = hp_rregion_row(r, HP_T_THREADS, i);
		if (!t || !t->tid || t->state == HP_THREAD_EXITED)
			continue;
		uint64_t since = __atomic_load_n(&t->wait_since_ticks, __ATOMIC_ACQUIRE);
		if (!since || since >= end)
			continue;
		struct wait_now *w = &(*out)[(*n)++];
		w->tid = t->tid;
		w->kind = t->wait_kind;
		w->object = t->wait_object;
		w->ns = ns_of(r, end - since);
	}
	return 0;
}

static int waited_on(const struct wait_now *w, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++)
		if ((w[i].kind == HP_WAIT_LOCK || w[i].kind == HP_WAIT_COND) && w[i].object == addr)
			return 1;
	return 0;
}

/* A lock's row gets the waits in progress on it: wait time so far, longest wait. */
static void lock_add_waits(struct hp_lock_row *x, const struct wait_now *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!(w[i].kind == HP_WAIT_LOCK || w[i].kind == HP_WAIT_COND) ||
		    w[i].object != x->addr)
			continue;
		x->waiting++;
		if (w[i].kind == HP_WAIT_COND)
			x->cond_wait_ns += w[i].ns;
		else
			x->wait_ns += w[i].ns;
		if (w[i].ns > x->max_wait_ns)
			x->max_wait_ns = w[i].ns;
	}
}

/* What each waiting thread waits on, and its time so far in the thread's blocked time; the
 * channels and I/O kinds get it too. Labels are the rows' own. */
static int thread_add_waits(struct hp_proc *p, const struct wait_now *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct hp_thread_row *t = NULL;
		for (size_t j = 0; j < p->nthreads && !t; j++)
			if (p->threads[j].tid == w[i].tid)
				t = &p->threads[j];
		char buf[256] = "";
		int lockish = w[i].kind == HP_WAIT_LOCK || w[i].kind == HP_WAIT_COND;
		int out = w[i].kind == HP_WAIT_CHAN_OUT || w[i].kind == HP_WAIT_IO_OUT;
		if (lockish) {
			for (size_t j = 0; j < p->nlocks; j++)
				if (p->locks[j].addr == w[i].object && p->locks[j].label)
					snprintf(buf, sizeof(buf), "%s", p->locks[j].label);
			if (!buf[0])
				snprintf(buf, sizeof(buf), "%s 0x%" PRIx64,
					 w[i].kind == HP_WAIT_COND ? "cond" : "lock", w[i].object);
		} else if (w[i].kind == HP_WAIT_CHAN_IN || w[i].kind == HP_WAIT_CHAN_OUT) {
			for (size_t j = 0; j < p->nchans; j++) {
				struct hp_chan_row *c = &p->chans[j];
				if (c->row != w[i].object)
					continue;
				c->waiting++;
				if (out)
					c->blocked_out_ns += w[i].ns;
				else
					c->blocked_in_ns += w[i].ns;
				snprintf(buf, sizeof(buf), "%s %s", c->label ? c->label : "channel",
					 out ? "write" : "read");
			}
		} else if (w[i].kind == HP_WAIT_IO_IN || w[i].kind == HP_WAIT_IO_OUT) {
			for (size_t j = 0; j < p->nio; j++) {
				struct hp_io_row *io = &p->io[j];
				if ((uint64_t)io->kind != w[i].object)
					continue;
				if (out)
					io->write_blocked_ns += w[i].ns;
				else
					io->read_blocked_ns += w[i].ns;
			}
			snprintf(buf, sizeof(buf), "%s on %s", out ? "write" : "read",
				 w[i].object ? hp_io_kind_name((int)w[i].object) : "an fd");
		} else {
			continue;
		}
		if (!t)
			continue;
		if (lockish)
			t->lock_wait_ns += w[i].ns;
		else
			t->io_block_ns += w[i].ns;
		t->waiting_ns = w[i].ns;
		free(t->waiting_on);
		if (!(t->waiting_on = strdup(buf)))
			return -ENOMEM;
	}
	return 0;
}

static int lock_cmp(const void *a, const void *b)
{
	const struct hp_lock_row *x = a, *y = b;
	uint64_t wx = x->wait_ns + x->cond_wait_ns, wy = y->wait_ns + y->cond_wait_ns;
	if (wx != wy)
		return wx > wy ? -1 : 1;
	if (x->acquisitions != y->acquisitions)
		return x->acquisitions > y->acquisitions ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* A lock's total hold time: measured when every hold was timed, else the timed holds' mean
 * times all holds (0 when none was timed yet). A hold still open at the end counts in holds
 * only: its time is unknown. */
static uint64_t hold_estimate(const struct hp_lock_row *x, uint32_t every)
{
	if (every == 1 || x->holds_timed == 0 || x->holds <= x->holds_timed)
		return x->hold_timed_ns;
	return (uint64_t)((long double)x->hold_timed_ns * (long double)x->holds /
				  (long double)x->holds_timed +
			  0.5L);
}

static int build_locks(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
		       struct hp_proc *p, const struct wait_now *w, size_t nw)
{
	p->lock_hold_every = r->h->lock_hold_every;
	uint32_t n = hp_rregion_rows(r, HP_T_LOCKS);
	p->locks = calloc(n ? n : 1, sizeof(*p->locks));
	if (!p->locks)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_lock_rec *l = hp_rregion_row(r, HP_T_LOCKS, i);
		uint64_t addr = l ? __atomic_load_n(&l->addr, __ATOMIC_ACQUIRE) : 0;
		if (!addr || !(l->acquisitions || l->cond_waits || l->cond_signals ||
			       waited_on(w, nw, addr)))
			continue;
		struct hp_lock_row *x = &p->locks[p->nlocks++];
		x->kind = (int)l->kind;
		x->addr = addr;
		x->label = site_label(r, sym, want_lines, hp_lock_kind_name(x->kind), l->init_site,
				      NULL);
		if (!x->label &&
		    asprintf(&x->label, "%s 0x%" PRIx64, hp_lock_kind_name(x->kind), addr) < 0)
			x->label = NULL;
		if (!x->label)
			return -ENOMEM;
		x->acquisitions = l->acquisitions;
		x->contended = l->contended;
		x->wait_ns = ns_of(r, l->wait_ticks);
		x->max_wait_ns = ns_of(r, l->max_wait_ticks);
		x->max_hold_ns = ns_of(r, l->max_hold_ticks);
		x->holds = x->kind == HP_LOCK_RWLOCK				 ? l->holds
			   : x->kind == HP_LOCK_MUTEX || x->kind == HP_LOCK_SPIN ? l->acquisitions
										 : 0;
		x->holds_timed = l->hold_samples;
		x->hold_timed_ns = ns_of(r, l->hold_ticks);
		x->hold_ns = hold_estimate(x, p->lock_hold_every);
		x->cond_waits = l->cond_waits;
		x->cond_wait_ns = ns_of(r, l->cond_wait_ticks);
		x->cond_signals = l->cond_signals;
		lock_add_waits(x, w, nw);
	}
	if (p->nlocks > 1)
		qsort(p->locks, p->nlocks, sizeof(*p->locks), lock_cmp);
	return 0;
}

static int build_io(const struct hp_rregion *r, struct hp_proc *p)
{
	uint32_t n = hp_rregion_rows(r, HP_T_IO);
	p->io = calloc(HP_IO_KINDS, sizeof(*p->io));
	if (!p->io)
		return -ENOMEM;
	for (uint32_t k = 1; k < n && k < HP_IO_KINDS; k++) {
		const struct hp_io_rec *io = hp_rregion_row(r, HP_T_IO, k);
		if (!io || io->kind != k ||
		    !(io->dir[0].blocked_ticks || io->dir[1].blocked_ticks || io->dir[0].messages ||
		      io->dir[1].messages))
			continue;
		struct hp_io_row *x = &p->io[p->nio++];
		x->kind = (int)k;
		x->reads = io->dir[0].messages;
		x->writes = io->dir[1].messages;
		x->read_bytes = io->dir[0].bytes;
		x->write_bytes = io->dir[1].bytes;
		x->read_blocked_ns = ns_of(r, io->dir[0].blocked_ticks);
		x->write_blocked_ns = ns_of(r, io->dir[1].blocked_ticks);
		x->max_read = io->dir[0].max_transfer;
		x->max_write = io->dir[1].max_transfer;
	}
	return 0;
}

/* CPU time of threads still running, read now from /proc (the writer records final values at
 * thread exit). */
static void live_thread_cpu(struct hp_proc *p)
{
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	for (size_t i = 0; i < p->nthreads; i++) {
		struct hp_thread_row *t = &p->threads[i];
		if (!t->running || t->cpu_user_ns || t->cpu_sys_ns)
			continue;
		char path[64], buf[1024];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", p->pid, t->tid);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t k = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[k] = 0;
		char *q = strrchr(buf, ')');
		unsigned long long ut, st;
		/* After ")": state, then fields 4..13, then utime (14) and stime (15). */
		if (q && sscanf(q + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&ut, &st) == 2) {
			t->cpu_user_ns = ut * (1000000000ull / (unsigned long long)hz);
			t->cpu_sys_ns = st * (1000000000ull / (unsigned long long)hz);
		}
	}
}

int hp_flow_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			struct hp_proc *p)
{
	int live = p->state == HP_PS_RUNNING;
	struct wait_now *w = NULL;
	size_t nw = 0;
	if (collect_waits(r, live, &w, &nw) < 0 ||
	    build_channels(r, sym, want_lines, p, live) < 0 ||
	    build_locks(r, sym, want_lines, p, w, nw) < 0 || build_io(r, p) < 0 ||
	    thread_add_waits(p, w, nw) < 0) {
		free(w);
		return -ENOMEM;
	}
	free(w);
	if (live)
		live_thread_cpu(p);
	/* Start routines without a symbol: module+offset rather than a bare address. */
	for (size_t i = 0; i < p->nthreads; i++) {
		struct hp_thread_row *t = &p->threads[i];
		char *end;
		uint64_t a = t->start_routine && !strncmp(t->start_routine, "0x", 2)
				     ? strtoull(t->start_routine, &end, 16)
				     : 0;
		char *mo = a ? module_offset(r, a) : NULL;
		if (mo) {
			free(t->start_routine);
			t->start_routine = mo;
		}
	}
	/* The process (or this image, replaced by exec) has ended, so have all its threads: the
	 * main thread (its end is recorded at exit) and workers still blocked when the program
	 * called exit or exec (they end with it). */
	int64_t proc_end = r->h->end_mono_ns > r->h->start_mono_ns
				   ? hp_ns_diff(r->h->end_mono_ns, r->h->start_mono_ns)
				   : 0;
	for (size_t i = 0; !live && i < p->nthreads; i++) {
		struct hp_thread_row *t = &p->threads[i];
		if (t->running && !t->end_ns)
			t->end_ns = proc_end > t->start_ns ? proc_end : t->start_ns;
		t->running = 0;
	}
	return 0;
}
