/* history.c - `hotpath history`: list the saved runs; and the glue that saves a run for
 * `hotpath run --save` and loads one for `hotpath report RUN`. docs/history.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "hotpath.h"
#include "tools/report/json.h"
#include "tools/report/report.h"
#include "tools/report/textfmt.h"
#include "settings.h"
#include "tools/history/store.h"

/* The settings a run was made with, as a JSON object (runs.settings). */
static char *settings_json(const struct hp_settings *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hp_jw w;
	static const char *const fmts[] = {"table", "json", "json-pretty"};

	if (!f)
		return NULL;
	hp_jw_init(&w, f, 0);
	hp_jw_obj_begin(&w);
	hp_jw_key(&w, "percentiles");
	hp_jw_arr_begin(&w);
	for (int i = 0; i < s->npcts; i++)
		hp_jw_double(&w, s->pcts[i], 6);
	hp_jw_arr_end(&w);
	hp_jw_key(&w, "format");
	hp_jw_str(&w, s->format >= 0 && s->format < 3 ? fmts[s->format] : NULL);
	hp_jw_key(&w, "limit");
	hp_jw_uint(&w, s->limit);
	hp_jw_key(&w, "timeout_ms");
	hp_jw_uint(&w, s->timeout_ms);
	hp_jw_key(&w, "alloc");
	hp_jw_bool(&w, s->alloc);
	hp_jw_key(&w, "alloc_self");
	hp_jw_bool(&w, s->alloc_self);
	hp_jw_key(&w, "region_size_mib");
	hp_jw_uint(&w, s->region_mib);
	hp_jw_key(&w, "config");
	hp_jw_str(&w, s->config_path);
	hp_jw_obj_end(&w);
	hp_jw_finish(&w);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	/* One line: drop the writer's final newline. */
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = 0;
	return buf;
}

int hp_history_save(struct hp_proc *top, const struct hp_settings *s)
{
	struct hp_run_meta m = {0};
	struct hp_store *st;
	char err[1024], host[256];
	const char *db = s->db ? s->db : HP_STORE_DEFAULT_DB;
	int64_t id = 0;
	int rc = 0;

	if (!s->save)
		goto out;
	m.label = s->label;
	hp_store_git_facts(&m);
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = 0;
		m.host = host;
	}
	m.settings_json = settings_json(s);
	memcpy(m.pcts, s->pcts, sizeof(m.pcts));
	m.npcts = s->npcts;
	if (hp_store_open(&st, db, 1, (int)s->db_timeout_ms, err, sizeof(err)) < 0 ||
	    hp_store_save(st, top, &m, &id, err, sizeof(err)) < 0) {
		hp_err("cannot save the run: %s", err);
		rc = -1;
	} else {
		char label_e[1024];
		fprintf(stderr, "hotpath: saved as run #%" PRId64 "%s%s%s in %s\n", id,
			m.label ? " (label " : "",
			m.label ? hp_text_escape(label_e, sizeof(label_e), m.label) : "",
			m.label ? ")" : "", db);
	}
	hp_store_close(st);
	free(m.git_commit);
	free(m.git_branch);
	free(m.settings_json);
out:
	hp_proc_finish(top, (int)s->limit);
	return rc;
}

/* The db setting: flag, else HOTPATH_DB / hotpath.conf, else the default. */
int hp_history_db_path(const char *flag, char **out)
{
	struct hp_settings s;
	char err[1024];

	if (flag) {
		*out = strdup(flag);
		return 0;
	}
	if (hp_settings_load(&s, NULL, err, sizeof(err)) < 0) {
		hp_err("%s", err);
		return -1;
	}
	*out = strdup(s.db ? s.db : HP_STORE_DEFAULT_DB);
	hp_settings_free(&s);
	return 0;
}

