/* store_read.c - the run history read back: a run into the report model, the list of runs,
 * and the lookup of runs by id, last, label or git revision. docs/history.md. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/config.h"
#include "tools/report/report.h"
#include "store.h"
#include "store_int.h"

extern char **environ;

/* ---- load ---- */

static char *col_str(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? strdup((const char *)t) : NULL;
}

static uint64_t col_u64(sqlite3_stmt *s, int col)
{
	return (uint64_t)sqlite3_column_int64(s, col);
}

static int state_from_name(const char *name)
{
	for (int i = HP_PS_RUNNING; i <= HP_PS_VANISHED; i++)
		if (name && !strcmp(name, hp_proc_state_name(i)))
			return i;
	return HP_PS_VANISHED;
}

#define RUN_COLS                                                                                   \
	"r.id, r.label, r.saved_unix_ns, r.command, r.git_commit, r.git_branch, r.git_dirty, "     \
	"r.host, r.hotpath_version, r.settings, r.percentiles"

static void meta_from_row(sqlite3_stmt *s, struct hp_run_meta *m)
{
	char why[128];
	const unsigned char *pcts = sqlite3_column_text(s, 10);

	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(s, 0);
	m->label = col_str(s, 1);
	m->saved_unix_ns = sqlite3_column_int64(s, 2);
	m->command = col_str(s, 3);
	m->git_commit = col_str(s, 4);
	m->git_branch = col_str(s, 5);
	m->git_dirty = sqlite3_column_int(s, 6);
	m->host = col_str(s, 7);
	m->hotpath_version = col_str(s, 8);
	m->settings_json = col_str(s, 9);
	if (!pcts || !*pcts ||
	    hp_parse_percentiles((const char *)pcts, m->pcts, HP_MAX_PCTS, &m->npcts, why,
				 sizeof(why)) < 0) {
		m->pcts[0] = 95;
		m->npcts = 1;
	}
}

void hp_run_meta_free(struct hp_run_meta *m)
{
	if (!m)
		return;
	free(m->label);
	free(m->command);
	free(m->git_commit);
	free(m->git_branch);
	free(m->host);
	free(m->hotpath_version);
	free(m->settings_json);
	memset(m, 0, sizeof(*m));
}

void hp_run_metas_free(struct hp_run_meta *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		hp_run_meta_free(&m[i]);
	free(m);
}

int hp_store_list(struct hp_store *st, const char *label, size_t limit, struct hp_run_meta **out,
		  size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *s =
		hp_store_prepare(st,
				 "SELECT " RUN_COLS ", p.state, p.exit_status, p.term_signal, "
				 "p.start_unix_ns, p.wall_ns, p.functions_total, "
				 "(SELECT count(*) FROM processes q WHERE q.run_id = r.id) "
				 "FROM runs r JOIN processes p ON p.run_id = r.id AND p.seq = 0 "
				 "WHERE ?1 IS NULL OR r.label = ?1 ORDER BY r.id DESC LIMIT ?2",
				 err, errlen);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	hp_store_bind(s, "tI", label, limit ? (int64_t)limit : (int64_t)-1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			struct hp_run_meta *m = realloc(*out,
							(cap = cap ? cap * 2 : 16) * sizeof(*m));
			if (!m) {
				sqlite3_finalize(s);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			*out = m;
		}
		struct hp_run_meta *m = &(*out)[(*n)++];
		meta_from_row(s, m);
		m->state = state_from_name((const char *)sqlite3_column_text(s, 11));
		m->exit_status = sqlite3_column_int(s, 12);
		m->term_signal = sqlite3_column_int(s, 13);
		m->start_unix_ns = sqlite3_column_int64(s, 14);
		m->wall_ns = col_u64(s, 15);
		m->nfunctions = col_u64(s, 16);
		m->nprocesses = col_u64(s, 17);
	}
	sqlite3_finalize(s);
	if (rc !=
	    SQLITE_DONE) { /* nothing is returned on error (a corrupted database: fuzz_store) */
		hp_run_metas_free(*out, *n);
		*out = NULL;
		*n = 0;
		return hp_store_fail(st, "listing runs", err, errlen);
	}
	return 0;
}

