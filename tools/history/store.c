/* store.c - the run history in SQLite: open (WAL, busy timeout, foreign keys), the versioned
 * schema and its migrations, and the save of a report model in one transaction.
 * store_read.c reads it back. docs/history.md. */
#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "store_int.h"
#include "tools/report/report.h"

#ifndef HP_VERSION
#define HP_VERSION "unknown"
#endif

/* PRAGMA application_id of a hotpath history: "hpth". */
#define HP_STORE_APP_ID 0x68707468

/* ---- schema ---- */

static const char schema_v1[] =
	"CREATE TABLE schema_migrations (\n"
	"  version INTEGER PRIMARY KEY,\n"
	"  description TEXT NOT NULL,\n"
	"  applied_unix_ns INTEGER NOT NULL,\n"
	"  hotpath_version TEXT NOT NULL);\n"
	"CREATE TABLE runs (\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  label TEXT,\n"
	"  saved_unix_ns INTEGER NOT NULL,\n"
	"  command TEXT NOT NULL,\n"
	"  git_commit TEXT,\n"
	"  git_branch TEXT,\n"
	"  git_dirty INTEGER NOT NULL DEFAULT 0,\n"
	"  host TEXT,\n"
	"  hotpath_version TEXT NOT NULL,\n"
	"  settings TEXT NOT NULL DEFAULT '{}',\n"
	"  percentiles TEXT NOT NULL DEFAULT '95',\n"
	"  sections TEXT);\n"
	"CREATE INDEX runs_label ON runs (label, id);\n"
	"CREATE INDEX runs_git_commit ON runs (git_commit, id);\n"
	"CREATE TABLE processes (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL,\n"
	"  pid INTEGER NOT NULL,\n"
	"  ppid INTEGER NOT NULL,\n"
	"  exe TEXT,\n"
	"  state TEXT NOT NULL,\n"
	"  exit_status INTEGER,\n"
	"  term_signal INTEGER,\n"
	"  start_unix_ns INTEGER NOT NULL,\n"
	"  wall_ns INTEGER NOT NULL,\n"
	"  modes INTEGER NOT NULL,\n"
	"  flags INTEGER NOT NULL,\n"
	"  exec_count INTEGER NOT NULL,\n"
	"  dropped INTEGER NOT NULL,\n"
	"  depth_overflow INTEGER NOT NULL,\n"
	"  unmatched_exits INTEGER NOT NULL,\n"
	"  functions_total INTEGER NOT NULL,\n"
	"  hidden INTEGER NOT NULL DEFAULT 0,\n"
	"  UNIQUE (run_id, seq));\n"
	"CREATE TABLE process_args (\n"
	"  process_id INTEGER NOT NULL REFERENCES processes (id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL,\n"
	"  arg TEXT NOT NULL,\n"
	"  PRIMARY KEY (process_id, seq)) WITHOUT ROWID;\n"
	"CREATE TABLE notes (\n"
	"  process_id INTEGER NOT NULL REFERENCES processes (id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL,\n"
	"  text TEXT NOT NULL,\n"
	"  PRIMARY KEY (process_id, seq)) WITHOUT ROWID;\n"
	"CREATE TABLE functions (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  process_id INTEGER NOT NULL REFERENCES processes (id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL,\n"
	"  name TEXT,\n"
	"  module TEXT,\n"
	"  file TEXT,\n"
	"  line INTEGER,\n"
	"  address INTEGER NOT NULL,\n"
	"  kind INTEGER NOT NULL,\n"
	"  calls INTEGER NOT NULL,\n"
	"  completed INTEGER NOT NULL,\n"
	"  total_ns INTEGER NOT NULL,\n"
	"  sum_ns INTEGER NOT NULL,\n"
	"  min_ns INTEGER NOT NULL,\n"
	"  max_ns INTEGER NOT NULL,\n"
	"  alloc_count INTEGER NOT NULL,\n"
	"  alloc_bytes INTEGER NOT NULL,\n"
	"  free_count INTEGER NOT NULL,\n"
	"  free_bytes INTEGER NOT NULL,\n"
	"  UNIQUE (process_id, seq));\n"
	"CREATE INDEX functions_name ON functions (name);\n"
	"CREATE TABLE histogram_buckets (\n"
	"  function_id INTEGER NOT NULL REFERENCES functions (id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL,\n"
	"  lo_ns REAL NOT NULL,\n"
	"  hi_ns REAL NOT NULL,\n"
	"  count INTEGER NOT NULL,\n"
	"  PRIMARY KEY (function_id, seq)) WITHOUT ROWID;\n"
	"CREATE TABLE threads (\n"
	"  process_id INTEGER NOT NULL REFERENCES processes (id) ON DELETE CASCADE,\n"
	"  seq INTEGER NOT NULL,\n"
	"  tid INTEGER NOT NULL,\n"
	"  name TEXT,\n"
	"  start_routine TEXT,\n"
	"  running INTEGER NOT NULL,\n"
	"  start_ns INTEGER NOT NULL,\n"
	"  end_ns INTEGER NOT NULL,\n"
	"  cpu_user_ns INTEGER NOT NULL,\n"
	"  cpu_sys_ns INTEGER NOT NULL,\n"
	"  calls INTEGER NOT NULL,\n"
	"  alloc_count INTEGER NOT NULL,\n"
	"  alloc_bytes INTEGER NOT NULL,\n"
	"  free_count INTEGER NOT NULL,\n"
	"  free_bytes INTEGER NOT NULL,\n"
	"  lock_wait_ns INTEGER NOT NULL,\n"
	"  io_block_ns INTEGER NOT NULL,\n"
	"  PRIMARY KEY (process_id, seq)) WITHOUT ROWID;\n";

