/* settings.c - the settings table and its three sources (config file, environment, flags). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hp/open_regular.h"
#include "hotpath.h"

#include "config.h"
#include "settings.h"

enum { T_BOOL, T_U64, T_PCTS, T_FORMAT, T_STRING, T_SERVE, T_FLAME, T_HOLD };

struct setting {
	const char *key;  /* hotpath.conf key (top level) */
	const char *env;  /* HOTPATH_* variable */
	const char *flag; /* long option */
	char shortopt;
	int type;
	size_t off;
	uint64_t min, max;
	const char *def;
	const char *arg; /* value placeholder in --help */
	const char *help;
};

#define OFF(f) offsetof(struct hp_settings, f)
static const struct setting table[] = {
	{"percentiles", "HOTPATH_PERCENTILES", "percentiles", 'p', T_PCTS, OFF(pcts), 0, 0, "95",
	 "LIST", "percentiles to show, e.g. 50,95,99.9"},
	{"format", "HOTPATH_FORMAT", "format", 'f', T_FORMAT, OFF(format), 0, 0, "table", "FMT",
	 "report format: table, json, json-pretty, pprof (gzipped, with --output), folded "
	 "(flame graph stacks) or svg (HOTPATH_JSON=true means json)"},
	{"limit", "HOTPATH_LIMIT", "limit", 'n', T_U64, OFF(limit), 0, 1000000000, "15", "N",
	 "functions to list, 0 for all"},
	{"timeout", "HOTPATH_TIMEOUT", "timeout", 't', T_U64, OFF(timeout_ms), 0, 1ull << 40, "0",
	 "MS", "stop the program after MS milliseconds (SIGTERM, then SIGKILL) and report"},
	{"output", "HOTPATH_OUTPUT", "output", 'o', T_STRING, OFF(output), 0, 0, "", "FILE",
	 "write the report to FILE instead of stderr"},
	{"alloc", "HOTPATH_ALLOC", "alloc", 0, T_BOOL, OFF(alloc), 0, 0, "false", NULL,
	 "track heap allocations per function and thread"},
	{"alloc_self", "HOTPATH_ALLOC_SELF", "alloc-self", 0, T_BOOL, OFF(alloc_self), 0, 0,
	 "false", NULL, "attribute allocations to the innermost function only (implies --alloc)"},
	{"alloc_stacks", "HOTPATH_ALLOC_STACKS", "alloc-stacks", 0, T_BOOL, OFF(alloc_stacks), 0, 0,
	 "false", NULL,
	 "record the call stack of every allocation: leaks, peak and temporaries by stack "
	 "(implies --alloc; docs/memory.md)"},
	{"region_size", "HOTPATH_REGION_SIZE", "region-size", 0, T_U64, OFF(region_mib), 4, 65536,
	 "256", "MIB",
	 "ceiling of each process's shared-memory region in MiB (reserved as it fills)"},
	{"keep_regions", "HOTPATH_KEEP_REGIONS", "keep-regions", 0, T_BOOL, OFF(keep_regions), 0, 0,
	 "false", NULL, "leave the regions in /dev/shm after the report (for hotpath console)"},
	/* the call tree (docs/semantics.md "Call tree") */
	{"tree", "HOTPATH_TREE", "tree", 0, T_BOOL, OFF(tree), 0, 0, "false", NULL,
	 "print the call tree (indented, cut by --limit) instead of the tables"},
	{"tree_nodes", "HOTPATH_TREE_NODES", "tree-nodes", 0, T_U64, OFF(tree_nodes), 0, 1u << 30,
	 "1048576", "N", "call tree nodes each process may record (0: no tree, cheaper calls)"},
	{"console", "HOTPATH_CONSOLE", "console", 0, T_BOOL, OFF(console), 0, 0, "false", NULL,
	 "show the live dashboard while the program runs (its output goes to a log file)"},
	/* history (docs/history.md) */
	{"save", "HOTPATH_SAVE", "save", 0, T_BOOL, OFF(save), 0, 0, "false", NULL,
	 "save the run in the history database (see hotpath history, compare)"},
	{"db", "HOTPATH_DB", "db", 0, T_STRING, OFF(db), 0, 0, ".hotpath/history.db", "FILE",
	 "the history database (SQLite) for --save"},
	{"label", "HOTPATH_LABEL", "label", 0, T_STRING, OFF(label), 0, 0, "", "NAME",
	 "a label for the saved run (hotpath compare LABEL ...)"},
	{"db_timeout", "HOTPATH_DB_TIMEOUT", "db-timeout", 0, T_U64, OFF(db_timeout_ms), 0, 3600000,
	 "30000", "MS", "how long a save waits while another process writes the database"},
	/* patching without recompile (docs/patching.md) */
	{"functions", "HOTPATH_FUNCTIONS", "functions", 0, T_STRING, OFF(functions), 0, 0, "",
	 "LIST",
	 "patch and time these functions: [MODULE:]GLOB,... ('!' excludes), e.g. 'main,my_*'"},
	{"functions_max", "HOTPATH_FUNCTIONS_MAX", "functions-max", 0, T_U64, OFF(functions_max), 1,
	 1000000, "5000", "N", "most functions one pattern may select (a warning beyond)"},
	/* data flow and concurrency (docs/dataflow.md) */
	{"channels", "HOTPATH_CHANNELS", "channels", 0, T_BOOL, OFF(channels), 0, 0, "true", NULL,
	 "record pipes, queues, sockets and read/write (--channels=false: off)"},
	{"locks", "HOTPATH_LOCKS", "locks", 0, T_BOOL, OFF(locks), 0, 0, "true", NULL,
	 "record pthread mutexes, rwlocks, condition variables (--locks=false: off)"},
	{"threads", "HOTPATH_THREADS", "threads", 0, T_BOOL, OFF(threads), 0, 0, "true", NULL,
	 "show the threads section (--threads=false: hide it)"},
	{"lock_hold", "HOTPATH_LOCK_HOLD", "lock-hold", 0, T_HOLD, OFF(lock_hold), 0, 0, "true",
	 "[=WHICH]",
	 "time how long locks are held: true (one hold in 17 per lock, the total estimated), all "
	 "(every hold, exact), N (one in N) or false (off: cheaper lock hooks)"},
	/* serve (docs/serve.md) */
	{"serve", "HOTPATH_SERVE", "serve", 0, T_SERVE, OFF(serve), 0, 0, "false", "[=ADDR:PORT]",
	 "serve /metrics and pprof for this run (at ADDR:PORT, else at 'listen')"},
	{"listen", "HOTPATH_LISTEN", "listen", 0, T_STRING, OFF(listen), 0, 0, "127.0.0.1:9478",
	 "ADDR:PORT", "address of the HTTP server (port 0: any free port)"},
	{"allow_remote", "HOTPATH_ALLOW_REMOTE", "allow-remote", 0, T_BOOL, OFF(allow_remote), 0, 0,
	 "false", NULL, "allow a listen address that is not loopback (pages show command lines)"},
	{"serve_pid", "HOTPATH_SERVE_PID", "pid", 0, T_U64, OFF(serve_pid), 0, 1u << 30, "0", "PID",
	 "serve only this process (0: every profiled process of the user)"},
	{"max_connections", "HOTPATH_MAX_CONNECTIONS", "max-connections", 0, T_U64,
	 OFF(max_connections), 1, 4096, "256", "N", "connections served at once; more wait"},
	{"serve_timeout", "HOTPATH_SERVE_TIMEOUT", "serve-timeout", 0, T_U64, OFF(serve_timeout_s),
	 1, 3600, "10", "SECS", "close a connection idle this long"},
	{"buckets", "HOTPATH_BUCKETS", "buckets", 0, T_STRING, OFF(buckets), 0, 0,
	 "0.00001,0.0001,0.001,0.01,0.1,1,10", "LIST",
	 "upper bounds (seconds) of the /metrics duration histogram buckets"},
	/* CPU sampling (docs/cpu.md) */
	{"flame", "HOTPATH_FLAME", "flame", 0, T_FLAME, OFF(flame), 0, 0, "auto", "WHAT",
	 "what --format folded or svg draws: cpu (the CPU samples), alloc, leak or peak (bytes by "
	 "allocation stack, with --alloc-stacks) or auto (the call tree when functions are timed, "
	 "else cpu)"},
	{"sample", "HOTPATH_SAMPLE", "sample", 0, T_BOOL, OFF(sample), 0, 0, "true", NULL,
	 "sample where CPU time goes, in every thread (--no-sample: off)"},
	{"sample_hz", "HOTPATH_SAMPLE_HZ", "sample-hz", 0, T_U64, OFF(sample_hz), 1, 100000, "100",
	 "N", "CPU samples per second of a thread's CPU time"},
	/* CI gates and descendants (docs/ci.md, docs/run.md) */
	{"check_budgets", "HOTPATH_CHECK_BUDGETS", "check-budgets", 0, T_BOOL, OFF(check_budgets),
	 0, 0, "false", NULL, "check the config's [budget] lines: exit 3 and list those over"},
	{"wait_children", "HOTPATH_WAIT_CHILDREN", "wait-children", 0, T_U64, OFF(wait_children_ms),
	 0, 3600000, "300", "MS",
	 "wait up to MS for descendants still running at the end, 0: do not"},
};
#define NSET (sizeof(table) / sizeof(table[0]))

