/* serve.c - `hotpath serve`: options, the listen address, and the one place that reads regions
 * for the server: each selected region mapped read-only, turned into a model under a SIGBUS
 * guard (a region truncated under us is skipped, not fatal), unmapped. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotpath.h"
#include "serve.h"
#include "settings.h"
#include "symbolize/symbolize.h"
#include "tools/region/region_model.h"

/* ---- the SIGBUS guard: per thread, since every connection has its own ---- */

static __thread volatile sig_atomic_t in_read;
static __thread sigjmp_buf read_jmp;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	if (in_read) {
		in_read = 0;
		siglongjmp(read_jmp, 1);
	}
	/* Not ours: die of it as we would have. */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_guard(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* Does this region belong on the pages? A live process's current image (an image that called
 * exec is replaced by its successor, which has the same pid: one series per pid); with a
 * session, every current image of that run, ended or not (the run removes them at its end). */
static int selected(const struct hp_server *s, const struct hp_rregion *r, int pid)
{
	const struct hp_region_header *h = r->h;
	uint32_t st = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
	if (st == HP_STATE_EXECED)
		return 0;
	if (s->o.session)
		return h->session == s->o.session;
	if (pid > 0 && h->pid == pid)
		return 1; /* asked for by pid: its last numbers, even when it has ended */
	return (st == HP_STATE_RUNNING || st == HP_STATE_STARTING) && hp_region_writer_alive(h);
}

/* The same choice from the header alone, read with pread: the many regions that are not shown
 * (ended processes, other sessions) cost no mapping, no page faults and no TLB shootdown. */
static int selected_by_header(const struct hp_server *s, const char *path, int pid)
{
	struct hp_region_header h;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t got = pread(fd, &h, sizeof(h), 0);
	close(fd);
	if (got != (ssize_t)sizeof(h) || h.magic != HP_REGION_MAGIC)
		return 1; /* not a region (or a short file): hp_rregion_open says why */
	struct hp_rregion r = {.h = &h};
	return selected(s, &r, pid);
}

/* The mapping of `path` (cached, or opened and cached); NULL with *rc = -errno when it cannot
 * be opened. Called under read_lock and the SIGBUS guard. */
static struct hp_serve_region *map_region(struct hp_server *s, const char *path, int *rc)
{
	char err[512];
	for (size_t i = 0; i < s->nmaps; i++)
		if (!strcmp(s->maps[i].r.path, path))
			return &s->maps[i];
	if (s->nmaps == s->capmaps) {
		size_t ncap = s->capmaps ? s->capmaps * 2 : 64;
		struct hp_serve_region *nv = realloc(s->maps, ncap * sizeof(*nv));
		if (!nv) {
			*rc = -ENOMEM;
			return NULL;
		}
		s->maps = nv;
		s->capmaps = ncap;
	}
	struct hp_serve_region *e = &s->maps[s->nmaps];
	memset(e, 0, sizeof(*e));
	*rc = hp_rregion_open(path, &e->r, err, sizeof(err));
	if (*rc < 0)
		return NULL;
	s->nmaps++;
	return e;
}

/* Forget what /metrics showed of a region: the next read names every function again. */
static void drop_cache(struct hp_serve_region *e)
{
	hp_fgroups_free(&e->fg);
	hp_prom_fns_put(e->fns);
	e->fns = NULL;
}

static void unmap_region(struct hp_server *s, struct hp_serve_region *e)
{
	drop_cache(e);
	hp_rregion_close(&e->r);
	*e = s->maps[--s->nmaps];
}

/* The pid in a region file's name (hotpath-PID-TIME), 0 when it has none. */
static int path_pid(const char *path)
{
	const char *base = strrchr(path, '/');
	int pid = 0;
	return sscanf(base ? base + 1 : path, "hotpath-%d-", &pid) == 1 ? pid : 0;
}

/* Unmap the cached regions whose file is not in `paths` (the listing of `pid`, or of all when
 * 0) any more, with what /metrics kept of them. Under read_lock. */
