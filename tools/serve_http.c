/* serve_http.c - the pages of `hotpath serve` on libmicrohttpd: one thread per connection (a
 * bounded number, idle ones timed out), models gathered by serve.c, rendered by the report
 * renderers (Prometheus, pprof, JSON), errors as 4xx with one line saying why. */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hotpath.h"
#include "serve.h"
#include "tools/report/report_pprof.h"
#include "tools/report/report_prom.h"

#define MAX_PPROF_SECONDS 3600

/* ---- small responses ---- */

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *type,
				void *buf, size_t len, int take)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, buf,
								 take ? MHD_RESPMEM_MUST_FREE
								      : MHD_RESPMEM_MUST_COPY);
	if (!r) {
		if (take)
			free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* "hotpath serve: <why>\n" as text/plain with `status`. */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	char line[700];
	int n = snprintf(line, sizeof(line), "hotpath serve: ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = strlen(line);
	line[len++] = '\n';
	return send_buf(c, status, "text/plain; charset=utf-8", line, len, 0);
}

/* ---- query parameters ---- */

struct argcheck {
	const char *const *allowed;
	char bad[64];
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct argcheck *a = cls;
	for (int i = 0; a->allowed[i]; i++)
		if (!strcmp(key, a->allowed[i]))
			return MHD_YES;
	snprintf(a->bad, sizeof(a->bad), "%s", key);
	return MHD_NO;
}

/* Parameters other than `allowed` are refused; 0 or -1 after answering. */
static int only_args(struct MHD_Connection *c, const char *const *allowed, enum MHD_Result *ret,
		     const char *page)
{
	struct argcheck a = {allowed, ""};
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_arg, &a);
	if (!a.bad[0])
		return 0;
	*ret = send_error(c, MHD_HTTP_BAD_REQUEST, "%s: unknown parameter '%.40s'", page, a.bad);
	return -1;
}

/* Integer parameter in [lo, hi]: 1 when present, 0 when absent, -1 after answering 400. */
static int int_arg(struct MHD_Connection *c, const char *key, long lo, long hi, long *out,
		   enum MHD_Result *ret)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
	if (!v)
		return 0;
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (!*v || *end || errno || x < lo || x > hi) {
		*ret = send_error(c, MHD_HTTP_BAD_REQUEST,
				  "%s: expected an integer from %ld to %ld, got '%.40s'", key, lo,
				  hi, v);
		return -1;
	}
	*out = x;
	return 1;
}

/* ---- /metrics ---- */

struct prom_fill {
	struct hp_prom *m;
	int oom;
};

static void add_prom(struct hp_proc *p, struct hp_prom_fns *fns, void *arg)
{
	struct prom_fill *f = arg;
	if (hp_prom_add_fns(f->m, p, fns) < 0)
		f->oom = 1;
}

static ssize_t prom_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	ssize_t n = hp_prom_read(cls, buf, max);
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n ? n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void prom_free(void *cls)
{
	hp_prom_free(cls);
}

static enum MHD_Result page_metrics(struct hp_server *s, struct MHD_Connection *c)
{
	static const char *const allowed[] = {NULL};
	enum MHD_Result ret;
	if (only_args(c, allowed, &ret, "/metrics") < 0)
		return ret;
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT);
	struct hp_prom_opts o = s->o.prom;
	o.openmetrics = hp_prom_wants_openmetrics(accept);
	struct prom_fill f = {hp_prom_new(&o), 0};
	if (!f.m)
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	uint64_t renamed = __atomic_load_n(&s->renamed, __ATOMIC_RELAXED);
	hp_serve_collect(s, 0, HP_COLLECT_COUNTERS, add_prom, &f);
	/* Naming functions built whole models and freed them around the cache, which stays: give
	 * the free pages between back (a scrape that names nothing allocates little). */
	if (__atomic_load_n(&s->renamed, __ATOMIC_RELAXED) != renamed)
		malloc_trim(0);
	if (f.oom) {
		hp_prom_free(f.m);
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	struct hp_prom_serve_stats st = {
		.region_errors = __atomic_load_n(&s->region_errors, __ATOMIC_RELAXED),
		.scrapes = __atomic_add_fetch(&s->scrapes, 1, __ATOMIC_RELAXED),
	};
	hp_prom_set_stats(f.m, &st);
	/* Streamed in blocks as the client reads: the page is never whole in memory. */
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 256 * 1024,
								   prom_reader, f.m, prom_free);
	if (!r) {
		hp_prom_free(f.m);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				hp_prom_content_type(o.openmetrics));
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- one process: /api/report and the pprof pages ---- */

