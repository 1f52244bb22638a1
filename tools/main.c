/* main.c - `hotpath`: dispatch to a subcommand, --help, --version. */
#include <stdio.h>
#include <string.h>

#include "hotpath.h"

struct cmd {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
};

static const struct cmd cmds[] = {
	{"run", hp_cmd_run, "run a program under the profiler and print its report"},
	{"report", hp_cmd_report, "re-render a saved JSON report (any format, percentiles, limit)"},
	{"console", hp_cmd_console,
	 "live dashboard of a profiled process (PID, or pick from a list)"},
	{"history", hp_cmd_history, "list the runs saved with 'hotpath run --save'"},
	{"list-functions", hp_cmd_list_functions,
	 "what --functions would patch in a program, and why not"},
	{"compare", hp_cmd_compare, "compare two runs (or sets of runs) per function, for CI"},
	{"serve", hp_cmd_serve,
	 "serve /metrics (Prometheus) and pprof profiles of profiled processes"},
	{"clean", hp_cmd_clean, "remove the regions of processes that have ended from /dev/shm"},
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hotpath COMMAND [OPTIONS] [ARGS...]\n"
		"A profiler for native Linux programs: where wall-clock time goes, per function.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-15s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
		"\nOptions:\n  -h, --help     show this help (COMMAND --help for a command's)\n"
		"  -V, --version  show the version\n\n"
		"Example:\n  cc -O2 -g -finstrument-functions -o app app.c\n  hotpath run ./app arg1\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("hotpath %s\n", HP_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	hp_err("unknown command '%s' (see hotpath --help)", argv[1]);
	return 2;
}