static void unmap_gone(struct hp_server *s, char **paths, int n, int pid)
{
	for (size_t i = 0; i < s->nmaps;) {
		/* A listing of one pid says nothing about the others. */
		int found = pid > 0 && path_pid(s->maps[i].r.path) != pid;
		for (int k = 0; k < n && !found; k++)
			found = !strcmp(paths[k], s->maps[i].r.path);
		if (found)
			i++;
		else
			unmap_region(s, &s->maps[i]);
	}
}

static int set_fn(size_t group, const struct hp_fn_row *row, void *arg)
{
	struct hp_serve_region *e = arg;
	return hp_prom_fns_set(&e->fns, group, row);
}

/* /metrics's read of a region: the model without functions, and the functions from the cache,
 * brought up to date (every one named again when one appeared, else only the changed ones
 * summed again). *fns: a reference. 0 or -ENOMEM (the cache is dropped then). Under read_lock
 * and the SIGBUS guard. */
static int read_counters(struct hp_server *s, struct hp_serve_region *e, struct hp_proc *out,
			 struct hp_prom_fns **fns)
{
	int rc = hp_proc_from_region_parts(&e->r, s->sym, 0, HP_PART_FLOW, out);
	e->fg.keep_names = 1;
	int nnew = rc < 0 ? rc : hp_fgroups_scan(&e->fg, &e->r);
	if (nnew < 0) {
		rc = -ENOMEM;
	} else if (nnew > 0 || !e->fns) { /* !fns: fg was empty, every group is listed */
		rc = hp_proc_functions_from_fgroups(&e->r, s->sym, 0, &e->fg, out);
		struct hp_prom_fns *nf = rc < 0 ? NULL : hp_prom_fns_new(&s->o.prom, out);
		hp_proc_free_functions(out);
		hp_prom_fns_put(e->fns);
		e->fns = nf;
		rc = nf ? 0 : -ENOMEM;
		__atomic_add_fetch(&s->renamed, 1, __ATOMIC_RELAXED);
	} else {
		rc = hp_proc_update_functions(&e->r, &e->fg, out, set_fn, e);
	}
	hp_fgroups_release(&e->fg);
	if (rc < 0) {
		drop_cache(e);
		return -ENOMEM;
	}
	*fns = hp_prom_fns_get(e->fns);
	return 0;
}

/* The cache slot being read by this thread: in memory (not a register) for the SIGBUS path. */
static __thread struct hp_serve_region *volatile cur;

/* Build the model of a mapped, selected region as `want` asks. Under read_lock and the guard. */
static int build_model(struct hp_server *s, struct hp_serve_region *e, int want,
		       struct hp_proc *out, struct hp_prom_fns **fns)
{
	int rc;
	if (want & HP_COLLECT_COUNTERS)
		rc = read_counters(s, e, out, fns);
	else
		rc = hp_proc_from_region_parts(&e->r, s->sym, want & HP_COLLECT_LINES,
					       want & HP_COLLECT_HEADER ? 0 : HP_PART_ALL, out);
	if (rc < 0)
		hp_proc_free(out);
	return rc < 0 ? -1 : 1;
}

/* Read one region into *out under the lock and the guard. 1 when a model was built, 0 when the
 * region is not selected or gone, -1 when it could not be read. */
static int read_one(struct hp_server *s, const char *path, int pid, int want, struct hp_proc *out,
		    struct hp_prom_fns **fns)
{
	volatile int rc = 0;
	memset(out, 0, sizeof(*out));
	*fns = NULL;
	int pre = selected_by_header(s, path, pid);
	if (pre <= 0) /* not shown, gone, or another user's */
		return pre == 0 || pre == -ENOENT || pre == -EACCES || pre == -EPERM ? 0 : -1;
	pthread_mutex_lock(&s->read_lock);
	cur = NULL;
	if (sigsetjmp(read_jmp, 1)) {
		/* Truncated while we read it. The partly built model is left behind (its pointers
		 * may be half set): a bounded leak per truncated region, counted. The mapping
		 * goes, with its cache, and the region with it if it is still there and broken. */
		memset(out, 0, sizeof(*out));
		if (cur)
			unmap_region(s, cur);
		pthread_mutex_unlock(&s->read_lock);
		return -1;
	}
	in_read = 1; /* from the open on: its checks read the header */
	int orc = 0;
	struct hp_serve_region *e = map_region(s, path, &orc);
	cur = e;
	if (!e) {
		in_read = 0;
		pthread_mutex_unlock(&s->read_lock);
		/* Gone since the listing, or another user's: not an error of the region. */
		return orc == -ENOENT || orc == -EACCES || orc == -EPERM ? 0 : -1;
	}
	if (s->o.read_delay_ms) /* tests only: a window in which to truncate the region */
		usleep(s->o.read_delay_ms * 1000);
	if (selected(s, &e->r, pid))
		rc = build_model(s, e, want, out, fns);
	else
		unmap_region(s, e); /* ended: it will not be shown again */
	in_read = 0;
	cur = NULL;
	pthread_mutex_unlock(&s->read_lock);
	return rc;
}

