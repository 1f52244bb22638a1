/* report_cmd.c - `hotpath report FILE`: re-render a saved JSON report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hotpath.h"
#include "tools/report/report.h"
#include "settings.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hotpath report [OPTIONS] FILE|RUN\n"
		"Re-render a JSON report saved by 'hotpath run --format json --output FILE', or a\n"
		"run saved by 'hotpath run --save' (RUN: an id, a label, last, a git revision).\n\n"
		"Options:\n"
		"  -f, --format FMT       table, json, json-pretty, pprof, folded or svg (default\n"
		"                         table)\n"
		"      --tree             print the call tree instead of the tables\n"
		"      --flame WHAT       what folded and svg draw: cpu (the CPU samples), alloc, leak or\n"
		"                         peak (bytes by allocation stack) or auto\n"
		"                         (the call tree when functions were timed; else cpu)\n"
		"  -p, --percentiles LIST percentiles to show (default: those of the report)\n"
		"  -n, --limit N          functions to list, 0 for all (default 0)\n"
		"  -o, --output FILE      write to FILE instead of stdout\n"
		"      --db FILE          the history database for RUN (docs/history.md)\n"
		"  -h, --help             show this help\n");
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		char *nb = realloc(buf, cap *= 2);
		if (!nb) {
			free(buf);
			buf = NULL;
		}
		buf = nb;
	}
	int bad = ferror(f);
	if (f != stdin)
		fclose(f);
	if (bad) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	*len = n;
	return buf;
}

/* What `hotpath report` was asked for. */
struct report_args {
	struct hp_report_opts o;
	const char *file, *output, *db;
	int have_pcts; /* -p given: else the report's own percentiles */
};

/* One option at argv[*i] (and its value, *i moved past it): 0 to go on, -1 after --help, or 2
 * after saying what is wrong. */
static int report_option(struct report_args *a, int argc, char **argv, int *i)
{
	const char *arg = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	char err[512];
	uint64_t n;

	if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
		usage(stdout);
		return -1;
	} else if (!strcmp(arg, "--tree")) {
		a->o.tree = 1;
		return 0;
	} else if (!strcmp(arg, "-f") || !strcmp(arg, "--format")) {
		if (!v || hp_settings_parse_format(v, &a->o.format, err, sizeof(err)) < 0) {
			hp_err("--format: %s", v ? err : "expected a value");
			return 2;
		}
	} else if (!strcmp(arg, "--flame")) {
		if (hp_settings_parse_flame(v, &a->o.flame, err, sizeof(err)) < 0) {
			hp_err("--flame: %s", err);
			return 2;
		}
	} else if (!strcmp(arg, "-p") || !strcmp(arg, "--percentiles")) {
		if (!v || hp_parse_percentiles(v, a->o.pcts, HP_MAX_PCTS, &a->o.npcts, err,
					       sizeof(err)) < 0) {
			hp_err("--percentiles: %s", v ? err : "expected a value");
			return 2;
		}
		a->have_pcts = 1;
	} else if (!strcmp(arg, "-n") || !strcmp(arg, "--limit")) {
		if (!v || hp_parse_u64(v, 0, 1000000000, &n, err, sizeof(err)) < 0) {
			hp_err("--limit: %s", v ? err : "expected a value");
			return 2;
		}
		a->o.limit = (int)n;
	} else if (!strcmp(arg, "-o") || !strcmp(arg, "--output")) {
		if (!v) {
			hp_err("--output: expected a file name");
			return 2;
		}
		a->output = v;
	} else if (!strcmp(arg, "--db") && v) {
		a->db = v; /* history: FILE may name a saved run */
	} else if (arg[0] == '-' && arg[1]) {
		hp_err("report: unknown option '%s' (see hotpath report --help)", arg);
		return 2;
	} else if (!a->file) {
		a->file = arg;
		return 0;
	} else {
		hp_err("report: one report file at a time ('%s' is extra)", arg);
		return 2;
	}
	(*i)++; /* every option that reaches here took a value */
	return 0;
}

/* The options, then FILE; 0, -1 after --help, or 2 after saying what is wrong. */
static int report_parse(struct report_args *a, int argc, char **argv)
{
	int rc;

	for (int i = 1; i < argc; i++)
		if ((rc = report_option(a, argc, argv, &i)) != 0)
			return rc;
	if (!a->file) {
		hp_err("report: no report file given (usage: hotpath report [OPTIONS] FILE)");
		return 2;
	}
	return 0;
}

/* The model from a JSON report file (or stdin, "-"), or from a run saved with --save when FILE
 * is not a file (tools/history.c). 0, or -1 after saying why. */
static int report_load(const struct report_args *a, struct hp_proc *p)
{
	char err[512];
	size_t len = 0;

	if (strcmp(a->file, "-") && access(a->file, F_OK) < 0)
		return hp_history_load(a->db, a->file, p) < 0 ? -1 : 0;
	char *text = read_all(a->file, &len);
	if (!text) {
		hp_err("%s: %s", a->file, strerror(errno));
		return -1;
	}
	int rc = hp_report_from_json(text, len, p, err, sizeof(err));
	free(text);
	if (rc < 0) {
		hp_err("%s: %s", a->file, err);
		return -1;
	}
	return 0;
}

/* Render to --output or stdout; 0, or -1 after saying why. */
static int report_write(const struct report_args *a, const struct hp_proc *p)
{
	FILE *out = a->output ? fopen(a->output, "w") : stdout;

	if (!out) {
		hp_err("%s: %s", a->output, strerror(errno));
		return -1;
	}
	int rc = hp_report_render(out, p, &a->o);
	if ((out != stdout ? fclose(out) : fflush(out)) == EOF || rc < 0) {
		hp_err("%s: cannot write the report", a->output ? a->output : "stdout");
		return -1;
	}
	return 0;
}

/* parse -> load -> finish (limit, percentiles) -> write (pprof not to a terminal). */
int hp_cmd_report(int argc, char **argv)
{
	struct report_args a = {.o = {.format = HP_FMT_TABLE}};
	struct hp_proc p;
	int rc = report_parse(&a, argc, argv);

	if (rc)
		return rc < 0 ? 0 : rc;
	if (report_load(&a, &p) < 0)
		return 1;
	if (!a.have_pcts) {
		a.o.npcts = p.npcts_saved;
		memcpy(a.o.pcts, p.pcts_saved, sizeof(a.o.pcts));
	}
	hp_proc_finish(&p, a.o.limit);
	if (a.o.format == HP_FMT_PPROF && !a.output && isatty(STDOUT_FILENO)) {
		hp_err("--format pprof writes binary data: give --output FILE.pb.gz or redirect stdout");
		rc = 2;
	} else {
		rc = report_write(&a, &p) < 0 ? 1 : 0;
	}
	hp_proc_free(&p);
	return rc;
}