int hp_history_load(const char *db, const char *spec, struct hp_proc *out)
{
	struct hp_store *st = NULL;
	char err[1024], *path = NULL;
	int64_t *ids = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	/* A path (a '/' or a .json name) that does not exist is a missing file, not a run. */
	size_t n = strlen(spec);
	if (strchr(spec, '/') || (n > 5 && !strcmp(spec + n - 5, ".json"))) {
		hp_err("%s: %s", spec, strerror(ENOENT));
		return -1;
	}
	if (hp_history_db_path(db, &path) < 0)
		return -1;
	if (access(path, F_OK) < 0) {
		hp_err("%s: no such file, nor a saved run (no history database at %s)", spec, path);
		goto out;
	}
	if (hp_store_open(&st, path, 0, 5000, err, sizeof(err)) < 0 ||
	    hp_store_resolve(st, spec, 1, &ids, err, sizeof(err)) < 0 ||
	    hp_store_load(st, ids[0], out, NULL, err, sizeof(err)) < 0) {
		hp_err("%s", err);
		goto out;
	}
	rc = 0;
out:
	free(ids);
	free(path);
	hp_store_close(st);
	return rc;
}

/* ---- hotpath history ---- */

static void history_usage(FILE *f)
{
	fprintf(f,
		"Usage: hotpath history [OPTIONS]\n"
		"List the runs saved with 'hotpath run --save', newest first.\n\n"
		"Options:\n"
		"      --db FILE          the history database (default: the db setting, %s)\n"
		"  -l, --label NAME       only runs with this label\n"
		"  -n, --limit N          at most N runs, 0 for all (default 0)\n"
		"  -f, --format FMT       table or json (default table)\n"
		"  -h, --help             show this help\n\n"
		"A run's ID, its label, 'last' or a git revision name it for 'hotpath report RUN'\n"
		"and 'hotpath compare BASE HEAD'.\n",
		HP_STORE_DEFAULT_DB);
}

static void fmt_time(char *buf, size_t size, int64_t unix_ns)
{
	time_t t = (time_t)(unix_ns / 1000000000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, size, "-");
}

static void fmt_status(char *buf, size_t size, const struct hp_run_meta *m)
{
	if (m->state == HP_PS_EXITED)
		snprintf(buf, size, "%d", m->exit_status);
	else if (m->state == HP_PS_SIGNALED)
		snprintf(buf, size, "signal %d", m->term_signal);
	else
		snprintf(buf, size, "%s", hp_proc_state_name(m->state));
}

static void fmt_git(char *buf, size_t size, const struct hp_run_meta *m)
{
	if (!m->git_commit)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.10s%s%s%s", m->git_commit, m->git_branch ? " " : "",
			 m->git_branch ? m->git_branch : "", m->git_dirty ? "*" : "");
}

static void history_table(const struct hp_run_meta *m, size_t n, const char *label)
{
	char when[64], git[300], wall[64], status[64];
	int wl = 5;

	char label_e[300], cmd_e[400], git_e[1200];

	for (size_t i = 0; i < n; i++) {
		int l = m[i].label ? (int)hp_utf8_cols(
					     hp_text_escape(label_e, sizeof(label_e), m[i].label))
				   : 1;
		wl = l > wl ? l : wl;
	}
	if (wl > 30)
		wl = 30;
	printf("%-6s %-19s %-*s %-24s %-10s %-8s %-9s %s\n", "ID", "Saved", wl, "Label", "Git",
	       "Wall", "Status", "Functions", "Command");
	for (size_t i = 0; i < n; i++) {
		fmt_time(when, sizeof(when), m[i].saved_unix_ns);
		fmt_git(git, sizeof(git), &m[i]);
		hp_fmt_ns(wall, sizeof(wall), (double)m[i].wall_ns);
		fmt_status(status, sizeof(status), &m[i]);
		/* "µs" is one column in two bytes: pad by columns, not bytes. */
		int wall_w = 10 + (strstr(wall, "µ") ? 1 : 0);
		/* Labels, commands and branches are text that whoever saved the run chose. */
		hp_text_escape(label_e, sizeof(label_e), m[i].label ? m[i].label : "-");
		hp_text_escape(cmd_e, sizeof(cmd_e), m[i].command ? m[i].command : "");
		hp_text_escape(git_e, sizeof(git_e), git);
		printf("%-6" PRId64 " %-19s %-*.*s %-24s %-*s %-8s %-9" PRIu64 " %.100s\n", m[i].id,
		       when, wl, wl, label_e, git_e, wall_w, wall, status, m[i].nfunctions, cmd_e);
	}
	if (!n)
		printf(label ? "(no run labelled %s)\n" : "(no run saved)\n",
		       label ? hp_text_escape(label_e, sizeof(label_e), label) : "");
}

