/* settings.h - every setting of `hotpath run` in one table: its flag, HOTPATH_* variable and
 * hotpath.conf key. Precedence: defaults < config file < environment < flags. */
#ifndef HP_SETTINGS_H
#define HP_SETTINGS_H

#include <stdint.h>

#include "tools/report/report.h"

struct hp_settings {
	double pcts[HP_MAX_PCTS];
	int npcts;
	int format;	     /* HP_FMT_* */
	uint64_t limit;	     /* 0 = all */
	uint64_t timeout_ms; /* 0 = none */
	char *output;	     /* NULL = stderr */
	int alloc, alloc_self, alloc_stacks;
	uint64_t region_mib;
	int keep_regions;
	char *config_path; /* the file that was read, NULL when none */
	/* history (issue 7, docs/history.md): save the run to the SQLite database `db`. */
	int save;
	char *db;		/* default .hotpath/history.db */
	char *label;		/* NULL = none */
	uint64_t db_timeout_ms; /* how long a save waits for another writer */
	/* patching (issue 4, docs/patching.md): pattern list for HOTPATH_FUNCTIONS, NULL = none */
	char *functions;
	uint64_t functions_max;
	/* data flow and concurrency (issue 5, docs/dataflow.md): record channels / locks (and show
	 * their sections), show the threads section, time one lock hold in lock_hold (0 none) */
	int channels, locks, threads, lock_hold;
	/* call tree (issue 14): print it (--tree); node table capacity, 0 = not recorded */
	int tree;
	uint64_t tree_nodes;
	/* console (issue 6, docs/console.md): run --console shows the live dashboard */
	int console;
	/* serve (issue 17, docs/serve.md): run --serve (NULL off, "" at `listen`, else ADDR:PORT),
	 * and hotpath serve's address, remote opt-in, process, connections, idle timeout (s) and
	 * histogram bounds (seconds, comma-separated) */
	char *serve;
	char *listen;
	int allow_remote;
	uint64_t serve_pid, max_connections, serve_timeout_s;
	char *buckets;
	/* CPU sampling (issue 15, docs/cpu.md): on unless --no-sample; rate in Hz of CPU time */
	int sample;
	uint64_t sample_hz;
	int flame; /* HP_FLAME_*: what --format folded or svg draws */
	/* CI gates (issue 18, docs/ci.md): [budget] lines, checked with --check-budgets */
	int check_budgets;
	struct hp_budget *budgets;
	size_t nbudgets;
	/* descendants still running when the program ends: wait this long for them */
	uint64_t wait_children_ms;
};

/* One "FUNCTION.FIELD <= LIMIT" line of [budget]. */
struct hp_budget {
	char *function;
	char *field; /* a numeric member of the function's JSON row */
	double limit;
	char *where; /* "hotpath.conf:12" */
};

/* Which command takes a setting (settings.c for_cmd: serve takes its own and a few shared). */
enum { HP_SET_RUN = 1u << 0, HP_SET_SERVE = 1u << 1 };

/* Append the comma-separated patterns of `list` to s->functions ('!' before each item when
 * `exclude`), as the config's [functions] include/exclude do. */
void hp_settings_add_functions(struct hp_settings *s, const char *list, int exclude);

/* Fill `s` from defaults, then the config file (`config` if given, else ./hotpath.conf when
 * it exists), then HOTPATH_* variables. Returns 0 or -1 with err = the one-line message. */
int hp_settings_load(struct hp_settings *s, const char *config, char *err, size_t errlen);

/* Parse `hotpath run` options from argv[*i]; stops at the first non-option or after "--".
 * `--config` is handled by the caller before hp_settings_load (see hp_settings_find_config).
 * Returns 0, 1 when --help was given, or -1 with err. */
int hp_settings_flags(struct hp_settings *s, int argc, char **argv, int *i, char *err,
		      size_t errlen);
/* The same for the settings of command `cmd` (HP_SET_*). */
int hp_settings_flags_cmd(struct hp_settings *s, unsigned cmd, int argc, char **argv, int *i,
			  char *err, size_t errlen);
const char *hp_settings_find_config(int argc, char **argv);

/* Print the options part of `hotpath run --help`, generated from the table. */
void hp_settings_help(FILE *f);
void hp_settings_help_cmd(FILE *f, unsigned cmd);
void hp_settings_free(struct hp_settings *s);

/* Value parsers shared with other subcommands: 0 or -1 with err. */
/* --lock-hold: true (HP_LOCK_HOLD_DEFAULT), all or 1 (every hold), N, false or 0 (off): the
 * holds timed, one in *out (hp_region_header.lock_hold_every). */
int hp_settings_parse_hold(const char *v, int *out, char *err, size_t errlen);
int hp_settings_parse_format(const char *v, int *out, char *err, size_t errlen);
/* --flame WHAT: HP_FLAME_* of "auto", "cpu", "alloc", "leak" or "peak"; 0, or -1 with err. */
int hp_settings_parse_flame(const char *v, int *out, char *err, size_t errlen);

#endif