/* Version N turns a version N-1 database into version N, in the same transaction that records
 * it in schema_migrations. Append; never edit a released entry. */
static const struct migration {
	int version;
	const char *description;
	const char *sql;
} migrations[] = {
	{1, "runs, processes, arguments, notes, functions with histograms, threads", schema_v1},
	{2, "CPU sampling: functions.cpu_ns, threads.cpu_ns and cpu_samples (docs/cpu.md)",
	 "ALTER TABLE functions ADD COLUMN cpu_ns INTEGER;\n" /* NULL: not sampled */
	 "ALTER TABLE threads ADD COLUMN cpu_ns INTEGER NOT NULL DEFAULT 0;\n"
	 "ALTER TABLE threads ADD COLUMN cpu_samples INTEGER NOT NULL DEFAULT 0;\n"},
	/* the call tree itself is in runs.sections (JSON call_tree); self time is a column so
	 * that compare can read it like total_ns */
	{3, "functions.self_ns (exclusive time)",
	 "ALTER TABLE functions ADD COLUMN self_ns INTEGER NOT NULL DEFAULT 0;\n"},
};
#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

/* ---- errors ---- */

/* One line naming the file and why, from the connection's last error. */
int hp_store_fail(struct hp_store *st, const char *doing, char *err, size_t errlen)
{
	int code = st->db ? sqlite3_extended_errcode(st->db) : SQLITE_ERROR;
	const char *msg = st->db ? sqlite3_errmsg(st->db) : "out of memory";

	switch (code & 0xff) {
	case SQLITE_NOTADB:
		snprintf(err, errlen,
			 "%s: not a SQLite database, so not a hotpath history (use another --db)",
			 st->path);
		break;
	case SQLITE_CORRUPT:
		snprintf(
			err, errlen,
			"%s: the database is corrupted (%s while %s); move it away to start a new history",
			st->path, msg, doing);
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		snprintf(
			err, errlen,
			"%s: the database is locked by another process (gave up after %d ms while %s; raise db_timeout)",
			st->path, st->busy_ms, doing);
		break;
	case SQLITE_READONLY:
		snprintf(err, errlen, "%s: the database is read-only, cannot save (%s)", st->path,
			 msg);
		break;
	case SQLITE_FULL: snprintf(err, errlen, "%s: disk full while %s", st->path, doing); break;
	case SQLITE_CANTOPEN: {
		int e = st->db ? sqlite3_system_errno(st->db) : 0;
		snprintf(err, errlen, "%s: cannot open the database (%s)", st->path,
			 e ? strerror(e) : msg);
		break;
	}
	default: snprintf(err, errlen, "%s: %s while %s", st->path, msg, doing);
	}
	return -1;
}