int hp_settings_parse_flame(const char *v, int *out, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		int value;
	} names[] = {{"auto", HP_FLAME_AUTO},
		     {"cpu", HP_FLAME_CPU},
		     {"alloc", HP_FLAME_ALLOC},
		     {"leak", HP_FLAME_LEAK},
		     {"peak", HP_FLAME_PEAK}};
	for (size_t i = 0; v && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(v, names[i].name)) {
			*out = names[i].value;
			return 0;
		}
	snprintf(err, errlen, "expected cpu, alloc, leak, peak or auto, got '%s'", v ? v : "");
	return -1;
}

int hp_settings_parse_hold(const char *v, int *out, char *err, size_t errlen)
{
	int on;
	uint64_t n;
	char why[128];
	if (!strcmp(v, "all")) {
		*out = 1;
		return 0;
	}
	if (hp_parse_bool(v, &on, why, sizeof(why)) == 0) {
		*out = on ? HP_LOCK_HOLD_DEFAULT : 0;
		*out = !strcmp(v, "1") ? 1 : *out; /* 1: one in 1, every hold */
		return 0;
	}
	if (hp_parse_u64(v, 1, 1u << 30, &n, why, sizeof(why)) == 0) {
		*out = (int)n;
		return 0;
	}
	snprintf(err, errlen,
		 "expected true, false, all or a number of holds N (one in N), got '%s'", v);
	return -1;
}