struct pids {
	int v[8];
	int n;
};

static void count_pid(struct hp_proc *p, struct hp_prom_fns *fns, void *arg)
{
	struct pids *x = arg;
	if (x->n < (int)(sizeof(x->v) / sizeof(x->v[0])))
		x->v[x->n] = p->pid;
	x->n++;
}

/* The process a page is about: ?pid=N, or the only one there is. 0 or -1 after answering. */
static int pick_pid(struct hp_server *s, struct MHD_Connection *c, const char *page, int *pid,
		    enum MHD_Result *ret)
{
	long v = 0;
	int have = int_arg(c, "pid", 1, 1l << 30, &v, ret);
	if (have < 0)
		return -1;
	if (have) {
		*pid = (int)v;
		return 0;
	}
	if (s->o.pid > 0) {
		*pid = s->o.pid;
		return 0;
	}
	struct pids x = {{0}, 0};
	hp_serve_collect(s, 0, HP_COLLECT_HEADER, count_pid, &x);
	if (x.n == 1) {
		*pid = x.v[0];
		return 0;
	}
	if (x.n == 0)
		*ret = send_error(c, MHD_HTTP_NOT_FOUND, "%s: no profiled process is running",
				  page);
	else
		*ret = send_error(c, MHD_HTTP_BAD_REQUEST,
				  "%s: %d processes are profiled: add ?pid=PID (see / for the list)",
				  page, x.n);
	return -1;
}

/* CPU samples per stack at the start of a /debug/pprof/profile window. */
struct cpu_snap {
	char **keys;
	uint64_t *samples;
	size_t n;
};

/* "tid|outer|...|inner": a stack of a thread, as the model names it. malloc'd. */
static char *stack_key(const struct hp_cpu_stack *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "%d", st->tid);
	for (size_t k = 0; k < st->nframes; k++)
		fprintf(f, "|%s", st->frames[k].name ? st->frames[k].name : "");
	fclose(f);
	return buf;
}

static void snap_cpu(struct hp_proc *p, struct hp_prom_fns *fns, void *arg)
{
	struct cpu_snap *s = arg;
	const struct hp_cpu_info *c = p->cpu;
	if (!c || !c->nstacks)
		return;
	s->keys = calloc(c->nstacks, sizeof(char *));
	s->samples = calloc(c->nstacks, sizeof(uint64_t));
	for (size_t i = 0; s->keys && s->samples && i < c->nstacks; i++) {
		s->keys[s->n] = stack_key(&c->stacks[i]);
		s->samples[s->n] = c->stacks[i].samples;
		s->n += s->keys[s->n] != NULL;
	}
}

static void snap_free(struct cpu_snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->samples);
}

/* Leave in p only the samples taken since `before`. */
static void cpu_since(struct hp_proc *p, const struct cpu_snap *before)
{
	struct hp_cpu_info *c = p->cpu;
	uint64_t total = 0;
	for (size_t i = 0; c && i < c->nstacks; i++) {
		char *key = stack_key(&c->stacks[i]);
		for (size_t k = 0; key && k < before->n; k++) {
			if (strcmp(key, before->keys[k]))
				continue;
			uint64_t was = before->samples[k];
			c->stacks[i].samples = c->stacks[i].samples > was
						       ? c->stacks[i].samples - was
						       : 0;
			break;
		}
		free(key);
		total += c->stacks[i].samples;
	}
	if (c)
		c->samples = total;
}

struct one {
	const struct cpu_snap *before; /* the CPU page: samples at the window's start */
	uint64_t duration_ns;
	unsigned what; /* HP_PPROF_* for pprof pages, 0 for the JSON report */
	const struct hp_serve_opts *o;
	unsigned status;
	char *body;
	size_t len;
	char why[300];
	int found;
};