int hp_store_exec(struct hp_store *st, const char *sql, const char *doing, char *err, size_t errlen)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return hp_store_fail(st, doing, err, errlen);
	return 0;
}

sqlite3_stmt *hp_store_prepare(struct hp_store *st, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		hp_store_fail(st, "reading the schema", err, errlen);
		return NULL;
	}
	return s;
}

/* One integer from a query without parameters; -1 with err on failure. */
static int query_int(struct hp_store *st, const char *sql, int64_t *out, char *err, size_t errlen)
{
	sqlite3_stmt *s = hp_store_prepare(st, sql, err, errlen);
	int rc;

	if (!s)
		return -1;
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return hp_store_fail(st, "reading the database", err, errlen);
	return 0;
}

static int64_t now_unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- open and migrate ---- */

static int schema_version(struct hp_store *st, int64_t *version, char *err, size_t errlen)
{
	int64_t has;

	if (query_int(
		    st,
		    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
		    &has, err, errlen) < 0)
		return -1;
	*version = 0;
	return has ? query_int(st, "SELECT max(version) FROM schema_migrations", version, err,
			       errlen)
		   : 0;
}

/* Apply every migration newer than the database, in one write transaction (re-checked inside
 * it: a concurrent hotpath may have done it meanwhile). */
static int migrate(struct hp_store *st, char *err, size_t errlen)
{
	int64_t version;
	char sql[128];

	if (hp_store_exec(st, "BEGIN IMMEDIATE", "starting the schema update", err, errlen) < 0)
		return -1;
	if (schema_version(st, &version, err, errlen) < 0)
		goto rollback;
	for (size_t i = 0; i < NMIGRATIONS; i++) {
		const struct migration *m = &migrations[i];
		if (m->version <= version)
			continue;
		if (hp_store_exec(st, m->sql, "updating the schema", err, errlen) < 0)
			goto rollback;
		sqlite3_stmt *s = hp_store_prepare(
			st, "INSERT INTO schema_migrations VALUES (?, ?, ?, ?)", err, errlen);
		if (!s)
			goto rollback;
		sqlite3_bind_int(s, 1, m->version);
		sqlite3_bind_text(s, 2, m->description, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, now_unix_ns());
		sqlite3_bind_text(s, 4, HP_VERSION, -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			hp_store_fail(st, "updating the schema", err, errlen);
			goto rollback;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d",
		 HP_STORE_APP_ID, HP_STORE_SCHEMA);
	if (hp_store_exec(st, sql, "updating the schema", err, errlen) < 0 ||
	    hp_store_exec(st, "COMMIT", "updating the schema", err, errlen) < 0)
		goto rollback;
	return 0;
rollback:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* mkdir -p of the directory that holds `path`; -1 with err when a level cannot be made. */
static int make_parent_dirs(const char *path, char *err, size_t errlen)
{
	char dir[4096];
	struct stat sb;

	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	for (char *p = dir + 1;; p++)
		if (*p == '/' || !*p) {
			char c = *p;
			*p = 0;
			if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
				snprintf(err, errlen, "%s: cannot create the directory %s: %s",
					 path, dir, strerror(errno));
				return -1;
			}
			*p = c;
			if (!c)
				break;
		}
	if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: %s is not a directory", path, dir);
		return -1;
	}
	return 0;
}

/* Open through a URI ("file:PATH", with ?immutable=1 for a read-only WAL file whose -shm
 * cannot be created), so that %, ? and # in the path are escaped. */
static int open_uri(struct hp_store *st, int flags, int immutable)
{
	size_t n = strlen(st->path);
	char *uri = malloc(n * 3 + 32), *o = uri;

	if (!uri)
		return SQLITE_NOMEM;
	o += sprintf(o, "file:");
	for (const char *c = st->path; *c; c++)
		o += strchr("%?#", *c) ? sprintf(o, "%%%02X", (unsigned char)*c)
				       : sprintf(o, "%c", *c);
	sprintf(o, "%s", immutable ? "?immutable=1" : "");
	int rc = sqlite3_open_v2(uri, &st->db, flags | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(st->db, 1);
		sqlite3_busy_timeout(st->db, st->busy_ms);
	}
	return rc;
}