static void history_json(const struct hp_run_meta *m, size_t n)
{
	struct hp_jw w;

	hp_jw_init(&w, stdout, 1);
	hp_jw_obj_begin(&w);
	hp_jw_key(&w, "runs");
	hp_jw_arr_begin(&w);
	for (size_t i = 0; i < n; i++) {
		hp_jw_obj_begin(&w);
		hp_jw_key(&w, "id");
		hp_jw_int(&w, m[i].id);
		hp_jw_key(&w, "label");
		hp_jw_str(&w, m[i].label);
		hp_jw_key(&w, "saved_unix_ns");
		hp_jw_int(&w, m[i].saved_unix_ns);
		hp_jw_key(&w, "command");
		hp_jw_str(&w, m[i].command);
		hp_jw_key(&w, "git_commit");
		hp_jw_str(&w, m[i].git_commit);
		hp_jw_key(&w, "git_branch");
		hp_jw_str(&w, m[i].git_branch);
		hp_jw_key(&w, "git_dirty");
		hp_jw_bool(&w, m[i].git_dirty);
		hp_jw_key(&w, "host");
		hp_jw_str(&w, m[i].host);
		hp_jw_key(&w, "hotpath_version");
		hp_jw_str(&w, m[i].hotpath_version);
		hp_jw_key(&w, "state");
		hp_jw_str(&w, hp_proc_state_name(m[i].state));
		hp_jw_key(&w, "exit_status");
		if (m[i].state == HP_PS_EXITED)
			hp_jw_int(&w, m[i].exit_status);
		else
			hp_jw_null(&w);
		hp_jw_key(&w, "term_signal");
		if (m[i].state == HP_PS_SIGNALED)
			hp_jw_int(&w, m[i].term_signal);
		else
			hp_jw_null(&w);
		hp_jw_key(&w, "start_time_unix_ns");
		hp_jw_int(&w, m[i].start_unix_ns);
		hp_jw_key(&w, "wall_ns");
		hp_jw_uint(&w, m[i].wall_ns);
		hp_jw_key(&w, "functions_total");
		hp_jw_uint(&w, m[i].nfunctions);
		hp_jw_key(&w, "processes");
		hp_jw_uint(&w, m[i].nprocesses);
		hp_jw_key(&w, "percentiles");
		hp_jw_arr_begin(&w);
		for (int k = 0; k < m[i].npcts; k++)
			hp_jw_double(&w, m[i].pcts[k], 6);
		hp_jw_arr_end(&w);
		hp_jw_obj_end(&w);
	}
	hp_jw_arr_end(&w);
	hp_jw_obj_end(&w);
	hp_jw_finish(&w);
}

int hp_cmd_history(int argc, char **argv)
{
	const char *db = NULL, *label = NULL;
	uint64_t limit = 0;
	int json = 0;
	char err[1024], *path = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			history_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--db") && v) {
			db = argv[++i];
		} else if ((!strcmp(a, "-l") || !strcmp(a, "--label")) && v) {
			label = argv[++i];
		} else if ((!strcmp(a, "-n") || !strcmp(a, "--limit")) && v) {
			if (hp_parse_u64(argv[++i], 0, 1000000000, &limit, err, sizeof(err)) < 0) {
				hp_err("--limit: %s", err);
				return 2;
			}
		} else if ((!strcmp(a, "-f") || !strcmp(a, "--format")) && v) {
			json = !strcmp(v, "json") || !strcmp(v, "json-pretty");
			if (!json && strcmp(v, "table")) {
				hp_err("--format: expected table or json, got '%s'", v);
				return 2;
			}
			i++;
		} else {
			hp_err("history: %s '%s' (see hotpath history --help)",
			       a[0] == '-' ? "unknown option, or no value after"
					   : "unexpected argument",
			       a);
			return 2;
		}
	}
	if (hp_history_db_path(db, &path) < 0)
		return 2;
	struct hp_store *st;
	struct hp_run_meta *m = NULL;
	size_t n = 0;
	int rc = 0;
	if (hp_store_open(&st, path, 0, 5000, err, sizeof(err)) < 0 ||
	    hp_store_list(st, label, limit, &m, &n, err, sizeof(err)) < 0) {
		hp_err("%s", err);
		rc = 1;
	} else if (json) {
		history_json(m, n);
	} else {
		history_table(m, n, label);
	}
	hp_run_metas_free(m, n);
	hp_store_close(st);
	free(path);
	return rc;
}