static void render_one(struct hp_proc *p, struct hp_prom_fns *fns, void *arg)
{
	struct one *x = arg;
	x->found = 1;
	if (!x->what) {
		struct hp_report_opts ro = {.npcts = x->o->npcts, .format = HP_FMT_JSON};
		memcpy(ro.pcts, x->o->pcts, sizeof(ro.pcts));
		FILE *f = open_memstream(&x->body, &x->len);
		if (!f || hp_report_render(f, p, &ro) < 0 || fputc('\n', f) == EOF) {
			snprintf(x->why, sizeof(x->why), "cannot render the report");
			x->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		}
		if (f)
			fclose(f);
		if (!x->status)
			x->status = MHD_HTTP_OK;
		return;
	}
	unsigned char *buf = NULL;
	size_t len = 0;
	if (x->before)
		cpu_since(p, x->before);
	int rc = hp_pprof_encode(p, x->what, x->duration_ns, &buf, &len, x->why, sizeof(x->why));
	if (rc == -ENODATA) {
		x->status = MHD_HTTP_NOT_FOUND;
	} else if (rc < 0) {
		x->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	} else {
		x->status = MHD_HTTP_OK;
		x->body = (char *)buf;
		x->len = len;
	}
}

static enum MHD_Result page_one(struct hp_server *s, struct MHD_Connection *c, const char *page,
				unsigned what)
{
	static const char *const pid_only[] = {"pid", NULL};
	static const char *const with_seconds[] = {"pid", "seconds", NULL};
	enum MHD_Result ret;
	if (only_args(c, what == HP_PPROF_CPU ? with_seconds : pid_only, &ret, page) < 0)
		return ret;
	long seconds = 30;
	if (what == HP_PPROF_CPU && int_arg(c, "seconds", 1, MAX_PPROF_SECONDS, &seconds, &ret) < 0)
		return ret;
	int pid;
	if (pick_pid(s, c, page, &pid, &ret) < 0)
		return ret;
	struct one x = {.what = what, .o = &s->o};
	struct cpu_snap before = {0};
	if (what == HP_PPROF_CPU) {
		/* The samples of the next `seconds`: the difference of two snapshots. */
		if (hp_serve_collect(s, pid, 0, snap_cpu, &before) == 0)
			return send_error(c, MHD_HTTP_NOT_FOUND,
					  "%s: no profiled process with pid %d (see /)", page, pid);
		sleep((unsigned)seconds);
		x.before = &before;
		x.duration_ns = (uint64_t)seconds * 1000000000ull;
	}
	hp_serve_collect(s, pid, HP_COLLECT_LINES, render_one, &x);
	snap_free(&before);
	if (!x.found) {
		free(x.body);
		return send_error(c, MHD_HTTP_NOT_FOUND,
				  "%s: no profiled process with pid %d (see /)", page, pid);
	}
	if (x.status != MHD_HTTP_OK) {
		free(x.body);
		return send_error(c, x.status, "%s: pid %d: %s", page, pid, x.why);
	}
	/* A CPU profile covers ?seconds=N from now: when the model has CPU samples, the window is
	 * the difference of two snapshots (issue 15); until then the page answers 404 above. */
	return send_buf(c, MHD_HTTP_OK, what ? "application/octet-stream" : "application/json",
			x.body, x.len, 1);
}

/* ---- the index ---- */

static void html_esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* A process of the index: the cached /metrics read (the functions are counted, not built). */
static void index_row(struct hp_proc *p, struct hp_prom_fns *fns, void *arg)
{
	FILE *f = arg;
	char wall[32];
	hp_fmt_ns(wall, sizeof(wall), (double)p->wall_ns);
	fprintf(f, "<tr><td>%d</td><td>", p->pid);
	for (int i = 0; i < p->argc && i < 8; i++) {
		html_esc(f, p->argv[i]);
		fputc(' ', f);
	}
	fprintf(f,
		"</td><td>%s</td><td>%s</td><td>%zu</td><td>%s</td><td>"
		"<a href=\"/api/report?pid=%d\">report</a> "
		"<a href=\"/debug/pprof/wall?pid=%d\">wall</a> "
		"<a href=\"/debug/pprof/profile?pid=%d&amp;seconds=10\">cpu</a> "
		"<a href=\"/debug/pprof/heap?pid=%d\">heap</a></td></tr>\n",
		hp_proc_state_name(p->state), hp_profiling_mode(p->modes), hp_prom_fns_count(fns),
		wall, p->pid, p->pid, p->pid, p->pid);
}