/* A directory where SQLite can make the -wal and -shm files next to `path`. */
static int dir_writable(const char *path)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return access(".", W_OK) == 0;
	slash[slash == dir] = 0;
	return access(dir, W_OK) == 0;
}

static int check_and_migrate(struct hp_store *st, int write, char *err, size_t errlen)
{
	int64_t app_id, nobj, version;

	/* The first read of page 1: a file that is not SQLite fails here (SQLITE_NOTADB). Both
	 * reads in one snapshot: another process may commit the new schema (tables and id in
	 * one transaction) between two separate reads, which then looked like tables without
	 * our id: "not a hotpath history". */
	if (hp_store_exec(st, "BEGIN", "reading the schema", err, errlen) < 0)
		return -1;
	if (query_int(st, "PRAGMA application_id", &app_id, err, errlen) < 0 ||
	    query_int(st, "SELECT count(*) FROM sqlite_master", &nobj, err, errlen) < 0) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (hp_store_exec(st, "COMMIT", "reading the schema", err, errlen) < 0)
		return -1;
	if (nobj > 0 && app_id != HP_STORE_APP_ID) {
		snprintf(err, errlen,
			 "%s: a SQLite database, but not a hotpath history (use another --db)",
			 st->path);
		return -1;
	}
	if (nobj == 0 && !write) {
		snprintf(err, errlen, "%s: no run saved yet (save one with 'hotpath run --save')",
			 st->path);
		return -1;
	}
	if (schema_version(st, &version, err, errlen) < 0)
		return -1;
	if (version > HP_STORE_SCHEMA) {
		snprintf(
			err, errlen,
			"%s: schema version %lld was written by a newer hotpath (this one knows up to %d)",
			st->path, (long long)version, HP_STORE_SCHEMA);
		return -1;
	}
	if (version == HP_STORE_SCHEMA)
		return 0;
	if (!st->writable) {
		snprintf(err, errlen,
			 "%s: schema version %lld needs an update to %d, but the file is read-only",
			 st->path, (long long)version, HP_STORE_SCHEMA);
		return -1;
	}
	if (write || version > 0) {
		/* WAL: readers never block the writer, and a killed writer leaves nothing behind.
		 * Switching needs a moment alone with the file: retry while another opener has it. */
		int64_t t0 = now_unix_ns();
		int rc;
		while (((rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL)) &
			0xff) == SQLITE_BUSY &&
		       now_unix_ns() - t0 < (int64_t)st->busy_ms * 1000000)
			usleep(10000);
		if (rc != SQLITE_OK)
			return hp_store_fail(st, "switching to WAL mode", err, errlen);
	}
	return migrate(st, err, errlen);
}