int hp_settings_parse_format(const char *v, int *out, char *err, size_t errlen)
{
	if (!strcmp(v, "table"))
		*out = HP_FMT_TABLE;
	else if (!strcmp(v, "json"))
		*out = HP_FMT_JSON;
	else if (!strcmp(v, "json-pretty"))
		*out = HP_FMT_JSON_PRETTY;
	else if (!strcmp(v, "pprof"))
		*out = HP_FMT_PPROF; /* docs/serve.md */
	else if (!strcmp(v, "folded"))
		*out = HP_FMT_FOLDED; /* docs/cpu.md, docs/semantics.md */
	else if (!strcmp(v, "svg"))
		*out = HP_FMT_SVG;
	else {
		snprintf(err, errlen,
			 "expected table, json, json-pretty, pprof, folded or svg, got '%s'", v);
		return -1;
	}
	return 0;
}

/* Apply one value; `where` names its source for the error ("hotpath.conf:3", "--limit"). */
static int apply(struct hp_settings *s, const struct setting *t, const char *v, const char *where,
		 char *err, size_t errlen)
{
	char why[256];
	void *field = (char *)s + t->off;
	int rc = 0;
	switch (t->type) {
	case T_BOOL: rc = hp_parse_bool(v, field, why, sizeof(why)); break;
	case T_U64: rc = hp_parse_u64(v, t->min, t->max, field, why, sizeof(why)); break;
	case T_PCTS:
		rc = hp_parse_percentiles(v, s->pcts, HP_MAX_PCTS, &s->npcts, why, sizeof(why));
		break;
	case T_FORMAT: rc = hp_settings_parse_format(v, field, why, sizeof(why)); break;
	case T_FLAME: rc = hp_settings_parse_flame(v, field, why, sizeof(why)); break;
	case T_HOLD: rc = hp_settings_parse_hold(v, field, why, sizeof(why)); break;
	case T_STRING: {
		char **p = field;
		free(*p);
		*p = *v ? strdup(v) : NULL;
		break;
	}
	case T_SERVE: { /* true: at `listen`; false or empty: off; else the address */
		char **p = field;
		int on = 0;
		free(*p);
		*p = NULL;
		if (!*v || hp_parse_bool(v, &on, why, sizeof(why)) == 0)
			*p = on ? strdup("") : NULL;
		else
			*p = strdup(v);
		break;
	}
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", where, why);
		return -1;
	}
	return 0;
}