/* Every string of one column for a process, in seq order, as a NULL-terminated array (NULL
 * values skipped). */
static int load_strings(struct hp_store *st, sqlite3_stmt *s, int64_t proc_id, char ***out,
			size_t *n)
{
	size_t cap = 0;
	int rc;

	hp_store_bind(s, "I", proc_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n + 1 >= cap) {
			char **a = realloc(*out, (cap = cap ? cap * 2 : 8) * sizeof(*a));
			if (!a)
				return -ENOMEM;
			*out = a;
		}
		/* A NULL (a damaged row) would end the array early and leak what follows it. */
		char *str = col_str(s, 0);
		if (!str)
			continue;
		(*out)[(*n)++] = str;
		(*out)[*n] = NULL;
	}
	return rc == SQLITE_DONE ? 0 : -EIO;
}

struct loader {
	struct hp_store *st;
	sqlite3_stmt *run, *procs;			      /* the run's row, its process rows */
	sqlite3_stmt *args, *notes, *fns, *buckets, *threads; /* per process */
};

static int load_fns(struct loader *ld, int64_t proc_id, struct hp_proc *p)
{
	sqlite3_stmt *s = ld->fns;
	size_t cap = 0;
	int rc;

	hp_store_bind(s, "I", proc_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (p->nfns == cap) {
			struct hp_fn_row *a = realloc(p->fns,
						      (cap = cap ? cap * 2 : 32) * sizeof(*a));
			if (!a)
				return -ENOMEM;
			p->fns = a;
		}
		struct hp_fn_row *r = &p->fns[p->nfns++];
		memset(r, 0, sizeof(*r));
		int64_t fn_id = sqlite3_column_int64(s, 0);
		r->name = col_str(s, 1);
		r->module = col_str(s, 2);
		r->file = col_str(s, 3);
		r->line = sqlite3_column_int(s, 4);
		r->addr = col_u64(s, 5);
		r->kind = sqlite3_column_int(s, 6);
		r->calls = col_u64(s, 7);
		r->completed = col_u64(s, 8);
		r->total_ns = col_u64(s, 9);
		r->sum_ns = col_u64(s, 10);
		r->min_ns = col_u64(s, 11);
		r->max_ns = col_u64(s, 12);
		r->alloc_count = col_u64(s, 13);
		r->alloc_bytes = col_u64(s, 14);
		r->free_count = col_u64(s, 15);
		r->free_bytes = col_u64(s, 16);
		r->self_ns = col_u64(s, 19);
		int nb = sqlite3_column_int(s, 17);
		r->has_cpu = sqlite3_column_type(s, 18) != SQLITE_NULL;
		r->cpu_ns = col_u64(s, 18);
		if (nb > 0 && !(r->hist = calloc((size_t)nb, sizeof(*r->hist))))
			return -ENOMEM;
		hp_store_bind(ld->buckets, "I", fn_id);
		int brc;
		while ((brc = sqlite3_step(ld->buckets)) == SQLITE_ROW && r->nhist < (size_t)nb) {
			struct hp_hbucket *b = &r->hist[r->nhist++];
			b->lo_ns = sqlite3_column_double(ld->buckets, 0);
			b->hi_ns = sqlite3_column_double(ld->buckets, 1);
			b->count = col_u64(ld->buckets, 2);
		}
		if (brc != SQLITE_DONE && brc != SQLITE_ROW)
			return -EIO;
	}
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int load_threads(struct loader *ld, int64_t proc_id, struct hp_proc *p)
{
	sqlite3_stmt *s = ld->threads;
	size_t cap = 0;
	int rc;

	hp_store_bind(s, "I", proc_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (p->nthreads == cap) {
			struct hp_thread_row *a = realloc(p->threads,
							  (cap = cap ? cap * 2 : 8) * sizeof(*a));
			if (!a)
				return -ENOMEM;
			p->threads = a;
		}
		struct hp_thread_row *t = &p->threads[p->nthreads++];
		memset(t, 0, sizeof(*t));
		t->tid = sqlite3_column_int(s, 0);
		t->name = col_str(s, 1);
		t->start_routine = col_str(s, 2);
		t->running = sqlite3_column_int(s, 3);
		t->start_ns = sqlite3_column_int64(s, 4);
		t->end_ns = sqlite3_column_int64(s, 5);
		t->cpu_user_ns = col_u64(s, 6);
		t->cpu_sys_ns = col_u64(s, 7);
		t->calls = col_u64(s, 8);
		t->alloc_count = col_u64(s, 9);
		t->alloc_bytes = col_u64(s, 10);
		t->free_count = col_u64(s, 11);
		t->free_bytes = col_u64(s, 12);
		t->lock_wait_ns = col_u64(s, 13);
		t->io_block_ns = col_u64(s, 14);
		t->cpu_ns = col_u64(s, 15);
		t->cpu_samples = col_u64(s, 16);
	}
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int load_proc(struct loader *ld, sqlite3_stmt *s, struct hp_proc *p,
		     const struct hp_run_meta *m)
{
	int64_t id = sqlite3_column_int64(s, 0);
	size_t argc = 0;
	int rc;

	p->pid = sqlite3_column_int(s, 1);
	p->ppid = sqlite3_column_int(s, 2);
	p->exe = col_str(s, 3);
	p->state = state_from_name((const char *)sqlite3_column_text(s, 4));
	p->exit_status = sqlite3_column_int(s, 5);
	p->term_signal = sqlite3_column_int(s, 6);
	p->start_unix_ns = sqlite3_column_int64(s, 7);
	p->wall_ns = col_u64(s, 8);
	p->modes = (uint32_t)sqlite3_column_int64(s, 9);
	p->flags = (uint32_t)sqlite3_column_int64(s, 10);
	p->exec_count = (uint32_t)sqlite3_column_int64(s, 11);
	p->dropped = col_u64(s, 12);
	p->depth_overflow = col_u64(s, 13);
	p->unmatched_exits = col_u64(s, 14);
	p->nfns_total = col_u64(s, 15);
	p->flow_hide = (unsigned)sqlite3_column_int(s, 16);
	memcpy(p->pcts_saved, m->pcts, sizeof(p->pcts_saved));
	p->npcts_saved = m->npcts;
	rc = load_strings(ld->st, ld->args, id, &p->argv, &argc);
	p->argc = (int)argc; /* what was read is freed with the process, also on an error */
	if (rc < 0 || (rc = load_strings(ld->st, ld->notes, id, &p->notes, &p->nnotes)) < 0 ||
	    (rc = load_fns(ld, id, p)) < 0 || (rc = load_threads(ld, id, p)) < 0)
		return rc;
	if (p->nfns_total < p->nfns)
		p->nfns_total = p->nfns;
	return 0;
}

/* Move the sections that have no table from the stored JSON (`src`, as loaded) into `dst`.
 * A new section of the report model needs a line here (or a table). */
static void graft(struct hp_proc *dst, struct hp_proc *src)
{
	dst->mem = src->mem;
	dst->chans = src->chans;
	dst->nchans = src->nchans;
	dst->locks = src->locks;
	dst->nlocks = src->nlocks;
	dst->lock_hold_every = src->lock_hold_every;
	dst->io = src->io;
	dst->nio = src->nio;
	dst->patch = src->patch;
	dst->cpu = src->cpu;
	src->cpu = NULL;
	dst->tree = src->tree; /* call_tree, tree_dropped */
	src->tree = NULL;
	src->chans = NULL;
	src->nchans = 0;
	src->locks = NULL;
	src->nlocks = 0;
	src->io = NULL;
	src->nio = 0;
	src->patch = NULL;
}

/* runs.sections (see sections_json in store.c) into `out` and its children. A run saved
 * without them loads without them; one that does not parse becomes a note. */
static int load_sections(struct hp_store *st, int64_t id, struct hp_proc *out, char *err,
			 size_t errlen)
{
	sqlite3_stmt *s = hp_store_prepare(st, "SELECT sections FROM runs WHERE id = ?", err,
					   errlen);
	struct hp_proc t;
	char why[512];

	if (!s)
		return -1;
	hp_store_bind(s, "I", id);
	int rc = sqlite3_step(s);
	const char *text = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_finalize(s);
		return hp_store_fail(st, "loading a run", err, errlen);
	}
	if (text && hp_report_from_json(text, strlen(text), &t, why, sizeof(why)) == 0) {
		graft(out, &t);
		for (size_t i = 0; i < out->nchildren && i < t.nchildren; i++)
			graft(&out->children[i], &t.children[i]);
		hp_proc_free(&t);
	} else if (text) {
		hp_proc_add_note(
			out,
			"the saved memory, channel, lock, I/O and patching sections are unreadable: %s",
			why);
	}
	sqlite3_finalize(s);
	return 0;
}

/* Every statement a load runs; 0, or -1 with err. */
static int loader_prepare(struct loader *ld, char *err, size_t errlen)
{
	struct hp_store *st = ld->st;

	if (!(ld->run = hp_store_prepare(st, "SELECT " RUN_COLS " FROM runs r WHERE r.id = ?", err,
					 errlen)) ||
	    !(ld->procs = hp_store_prepare(
		      st,
		      "SELECT id, pid, ppid, exe, state, exit_status, term_signal, start_unix_ns, "
		      "wall_ns, modes, flags, exec_count, dropped, depth_overflow, "
		      "unmatched_exits, functions_total, hidden FROM processes WHERE run_id = ? ORDER BY seq",
		      err, errlen)) ||
	    !(ld->args = hp_store_prepare(
		      st, "SELECT arg FROM process_args WHERE process_id = ? ORDER BY seq", err,
		      errlen)) ||
	    !(ld->notes = hp_store_prepare(
		      st, "SELECT text FROM notes WHERE process_id = ? ORDER BY seq", err,
		      errlen)) ||
	    !(ld->fns = hp_store_prepare(
		      st,
		      "SELECT id, name, module, file, line, address, kind, calls, completed, "
		      "total_ns, sum_ns, min_ns, max_ns, alloc_count, alloc_bytes, free_count, "
		      "free_bytes, (SELECT count(*) FROM histogram_buckets b WHERE b.function_id = f.id), "
		      "cpu_ns, self_ns "
		      "FROM functions f WHERE process_id = ? ORDER BY seq",
		      err, errlen)) ||
	    !(ld->buckets = hp_store_prepare(
		      st,
		      "SELECT lo_ns, hi_ns, count FROM histogram_buckets WHERE function_id = ? "
		      "ORDER BY seq",
		      err, errlen)) ||
	    !(ld->threads = hp_store_prepare(
		      st,
		      "SELECT tid, name, start_routine, running, start_ns, end_ns, cpu_user_ns, "
		      "cpu_sys_ns, calls, alloc_count, alloc_bytes, free_count, free_bytes, "
		      "lock_wait_ns, io_block_ns, cpu_ns, cpu_samples FROM threads WHERE process_id = ? "
		      "ORDER BY seq",
		      err, errlen)))
		return -1;
	return 0;
}

static void loader_finalize(struct loader *ld)
{
	sqlite3_finalize(ld->run);
	sqlite3_finalize(ld->procs);
	sqlite3_finalize(ld->args);
	sqlite3_finalize(ld->notes);
	sqlite3_finalize(ld->fns);
	sqlite3_finalize(ld->buckets);
	sqlite3_finalize(ld->threads);
}

/* The run's own row; 0, or -1 with err ("no run #12"). */
static int load_meta(struct loader *ld, int64_t id, struct hp_run_meta *m, char *err, size_t errlen)
{
	hp_store_bind(ld->run, "I", id);
	int step = sqlite3_step(ld->run);
	if (step == SQLITE_DONE) {
		snprintf(err, errlen, "%s: no run #%lld", ld->st->path, (long long)id);
		return -1;
	}
	if (step != SQLITE_ROW)
		return hp_store_fail(ld->st, "loading a run", err, errlen);
	meta_from_row(ld->run, m);
	return 0;
}

/* The process rows: the first is the top process, the others its children, in saved order. */
static int load_procs(struct loader *ld, int64_t id, struct hp_proc *out, struct hp_run_meta *m,
		      char *err, size_t errlen)
{
	size_t nprocs = 0;
	int step;

	hp_store_bind(ld->procs, "I", id);
	while ((step = sqlite3_step(ld->procs)) == SQLITE_ROW) {
		struct hp_proc *p = out;
		if (nprocs++) {
			struct hp_proc *c = realloc(out->children, nprocs * sizeof(*c));
			if (!c) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			out->children = c;
			p = &c[out->nchildren++];
			memset(p, 0, sizeof(*p));
		}
		int lrc = load_proc(ld, ld->procs, p, m);
		if (lrc == -ENOMEM) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (lrc < 0)
			return hp_store_fail(ld->st, "loading a run", err, errlen);
	}
	if (step != SQLITE_DONE)
		return hp_store_fail(ld->st, "loading a run", err, errlen);
	if (!nprocs) {
		snprintf(err, errlen, "%s: run #%lld has no process rows", ld->st->path,
			 (long long)id);
		return -1;
	}
	return 0;
}

/* In one read transaction (a concurrent save cannot show half a run): prepare, the run's row,
 * its processes, the sections saved as JSON; one clean-up path. */
int hp_store_load(struct hp_store *st, int64_t id, struct hp_proc *out, struct hp_run_meta *meta,
		  char *err, size_t errlen)
{
	struct loader ld = {.st = st};
	struct hp_run_meta m;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	if (hp_store_exec(st, "BEGIN", "loading a run", err, errlen) < 0)
		return -1;
	if (loader_prepare(&ld, err, errlen) < 0 || load_meta(&ld, id, &m, err, errlen) < 0 ||
	    load_procs(&ld, id, out, &m, err, errlen) < 0 ||
	    load_sections(st, id, out, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	loader_finalize(&ld);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc < 0) {
		hp_proc_free(out);
		hp_run_meta_free(&m);
	} else if (meta) {
		*meta = m;
	} else {
		hp_run_meta_free(&m);
	}
	return rc;
}

/* ---- git and lookup ---- */

/* Run argv (no shell), stdout's first line into out; stderr discarded. Returns the exit
 * status, or -1 when it could not run. */
static int capture(char *const argv[], char *out, size_t outlen)
{
	int pfd[2];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = -1;

	out[0] = 0;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc == 0) {
		size_t n = 0;
		char buf[4096];
		ssize_t got;
		while ((got = read(pfd[0], buf, sizeof(buf))) > 0 || (got < 0 && errno == EINTR))
			for (ssize_t i = 0; i < got; i++)
				if (n + 1 < outlen)
					out[n++] = buf[i];
		out[n] = 0;
		char *nl = strchr(out, '\n');
		if (nl && n)
			*nl = 0;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	close(pfd[0]);
	return status;
}

void hp_store_git_facts(struct hp_run_meta *meta)
{
	char buf[4096];
	char *head[] = {"git", "rev-parse", "--verify", "-q", "HEAD", NULL};
	char *branch[] = {"git", "symbolic-ref", "-q", "--short", "HEAD", NULL};
	char *dirty[] = {"git", "status", "--porcelain", "--untracked-files=no", NULL};

	if (capture(head, buf, sizeof(buf)) != 0 || !buf[0])
		return;
	meta->git_commit = strdup(buf);
	if (capture(branch, buf, sizeof(buf)) == 0 && buf[0])
		meta->git_branch = strdup(buf);
	meta->git_dirty = capture(dirty, buf, sizeof(buf)) == 0 && buf[0];
}

static int collect_ids(struct hp_store *st, sqlite3_stmt *s, int64_t **ids, char *err,
		       size_t errlen)
{
	size_t n = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *a = realloc(*ids, (cap = cap ? cap * 2 : 16) * sizeof(*a));
			if (!a) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			*ids = a;
		}
		(*ids)[n++] = sqlite3_column_int64(s, 0);
	}
	if (rc != SQLITE_DONE)
		return hp_store_fail(st, "looking up runs", err, errlen);
	return (int)n;
}

