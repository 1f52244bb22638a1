/* store.h - the run history: a SQLite database of saved runs (the report model of each, with
 * histograms), its versioned schema and migrations, and the lookup of runs by id, `last`, label
 * or git commit. Schema and guarantees: docs/history.md. Readers only. */
#ifndef HP_STORE_H
#define HP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tools/region/model.h"

#define HP_STORE_DEFAULT_DB ".hotpath/history.db"
#define HP_STORE_SCHEMA 3 /* the newest schema version this hotpath writes and migrates to */

struct hp_store;

/* What a run carries besides its report model (all strings may be NULL). */
struct hp_run_meta {
	int64_t id;
	char *label;
	int64_t saved_unix_ns;
	char *command;	  /* the top process's argv joined by spaces, for listings */
	char *git_commit; /* full hash, NULL outside a git work tree */
	char *git_branch; /* NULL when detached */
	int git_dirty;	  /* tracked files differed from the commit */
	char *host;
	char *hotpath_version;
	char *settings_json;	  /* the settings the run was made with, a JSON object */
	double pcts[HP_MAX_PCTS]; /* the percentiles the run was reported with */
	int npcts;
	/* Filled by hp_store_list (from the top process): */
	int state, exit_status, term_signal;
	int64_t start_unix_ns;
	uint64_t wall_ns;
	uint64_t nfunctions;
	uint64_t nprocesses;
};

/* Open (write: create when missing, with its directory) and bring the schema up to date.
 * busy_ms is how long to wait for another writer. Returns 0, or -1 with err = one line that
 * names the file and why: missing, not a SQLite database, not a hotpath history, corrupted,
 * locked, read-only, written by a newer hotpath. */
int hp_store_open(struct hp_store **out, const char *path, int write, int busy_ms, char *err,
		  size_t errlen);
void hp_store_close(struct hp_store *st);

/* Save `top` (and its children) with `meta` in one transaction: either everything lands or
 * nothing does. meta->id, saved_unix_ns and the listing fields are ignored. Returns 0 with
 * *id set, or -1 with err. */
int hp_store_save(struct hp_store *st, const struct hp_proc *top, const struct hp_run_meta *meta,
		  int64_t *id, char *err, size_t errlen);

/* Runs, newest first; `label` NULL for all; limit 0 for all. Returns 0 or -1 with err. */
int hp_store_list(struct hp_store *st, const char *label, size_t limit, struct hp_run_meta **out,
		  size_t *n, char *err, size_t errlen);
void hp_run_meta_free(struct hp_run_meta *m);
void hp_run_metas_free(struct hp_run_meta *m, size_t n);

/* Run ids that `spec` names, newest first: a run id, `last` (`last~N`: the N-th before it), a
 * label (every run with it), or a git revision (every run at `git rev-parse --verify
 * REV^{commit}` in the working directory). At most `limit` ids (0: all). Returns the number
 * found (> 0), or -1 with err. */
int hp_store_resolve(struct hp_store *st, const char *spec, size_t limit, int64_t **ids, char *err,
		     size_t errlen);

/* Load run `id` into `out` (the top process with its children; rows in saved order, full
 * histograms, out->pcts_saved = the run's percentiles); `meta` may be NULL. Returns 0 or -1
 * with err; on error *out is empty. */
int hp_store_load(struct hp_store *st, int64_t id, struct hp_proc *out, struct hp_run_meta *meta,
		  char *err, size_t errlen);

/* Git facts of the working directory (commit, branch, dirty) into meta; silent and empty
 * outside a work tree or without git. */
void hp_store_git_facts(struct hp_run_meta *meta);

#endif