void hp_settings_add_functions(struct hp_settings *s, const char *list, int exclude)
{
	size_t cur = s->functions ? strlen(s->functions) : 0, add = strlen(list);
	char *out = malloc(cur + 2 * add + 4);
	if (!out)
		return;
	size_t o = 0;
	if (cur) {
		memcpy(out, s->functions, cur);
		o = cur;
	}
	const char *p = list;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (o)
			out[o++] = ',';
		if (exclude && *p != '!')
			out[o++] = '!';
		while (*p && *p != ',')
			out[o++] = *p++;
		while (o && (out[o - 1] == ' ' || out[o - 1] == '\t'))
			o--;
	}
	out[o] = 0;
	free(s->functions);
	s->functions = o ? out : NULL;
	if (!o)
		free(out);
}

const char *hp_settings_find_config(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c"))
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
		if (argv[i][0] != '-')
			break;
	}
	return NULL;
}

/* A [budget] item (key FUNCTION.FIELD, value N; config.c checked the shape). */
static int add_budget(struct hp_settings *s, const struct hp_conf_item *it, const char *where,
		      char *err, size_t errlen)
{
	char *end;
	errno = 0;
	double lim = strtod(it->value, &end);
	if (errno || *end || end == it->value || !(lim >= 0) || lim > 1.8e19) {
		snprintf(err, errlen, "%s: expected a number >= 0 after '<=', got '%s'", where,
			 it->value);
		return -1;
	}
	struct hp_budget *nb = realloc(s->budgets, (s->nbudgets + 1) * sizeof(*nb));
	if (!nb)
		goto oom;
	s->budgets = nb;
	const char *dot = strrchr(it->key, '.');
	struct hp_budget *b = &nb[s->nbudgets];
	b->function = strndup(it->key, (size_t)(dot - it->key));
	b->field = strdup(dot + 1);
	b->where = strdup(where);
	b->limit = lim;
	if (!b->function || !b->field || !b->where) {
		free(b->function);
		free(b->field);
		free(b->where);
		goto oom;
	}
	s->nbudgets++;
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", where);
	return -1;
}

/* ./hotpath.conf is read only when this user (or root) owns it and no one else may write it:
 * the working directory can be someone else's (/tmp, a shared checkout), and the file can
 * point `output` or `db` anywhere. Returns an open descriptor, or -1 when there is none or it
 * was skipped (after a one-line warning saying why). */
static int cwd_config(void)
{
	struct stat st;
	char why[300];
	int fd = hp_open_regular("hotpath.conf", 0, &st, why, sizeof(why));
	if (fd == -ENOENT)
		return -1;
	if (fd < 0) {
		hp_warn("./%s: skipped", why);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0)
		snprintf(why, sizeof(why), "owned by uid %u, not by you (uid %u) or root",
			 (unsigned)st.st_uid, (unsigned)geteuid());
	else if (st.st_mode & S_IWOTH)
		snprintf(why, sizeof(why), "writable by others (mode %04o)",
			 (unsigned)(st.st_mode & 07777));
	else
		return fd;
	close(fd);
	hp_warn("./hotpath.conf skipped: %s", why);
	return -1;
}