int hp_serve_collect(struct hp_server *s, int pid, int want,
		     void (*fn)(struct hp_proc *p, struct hp_prom_fns *fns, void *arg), void *arg)
{
	char **paths = NULL;
	int wpid = pid > 0 ? pid : s->o.pid;
	int n = hp_region_list(s->o.session, wpid, &paths);
	int got = 0;
	if (n >= 0) {
		pthread_mutex_lock(&s->read_lock);
		unmap_gone(s, paths, n, wpid);
		pthread_mutex_unlock(&s->read_lock);
	}
	/* Oldest first, so that the index lists processes in the order they started; for one pid
	 * newest first, to take its current image. */
	for (int k = 0; k < n; k++) {
		int i = wpid > 0 ? k : n - 1 - k;
		struct hp_proc p;
		struct hp_prom_fns *fns;
		int rc = read_one(s, paths[i], wpid, want, &p, &fns);
		if (rc < 0) {
			__atomic_add_fetch(&s->region_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (!rc)
			continue;
		if (!(want & (HP_COLLECT_COUNTERS | HP_COLLECT_HEADER))) /* sorted as a report */
			hp_proc_finish(&p, 0);
		fn(&p, fns, arg);
		hp_proc_free(&p);
		hp_prom_fns_put(fns);
		got++;
		if (wpid > 0)
			break; /* the newest image of that pid */
	}
	hp_paths_free(paths, n > 0 ? n : 0);
	return got;
}

/* ---- the address ---- */

/* Parse ADDR:PORT, [V6]:PORT, :PORT or localhost:PORT into a socket address. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, unsigned *len, int *v6,
			int *loopback, char *err, size_t errlen)
{
	char host[200];
	const char *colon, *hs = spec;
	size_t hl;
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		if (!rb || rb[1] != ':')
			goto bad;
		hs = spec + 1;
		hl = (size_t)(rb - hs);
		colon = rb + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			goto bad;
		hl = (size_t)(colon - spec);
	}
	if (hl >= sizeof(host))
		goto bad;
	memcpy(host, hs, hl);
	host[hl] = 0;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535)
		goto bad;
	if (!host[0] || !strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		*v6 = 0;
		*loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		*v6 = 1;
		*loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
		return 0;
	}
bad:
	snprintf(err, errlen, "listen address '%s': expected ADDR:PORT (127.0.0.1:%d, [::1]:%d)",
		 spec, HP_SERVE_DEFAULT_PORT, HP_SERVE_DEFAULT_PORT);
	return -1;
}

int hp_serve_start(struct hp_server *s, const struct hp_serve_opts *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned len;
	int v6, loopback;
	memset(s, 0, sizeof(*s));
	s->o = *o;
	if (parse_listen(o->listen, &ss, &len, &v6, &loopback, err, errlen) < 0)
		return -1;
	if (!loopback && !o->allow_remote) {
		snprintf(
			err, errlen,
			"listen address '%s' is not a loopback address: the pages show command lines, "
			"paths and function names to anyone who can connect; add --allow-remote to "
			"listen there anyway",
			o->listen);
		return -1;
	}
	if (!loopback)
		hp_warn("serve: listening on '%s', which is not loopback: anyone who can reach it sees "
			"this user's command lines and function names (no authentication, no TLS)",
			o->listen);
	s->sym = hp_symbolizer_new();
	if (!s->sym) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&s->read_lock, NULL);
	install_guard();
	if (hp_serve_http_start(s, &ss, len, v6, err, errlen) < 0) {
		hp_symbolizer_free(s->sym);
		s->sym = NULL;
		pthread_mutex_destroy(&s->read_lock);
		return -1;
	}
	return 0;
}

int hp_serve_opts_from_settings(struct hp_serve_opts *o, const struct hp_settings *st,
				const char *listen, char *err, size_t errlen)
{
	char why[256];
	memset(o, 0, sizeof(*o));
	snprintf(o->listen, sizeof(o->listen), "%s",
		 listen && *listen ? listen
		 : st->listen	   ? st->listen
				   : "127.0.0.1:9478");
	o->allow_remote = st->allow_remote;
	o->pid = (int)st->serve_pid;
	o->max_connections = (unsigned)st->max_connections;
	o->timeout_s = (unsigned)st->serve_timeout_s;
	if (hp_prom_parse_buckets(st->buckets ? st->buckets : "", &o->prom, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "buckets: %s", why);
		return -1;
	}
	memcpy(o->pcts, st->pcts, sizeof(o->pcts));
	o->npcts = st->npcts;
	const char *d = getenv("HOTPATH_SERVE_READ_DELAY_MS"); /* tests/test_serve.py only */
	o->read_delay_ms = d ? (unsigned)strtoul(d, NULL, 10) % 10000 : 0;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hotpath serve [OPTIONS]\n"
		"Serve the live numbers of this user's profiled processes over HTTP, read-only:\n"
		"  /metrics                 Prometheus text or OpenMetrics (by the Accept header)\n"
		"  /debug/pprof/wall        calls and wall time of timed functions (pprof, gzipped)\n"
		"  /debug/pprof/profile     CPU samples taken during ?seconds=N (pprof)\n"
		"  /debug/pprof/heap        allocation stacks (pprof)\n"
		"  /api/report?pid=N        the JSON report of a live process (as --format json)\n"
		"  /                        an index of the processes and these links\n"
		"pprof pages take ?pid=N when more than one process is profiled.\n\nOptions:\n");
	hp_settings_help_cmd(f, HP_SET_SERVE);
	fprintf(f,
		"  -h, --help               show this help\n\n"
		"Runs until SIGINT or SIGTERM. See docs/serve.md for Prometheus, Grafana and pprof.\n");
}