static int ids_where(struct hp_store *st, const char *sql, const char *fmt, const char *text,
		     int64_t num, size_t limit, int64_t **ids, char *err, size_t errlen)
{
	sqlite3_stmt *s = hp_store_prepare(st, sql, err, errlen);
	int n;

	if (!s)
		return -1;
	if (fmt[0] == 't')
		hp_store_bind(s, "tI", text, limit ? (int64_t)limit : (int64_t)-1);
	else
		hp_store_bind(s, "II", num, limit ? (int64_t)limit : (int64_t)-1);
	n = collect_ids(st, s, ids, err, errlen);
	sqlite3_finalize(s);
	return n;
}

int hp_store_resolve(struct hp_store *st, const char *spec, size_t limit, int64_t **ids, char *err,
		     size_t errlen)
{
	char *end, rev[600], commit[256];
	int n;

	*ids = NULL;
	if (!*spec) {
		snprintf(err, errlen, "an empty run name");
		return -1;
	}
	/* last, last~N */
	if (!strncmp(spec, "last", 4) && (!spec[4] || spec[4] == '~')) {
		long back = 0;
		if (spec[4]) {
			errno = 0;
			back = strtol(spec + 5, &end, 10);
			if (errno || *end || end == spec + 5 || back < 0) {
				snprintf(err, errlen, "%s: expected last or last~N", spec);
				return -1;
			}
		}
		n = ids_where(st, "SELECT id FROM runs ORDER BY id DESC LIMIT ?2 OFFSET ?1", "I",
			      NULL, back, 1, ids, err, errlen);
		if (n == 0)
			snprintf(err, errlen, "%s: %s", st->path,
				 back ? "not that many runs saved" : "no run saved yet");
		return n == 0 ? -1 : n;
	}
	/* A run id */
	errno = 0;
	long long num = strtoll(spec, &end, 10);
	if (!errno && !*end && spec[0] != '-' && spec[0] != '+') {
		n = ids_where(st, "SELECT id FROM runs WHERE id = ?1 LIMIT ?2", "I", NULL, num, 1,
			      ids, err, errlen);
		if (n != 0)
			return n;
	}
	/* A label */
	n = ids_where(st, "SELECT id FROM runs WHERE label = ?1 ORDER BY id DESC LIMIT ?2", "t",
		      spec, 0, limit, ids, err, errlen);
	if (n != 0)
		return n;
	/* A git revision */
	snprintf(rev, sizeof(rev), "%s^{commit}", spec);
	char *argv[] = {"git", "rev-parse", "--verify", "-q", "--end-of-options", rev, NULL};
	if (spec[0] != '-' && capture(argv, commit, sizeof(commit)) == 0 && commit[0]) {
		n = ids_where(st,
			      "SELECT id FROM runs WHERE git_commit = ?1 ORDER BY id DESC LIMIT ?2",
			      "t", commit, 0, limit, ids, err, errlen);
		if (n == 0)
			snprintf(err, errlen, "%s: no saved run at git commit %.12s (%s)", st->path,
				 commit, spec);
		return n == 0 ? -1 : n;
	}
	snprintf(err, errlen, "%s: no run id, label or git revision '%s' (see hotpath history)",
		 st->path, spec);
	return -1;
}