int hp_settings_load(struct hp_settings *s, const char *config, char *err, size_t errlen)
{
	char where[600];
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < NSET; i++)
		if (apply(s, &table[i], table[i].def, "default", err, errlen) < 0)
			return -1;
	const char *path = config;
	int fd = -1;
	if (!path && (fd = cwd_config()) >= 0)
		path = "hotpath.conf";
	if (!path)
		path = getenv("HOTPATH_CONFIG");
	if (path) {
		struct hp_conf c;
		if ((fd >= 0 ? hp_conf_load_fd(fd, path, &c, err, errlen)
			     : hp_conf_load(path, &c, err, errlen)) < 0)
			return -1;
		s->config_path = strdup(path);
		for (size_t k = 0; k < c.n; k++) {
			const struct hp_conf_item *it = &c.items[k];
			snprintf(where, sizeof(where), "%s:%d", path, it->line);
			const struct setting *t = NULL;
			for (size_t i = 0; i < NSET && !t; i++)
				if (!it->section[0] && !strcmp(it->key, table[i].key))
					t = &table[i];
			if (!strcmp(it->section, "budget")) {
				if (add_budget(s, it, where, err, errlen) < 0) {
					hp_conf_free(&c);
					return -1;
				}
				continue;
			}
			/* [functions] include = ... / exclude = ...: appended to `functions`. */
			if (!t && !strcmp(it->section, "functions") &&
			    (!strcmp(it->key, "include") || !strcmp(it->key, "exclude"))) {
				hp_settings_add_functions(s, it->value,
							  !strcmp(it->key, "exclude"));
				continue;
			}
			if (!t) {
				snprintf(err, errlen,
					 "%s: unknown setting '%s%s%s' (see hotpath.conf.example)",
					 where, it->section, it->section[0] ? "." : "", it->key);
				hp_conf_free(&c);
				return -1;
			}
			if (apply(s, t, it->value, where, err, errlen) < 0) {
				hp_conf_free(&c);
				return -1;
			}
			/* Where a report or the history goes: say which file decided it. */
			if (!strcmp(t->key, "output") || !strcmp(t->key, "db"))
				fprintf(stderr, "hotpath: settings from %s%s: %s = %s\n",
					fd >= 0 ? "./" : "", path, t->key, it->value);
		}
		hp_conf_free(&c);
	}
	for (size_t i = 0; i < NSET; i++) {
		const char *v = getenv(table[i].env);
		if (v && *v && apply(s, &table[i], v, table[i].env, err, errlen) < 0)
			return -1;
		/* hotpath-rs compatibility: HOTPATH_JSON=true selects JSON output. */
		if (table[i].type == T_FORMAT && !v) {
			const char *j = getenv("HOTPATH_JSON");
			int on = 0;
			char why[128];
			if (j && *j) {
				if (hp_parse_bool(j, &on, why, sizeof(why)) < 0) {
					snprintf(err, errlen, "HOTPATH_JSON: %s", why);
					return -1;
				}
				if (on)
					s->format = HP_FMT_JSON;
			}
		}
	}
	return 0;
}

int hp_settings_flags(struct hp_settings *s, int argc, char **argv, int *i, char *err,
		      size_t errlen)
{
	return hp_settings_flags_cmd(s, HP_SET_RUN, argc, argv, i, err, errlen);
}

/* The settings `hotpath serve` takes (docs/serve.md); `run` takes all but serve_pid. */
static int for_cmd(const struct setting *t, unsigned cmd)
{
	static const char *const serve_keys[] = {"percentiles",	    "listen",
						 "allow_remote",    "serve_pid",
						 "max_connections", "serve_timeout",
						 "buckets",	    NULL};
	if (cmd == HP_SET_RUN)
		return strcmp(t->key, "serve_pid") != 0;
	for (int i = 0; serve_keys[i]; i++)
		if (!strcmp(t->key, serve_keys[i]))
			return 1;
	return 0;
}