void hp_serve_stop(struct hp_server *s)
{
	hp_serve_http_stop(s);
	while (s->nmaps)
		unmap_region(s, &s->maps[0]);
	free(s->maps);
	s->maps = NULL;
	s->capmaps = 0;
	if (s->sym)
		hp_symbolizer_free(s->sym);
	s->sym = NULL;
	pthread_mutex_destroy(&s->read_lock);
}

int hp_cmd_serve(int argc, char **argv)
{
	struct hp_settings st;
	struct hp_serve_opts o;
	static struct hp_server srv;
	char err[1024];
	int i = 1;
	int rc = hp_settings_load(&st, hp_settings_find_config(argc - 1, argv + 1), err,
				  sizeof(err));
	if (rc == 0)
		rc = hp_settings_flags_cmd(&st, HP_SET_SERVE, argc, argv, &i, err, sizeof(err));
	if (rc == 1) {
		usage(stdout);
		hp_settings_free(&st);
		return 0;
	}
	if (rc == 0 && i < argc) {
		snprintf(err, sizeof(err),
			 "serve: unexpected argument '%s' (see hotpath serve --help)", argv[i]);
		rc = -1;
	}
	if (rc == 0)
		rc = hp_serve_opts_from_settings(&o, &st, NULL, err, sizeof(err));
	hp_settings_free(&st);
	if (rc < 0) {
		hp_err("%s", err);
		return 2;
	}
	/* Every thread, the server's included, leaves SIGINT and SIGTERM to sigwait below. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (hp_serve_start(&srv, &o, err, sizeof(err)) < 0) {
		hp_err("serve: %s", err);
		return 2;
	}
	fprintf(stderr, "hotpath: serving on %s/ (metrics: %s/metrics)\n", srv.url, srv.url);
	int sig = 0;
	sigwait(&set, &sig);
	hp_serve_stop(&srv);
	return 0;
}