int hp_store_open(struct hp_store **out, const char *path, int write, int busy_ms, char *err,
		  size_t errlen)
{
	struct hp_store *st = calloc(1, sizeof(*st));
	int flags;

	*out = NULL;
	if (!st || !(st->path = strdup(path))) {
		free(st);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->busy_ms = busy_ms;
	if (!write && access(path, F_OK) < 0) {
		snprintf(
			err, errlen,
			"%s: no history database (save runs with 'hotpath run --save' or name one with --db)",
			path);
		goto out;
	}
	if (write && make_parent_dirs(path, err, errlen) < 0)
		goto out;
	st->writable = write || (access(path, W_OK) == 0 && dir_writable(path));
	flags = st->writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	if (write)
		flags |= SQLITE_OPEN_CREATE;
	if (open_uri(st, flags, 0) != SQLITE_OK) {
		hp_store_fail(st, "opening", err, errlen);
		goto out;
	}
	if (write && sqlite3_db_readonly(st->db, "main") == 1) {
		snprintf(err, errlen, "%s: the database is read-only, cannot save", path);
		goto out;
	}
	if (hp_store_exec(st, "PRAGMA foreign_keys = ON", "opening", err, errlen) < 0 ||
	    check_and_migrate(st, write, err, errlen) < 0) {
		int code = sqlite3_extended_errcode(st->db) & 0xff;
		if (st->writable || (code != SQLITE_READONLY && code != SQLITE_CANTOPEN))
			goto out;
		/* Reading a WAL file in a directory we cannot write: nobody can be writing it
		 * through us, so read it as it is. */
		sqlite3_close_v2(st->db);
		st->db = NULL;
		if (open_uri(st, flags, 1) != SQLITE_OK) {
			hp_store_fail(st, "opening", err, errlen);
			goto out;
		}
		if (check_and_migrate(st, write, err, errlen) < 0)
			goto out;
	}
	if (write && hp_store_exec(st, "PRAGMA synchronous = NORMAL", "opening", err, errlen) < 0)
		goto out;
	*out = st;
	return 0;
out:
	hp_store_close(st);
	return -1;
}

void hp_store_close(struct hp_store *st)
{
	if (!st)
		return;
	sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

/* ---- save ---- */

struct saver {
	struct hp_store *st;
	sqlite3_stmt *proc, *arg, *note, *fn, *bucket, *thread;
	char *err;
	size_t errlen;
};

/* Bind by a format: i int, I int64, U uint64 (stored as its two's complement int64), t text or
 * NULL, d double, - NULL. */
void hp_store_bind(sqlite3_stmt *s, const char *fmt, ...)
{
	va_list ap;
	int col = 1;

	sqlite3_reset(s);
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++, col++) {
		switch (*f) {
		case 'i': sqlite3_bind_int(s, col, va_arg(ap, int)); break;
		case 'I': sqlite3_bind_int64(s, col, va_arg(ap, int64_t)); break;
		case 'U': sqlite3_bind_int64(s, col, (int64_t)va_arg(ap, uint64_t)); break;
		case 'd': sqlite3_bind_double(s, col, va_arg(ap, double)); break;
		case 't': {
			const char *t = va_arg(ap, const char *);
			if (t)
				sqlite3_bind_text(s, col, t, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(s, col);
			break;
		}
		default: sqlite3_bind_null(s, col); break;
		}
	}
	va_end(ap);
}

static int step_done(struct saver *sv, sqlite3_stmt *s)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		return hp_store_fail(sv->st, "saving the run", sv->err, sv->errlen);
	return 0;
}

static int save_fn(struct saver *sv, int64_t proc_id, size_t seq, const struct hp_fn_row *r)
{
	hp_store_bind(sv->fn, "IItttiUiUUUUUUUUUUUU", proc_id, (int64_t)seq, r->name, r->module,
		      r->file, r->line, r->addr, r->kind, r->calls, r->completed, r->total_ns,
		      r->sum_ns, r->min_ns, r->max_ns, r->alloc_count, r->alloc_bytes,
		      r->free_count, r->free_bytes, r->cpu_ns, r->self_ns);
	if (r->line <= 0)
		sqlite3_bind_null(sv->fn, 6);
	if (!r->has_cpu)
		sqlite3_bind_null(sv->fn, 19);
	if (step_done(sv, sv->fn) < 0)
		return -1;
	int64_t fn_id = sqlite3_last_insert_rowid(sv->st->db);
	for (size_t i = 0; r->hist && i < r->nhist; i++) {
		hp_store_bind(sv->bucket, "IIddU", fn_id, (int64_t)i, r->hist[i].lo_ns,
			      r->hist[i].hi_ns, r->hist[i].count);
		if (step_done(sv, sv->bucket) < 0)
			return -1;
	}
	return 0;
}

static int save_proc(struct saver *sv, int64_t run_id, size_t seq, const struct hp_proc *p)
{
	hp_store_bind(sv->proc, "IIiitt--IUiiiUUUUi", run_id, (int64_t)seq, p->pid, p->ppid, p->exe,
		      hp_proc_state_name(p->state), p->start_unix_ns, p->wall_ns, (int)p->modes,
		      (int)p->flags, (int)p->exec_count, p->dropped, p->depth_overflow,
		      p->unmatched_exits,
		      (uint64_t)(p->nfns_total > p->nfns ? p->nfns_total : p->nfns),
		      (int)p->flow_hide);
	if (p->state == HP_PS_EXITED)
		sqlite3_bind_int(sv->proc, 7, p->exit_status);
	if (p->state == HP_PS_SIGNALED)
		sqlite3_bind_int(sv->proc, 8, p->term_signal);
	if (step_done(sv, sv->proc) < 0)
		return -1;
	int64_t id = sqlite3_last_insert_rowid(sv->st->db);
	for (int i = 0; p->argv && i < p->argc; i++) {
		hp_store_bind(sv->arg, "IIt", id, (int64_t)i, p->argv[i] ? p->argv[i] : "");
		if (step_done(sv, sv->arg) < 0)
			return -1;
	}
	for (size_t i = 0; p->notes && i < p->nnotes; i++) {
		hp_store_bind(sv->note, "IIt", id, (int64_t)i, p->notes[i] ? p->notes[i] : "");
		if (step_done(sv, sv->note) < 0)
			return -1;
	}
	for (size_t i = 0; p->fns && i < p->nfns; i++)
		if (save_fn(sv, id, i, &p->fns[i]) < 0)
			return -1;
	for (size_t i = 0; p->threads && i < p->nthreads; i++) {
		const struct hp_thread_row *t = &p->threads[i];
		hp_store_bind(sv->thread, "IIittiIIUUUUUUUUUUU", id, (int64_t)i, t->tid, t->name,
			      t->start_routine, t->running, t->start_ns, t->end_ns, t->cpu_user_ns,
			      t->cpu_sys_ns, t->calls, t->alloc_count, t->alloc_bytes,
			      t->free_count, t->free_bytes, t->lock_wait_ns, t->io_block_ns,
			      t->cpu_ns, t->cpu_samples);
		if (step_done(sv, sv->thread) < 0)
			return -1;
	}
	return 0;
}

/* "50,95,99.9": the shortest decimals that read back the same. */
static void format_pcts(char *buf, size_t size, const double *pcts, int n)
{
	size_t o = 0;

	buf[0] = 0;
	for (int i = 0; i < n && o + 32 < size; i++) {
		int d = 0;
		char num[40];
		for (; d < 10; d++) {
			snprintf(num, sizeof(num), "%.*f", d, pcts[i]);
			if (strtod(num, NULL) == pcts[i])
				break;
		}
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? "," : "", num);
	}
}