static enum MHD_Result page_index(struct hp_server *s, struct MHD_Connection *c)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	if (!f)
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	fprintf(f,
		"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>hotpath serve</title>"
		"</head><body>\n<h1>hotpath serve</h1>\n<p><a href=\"/metrics\">/metrics</a> "
		"(Prometheus, OpenMetrics) &middot; <a href=\"/debug/pprof/\">/debug/pprof/</a></p>\n"
		"<table border=\"1\" cellpadding=\"3\">\n<tr><th>pid</th><th>command</th>"
		"<th>state</th><th>mode</th><th>functions</th><th>wall</th><th>pages</th></tr>\n");
	int n = hp_serve_collect(s, 0, HP_COLLECT_COUNTERS, index_row, f);
	fprintf(f, "</table>\n<p>%d profiled process%s.</p>\n</body></html>\n", n,
		n == 1 ? "" : "es");
	if (fclose(f) != 0) {
		free(body);
		return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return send_buf(c, MHD_HTTP_OK, "text/html; charset=utf-8", body, len, 1);
}

static enum MHD_Result page_pprof_index(struct MHD_Connection *c)
{
	static const char html[] =
		"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>/debug/pprof/</title>"
		"</head><body>\n<h1>/debug/pprof/</h1>\n<ul>\n"
		"<li><a href=\"wall\">wall</a>: calls and wall time of timed functions</li>\n"
		"<li><a href=\"profile?seconds=10\">profile</a>: CPU samples over ?seconds=N</li>\n"
		"<li><a href=\"heap\">heap</a>: allocation stacks (--alloc-stacks)</li>\n"
		"</ul>\n<p>Add ?pid=PID when several processes are profiled.</p>\n</body></html>\n";
	return send_buf(c, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)html, sizeof(html) - 1,
			0);
}

/* ---- dispatch ---- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct hp_server *s = cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		struct MHD_Response *r = MHD_create_response_from_buffer(
			sizeof("hotpath serve: only GET and HEAD\n") - 1,
			(void *)"hotpath serve: only GET and HEAD\n", MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; charset=utf-8");
		enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (!strcmp(url, "/metrics"))
		return page_metrics(s, c);
	if (!strcmp(url, "/"))
		return page_index(s, c);
	if (!strcmp(url, "/api/report"))
		return page_one(s, c, "/api/report", 0);
	if (!strcmp(url, "/debug/pprof/") || !strcmp(url, "/debug/pprof"))
		return page_pprof_index(c);
	if (!strcmp(url, "/debug/pprof/wall"))
		return page_one(s, c, "/debug/pprof/wall", HP_PPROF_WALL);
	if (!strcmp(url, "/debug/pprof/profile"))
		return page_one(s, c, "/debug/pprof/profile", HP_PPROF_CPU);
	if (!strcmp(url, "/debug/pprof/heap"))
		return page_one(s, c, "/debug/pprof/heap", HP_PPROF_HEAP);
	char shown[80];
	snprintf(shown, sizeof(shown), "%s", url);
	for (char *p = shown; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return send_error(c, MHD_HTTP_NOT_FOUND, "no page '%s' (see / for the pages)", shown);
}

/* The listening socket is ours, so that a bind error says exactly why and port 0 works. */
static int listen_socket(const void *addr, unsigned addrlen, int v6, unsigned backlog, char *err,
			 size_t errlen, const char *spec)
{
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, addr, addrlen) < 0 || listen(fd, (int)backlog) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int hp_serve_http_start(struct hp_server *s, const void *addr, unsigned addrlen, int v6, char *err,
			size_t errlen)
{
	unsigned conns = s->o.max_connections ? s->o.max_connections : 256;
	int fd = listen_socket(addr, addrlen, v6, conns, err, errlen, s->o.listen);
	if (fd < 0)
		return -1;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (v6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			s->port = ntohs(a->sin6_port);
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			s->port = ntohs(a->sin_port);
		}
	}
	snprintf(s->url, sizeof(s->url), v6 ? "http://[%s]:%u" : "http://%s:%u", host, s->port);
	/* One thread per connection: a slow client holds only its own thread, never the region
	 * lock (pages are rendered after the regions are read). */
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
					  (v6 ? MHD_USE_IPv6 : 0),
				  0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, conns, MHD_OPTION_CONNECTION_TIMEOUT,
				  s->o.timeout_s ? s->o.timeout_s : 10, MHD_OPTION_END);
	if (!s->mhd) {
		close(fd);
		snprintf(err, errlen, "cannot start the HTTP server on %s", s->o.listen);
		return -1;
	}
	return 0;
}

void hp_serve_http_stop(struct hp_server *s)
{
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	s->mhd = NULL;
}
