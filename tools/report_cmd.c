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
	fprintf(f, "Usage: hotpath report [OPTIONS] FILE|RUN\n"
		   "Re-render a JSON report saved by 'hotpath run --format json --output FILE', or a\n"
		   "run saved by 'hotpath run --save' (RUN: an id, a label, last, a git revision).\n\n"
		   "Options:\n"
		   "  -f, --format FMT       table, json, json-pretty or pprof (default table)\n"
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

int hp_cmd_report(int argc, char **argv)
{
	struct hp_report_opts o = {.format = HP_FMT_TABLE};
	const char *file = NULL, *output = NULL, *db = NULL;
	char err[512];
	int have_pcts = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-f") || !strcmp(a, "--format")) {
			if (!v || hp_settings_parse_format(v, &o.format, err, sizeof(err)) < 0) {
				hp_err("--format: %s", v ? err : "expected a value");
				return 2;
			}
			i++;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--percentiles")) {
			if (!v || hp_parse_percentiles(v, o.pcts, HP_MAX_PCTS, &o.npcts, err, sizeof(err)) < 0) {
				hp_err("--percentiles: %s", v ? err : "expected a value");
				return 2;
			}
			have_pcts = 1;
			i++;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--limit")) {
			uint64_t n;
			if (!v || hp_parse_u64(v, 0, 1000000000, &n, err, sizeof(err)) < 0) {
				hp_err("--limit: %s", v ? err : "expected a value");
				return 2;
			}
			o.limit = (int)n;
			i++;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (!v) {
				hp_err("--output: expected a file name");
				return 2;
			}
			output = v;
			i++;
		} else if (!strcmp(a, "--db") && v) {
			db = v; /* history: FILE may name a saved run */
			i++;
		} else if (a[0] == '-' && a[1]) {
			hp_err("report: unknown option '%s' (see hotpath report --help)", a);
			return 2;
		} else if (!file) {
			file = a;
		} else {
			hp_err("report: one report file at a time ('%s' is extra)", a);
			return 2;
		}
	}
	if (!file) {
		hp_err("report: no report file given (usage: hotpath report [OPTIONS] FILE)");
		return 2;
	}
	struct hp_proc p;
	int rc;
	if (strcmp(file, "-") && access(file, F_OK) < 0) {
		/* Not a file: a run saved with --save (tools/history.c). */
		if (hp_history_load(db, file, &p) < 0)
			return 1;
		goto loaded;
	}
	size_t len = 0;
	char *text = read_all(file, &len);
	if (!text) {
		hp_err("%s: %s", file, strerror(errno));
		return 1;
	}
	rc = hp_report_from_json(text, len, &p, err, sizeof(err));
	free(text);
	if (rc < 0) {
		hp_err("%s: %s", file, err);
		return 1;
	}
loaded:
	if (!have_pcts) {
		o.npcts = p.npcts_saved;
		memcpy(o.pcts, p.pcts_saved, sizeof(o.pcts));
	}
	hp_proc_finish(&p, o.limit);
	if (o.format == HP_FMT_PPROF && !output && isatty(STDOUT_FILENO)) {
		hp_err("--format pprof writes binary data: give --output FILE.pb.gz or redirect stdout");
		hp_proc_free(&p);
		return 2;
	}
	FILE *out = output ? fopen(output, "w") : stdout;
	if (!out) {
		hp_err("%s: %s", output, strerror(errno));
		hp_proc_free(&p);
		return 1;
	}
	rc = hp_report_render(out, &p, &o);
	hp_proc_free(&p);
	if ((out != stdout ? fclose(out) : fflush(out)) == EOF || rc < 0) {
		hp_err("%s: cannot write the report", output ? output : "stdout");
		return 1;
	}
	return 0;
}