static char *join_argv(const struct hp_proc *p)
{
	size_t len = 1;
	char *s;

	for (int i = 0; p->argv && i < p->argc; i++)
		len += strlen(p->argv[i] ? p->argv[i] : "") + 1;
	if (!(s = calloc(1, len)))
		return NULL;
	for (int i = 0; p->argv && i < p->argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, p->argv[i] ? p->argv[i] : "");
	}
	if (!s[0] && p->exe) {
		free(s);
		s = strdup(p->exe);
	}
	return s;
}

/* The report's sections that have no table yet (process memory totals, channels, locks, I/O,
 * patching): the JSON report of `top` with its functions and threads left out, read back by
 * hp_store_load. NULL when it cannot be made (the run is saved without them). */
static char *sections_json(const struct hp_proc *top)
{
	struct hp_report_opts o = {.npcts = 0, .format = HP_FMT_JSON};
	struct hp_proc view = *top, *kids = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (top->nchildren && !(kids = calloc(top->nchildren, sizeof(*kids))))
		return NULL;
	for (size_t i = 0; i <= top->nchildren; i++) {
		struct hp_proc *v = i ? &kids[i - 1] : &view;
		if (i)
			*v = top->children[i - 1];
		v->fns = NULL;
		v->nfns = 0;
		v->threads = NULL;
		v->nthreads = 0;
		v->flow_hide = 0; /* all of it; processes.hidden says what the report hides */
	}
	view.children = kids;
	if ((f = open_memstream(&buf, &len))) {
		int rc = hp_report_render(f, &view, &o);
		if (fclose(f) != 0 || rc < 0) {
			free(buf);
			buf = NULL;
		}
	}
	free(kids);
	return buf;
}