int hp_settings_flags_cmd(struct hp_settings *s, unsigned cmd, int argc, char **argv, int *i,
			  char *err, size_t errlen)
{
	char where[128];
	while (*i < argc) {
		const char *a = argv[*i];
		if (!strcmp(a, "--")) {
			(*i)++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (!strcmp(a, "--config") || !strcmp(a, "-c")) {
			*i += 2; /* read by hp_settings_find_config */
			continue;
		}
		if (!strncmp(a, "--config=", 9)) {
			(*i)++;
			continue;
		}
		const struct setting *t = NULL;
		const char *val = NULL;
		/* --no-FLAG: a boolean switched off (--no-sample). */
		for (size_t k = 0; k < NSET && !t && !strncmp(a, "--no-", 5); k++)
			if ((table[k].type == T_BOOL || table[k].type == T_HOLD) &&
			    for_cmd(&table[k], cmd) && !strcmp(a + 5, table[k].flag)) {
				t = &table[k];
				val = "false";
			}
		for (size_t k = 0; k < NSET && !t; k++) {
			size_t fl = strlen(table[k].flag);
			if (!for_cmd(&table[k], cmd))
				continue;
			if (a[1] == '-' && !strncmp(a + 2, table[k].flag, fl) &&
			    (a[2 + fl] == 0 || a[2 + fl] == '=')) {
				t = &table[k];
				val = a[2 + fl] == '=' ? a + 3 + fl : NULL;
			} else if (a[1] != '-' && table[k].shortopt && a[1] == table[k].shortopt) {
				t = &table[k];
				val = a[2] ? a + 2 : NULL;
			}
		}
		if (!t) {
			snprintf(err, errlen, "unknown option '%s' (see hotpath %s --help)", a,
				 cmd == HP_SET_SERVE ? "serve" : "run");
			return -1;
		}
		snprintf(where, sizeof(where), "--%s", t->flag);
		if ((t->type == T_BOOL || t->type == T_SERVE || t->type == T_HOLD) && !val) {
			val = "true";
		} else if (!val) {
			if (*i + 1 >= argc) {
				snprintf(err, errlen, "%s: expected a value (%s)", where, t->arg);
				return -1;
			}
			val = argv[++*i];
		}
		if (apply(s, t, val, where, err, errlen) < 0)
			return -1;
		(*i)++;
	}
	if (s->alloc_self || s->alloc_stacks)
		s->alloc = 1;
	return 0;
}

void hp_settings_help(FILE *f)
{
	hp_settings_help_cmd(f, HP_SET_RUN);
}

void hp_settings_help_cmd(FILE *f, unsigned cmd)
{
	fprintf(f, "  -c, --config FILE        read settings from FILE (default ./hotpath.conf)\n");
	for (size_t i = 0; i < NSET; i++) {
		const struct setting *t = &table[i];
		if (!for_cmd(t, cmd))
			continue;
		char lhs[64];
		if (t->shortopt)
			snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", t->shortopt, t->flag,
				 t->arg && t->arg[0] != '[' ? " " : "", t->arg ? t->arg : "");
		else
			snprintf(lhs, sizeof(lhs), "    --%s%s%s", t->flag,
				 t->arg && t->arg[0] != '[' ? " " : "", t->arg ? t->arg : "");
		fprintf(f, "  %-24s %s\n  %-24s   [%s; config '%s'; default %s]\n", lhs, t->help,
			"", t->env, t->key, *t->def ? t->def : "none");
	}
}

void hp_settings_free(struct hp_settings *s)
{
	free(s->output);
	free(s->config_path);
	free(s->db);
	free(s->label);
	free(s->functions);
	free(s->serve);
	free(s->listen);
	free(s->buckets);
	s->functions = s->serve = s->listen = s->buckets = NULL;
	for (size_t i = 0; i < s->nbudgets; i++) {
		free(s->budgets[i].function);
		free(s->budgets[i].field);
		free(s->budgets[i].where);
	}
	free(s->budgets);
	s->budgets = NULL;
	s->nbudgets = 0;
	s->output = s->config_path = s->db = s->label = NULL;
}