/* The statements save_proc runs for every process, thread, function and bucket. */
static int saver_prepare(struct saver *sv)
{
	static const char *const sql[] = {
		"INSERT INTO processes (run_id, seq, pid, ppid, exe, state, exit_status, "
		"term_signal, start_unix_ns, wall_ns, modes, flags, exec_count, dropped, "
		"depth_overflow, unmatched_exits, functions_total, hidden) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		"INSERT INTO process_args VALUES (?, ?, ?)",
		"INSERT INTO notes VALUES (?, ?, ?)",
		"INSERT INTO functions (process_id, seq, name, module, file, line, "
		"address, kind, calls, completed, total_ns, sum_ns, min_ns, max_ns, "
		"alloc_count, alloc_bytes, free_count, free_bytes, cpu_ns, self_ns) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		"INSERT INTO histogram_buckets VALUES (?, ?, ?, ?, ?)",
		"INSERT INTO threads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	};
	sqlite3_stmt **stmt[] = {&sv->proc, &sv->arg, &sv->note, &sv->fn, &sv->bucket, &sv->thread};
	_Static_assert(sizeof(sql) / sizeof(sql[0]) == sizeof(stmt) / sizeof(stmt[0]),
		       "one statement each");
	for (size_t i = 0; i < sizeof(stmt) / sizeof(stmt[0]); i++)
		if (!(*stmt[i] = hp_store_prepare(sv->st, sql[i], sv->err, sv->errlen)))
			return -1;
	return 0;
}

static void saver_finalize(struct saver *sv)
{
	sqlite3_finalize(sv->proc);
	sqlite3_finalize(sv->arg);
	sqlite3_finalize(sv->note);
	sqlite3_finalize(sv->fn);
	sqlite3_finalize(sv->bucket);
	sqlite3_finalize(sv->thread);
}

/* The runs row: label, when, command, git, host, version, settings, percentiles, sections. */
static int insert_run(struct saver *sv, const struct hp_run_meta *meta, const char *command,
		      const char *sections, int64_t *id)
{
	struct hp_store *st = sv->st;
	char pcts[HP_MAX_PCTS * 24];
	sqlite3_stmt *run = hp_store_prepare(
		st,
		"INSERT INTO runs (label, saved_unix_ns, command, git_commit, git_branch, "
		"git_dirty, host, hotpath_version, settings, percentiles, sections) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		sv->err, sv->errlen);
	int rc = -1;
	if (run) {
		format_pcts(pcts, sizeof(pcts), meta->pcts, meta->npcts);
		hp_store_bind(run, "tIttti", meta->label, now_unix_ns(), command ? command : "",
			      meta->git_commit, meta->git_branch, meta->git_dirty);
		sqlite3_bind_text(run, 7, meta->host, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(run, 8,
				  meta->hotpath_version ? meta->hotpath_version : HP_VERSION, -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(run, 9, meta->settings_json ? meta->settings_json : "{}", -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(run, 10, pcts, -1, SQLITE_TRANSIENT);
		if (sections)
			sqlite3_bind_text(run, 11, sections, -1, SQLITE_TRANSIENT);
		rc = step_done(sv, run);
	}
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(run);
	return rc;
}

int hp_store_save(struct hp_store *st, const struct hp_proc *top, const struct hp_run_meta *meta,
		  int64_t *id, char *err, size_t errlen)
{
	struct saver sv = {.st = st, .err = err, .errlen = errlen};
	char *command = join_argv(top), *sections = sections_json(top);
	int rc = -1;

	/* IMMEDIATE takes the write lock now (waiting up to busy_ms for another saver), so the
	 * transaction cannot fail half-way because someone else wrote first. */
	int began = hp_store_exec(st, "BEGIN IMMEDIATE", "starting the save", err, errlen) == 0;
	if (!began || insert_run(&sv, meta, command, sections, id) < 0 || saver_prepare(&sv) < 0 ||
	    save_proc(&sv, *id, 0, top) < 0)
		goto out;
	for (size_t i = 0; top->children && i < top->nchildren; i++)
		if (save_proc(&sv, *id, i + 1, &top->children[i]) < 0)
			goto out;
	rc = hp_store_exec(st, "COMMIT", "committing the run", err, errlen);
out:
	if (rc < 0 && began)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	saver_finalize(&sv);
	free(command);
	free(sections);
	return rc < 0 ? -1 : 0;
}
