/* clean.c - `hotpath clean`: remove the regions in /dev/shm whose writer is gone.
 *
 * `hotpath run` removes its regions after the report, but a launcher that was killed
 * (SIGKILL), or a program started with LD_PRELOAD=libhotpath.so directly, leaves them behind
 * for `hotpath console` to show. Regions of live processes are never touched, nor those of a
 * `hotpath run` that is still alive (it is about to read them: the session id carries its pid);
 * files that are not regions are reported and left alone. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotpath.h"
#include "tools/region/region_read.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: hotpath clean [--dry-run] [PID...]\n"
		   "Remove the regions in %s of processes that have ended (left by a killed\n"
		   "'hotpath run' or by programs started with LD_PRELOAD directly); with PIDs, only\n"
		   "theirs.\n\n"
		   "Options:\n"
		   "  -n, --dry-run   only list what would be removed\n"
		   "  -h, --help      show this help\n",
		   HP_REGION_DIR);
}

/* Does the region file name (hotpath-<pid>-<id>) carry one of pids? */
static int name_has_pid(const char *path, const int *pids, int npids)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	if (strncmp(b, "hotpath-", 8))
		return 0;
	long v = strtol(b + 8, NULL, 10);
	for (int k = 0; k < npids; k++)
		if (pids[k] == v)
			return 1;
	return 0;
}

int hp_cmd_clean(int argc, char **argv)
{
	int dry = 0, npids = 0;
	int pids[256];
	for (int i = 1; i < argc; i++) {
		char *end;
		long v = strtol(argv[i], &end, 10);
		if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--dry-run")) {
			dry = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (*argv[i] && !*end && v > 0 && v <= 0x7fffffff && npids < 256) {
			pids[npids++] = (int)v;
		} else {
			hp_err("clean: '%s' is not an option or a PID (see hotpath clean --help)", argv[i]);
			return 2;
		}
	}
	char **paths;
	int n = hp_region_list(0, 0, &paths);
	if (n < 0) {
		hp_err("%s: %s", HP_REGION_DIR, strerror(-n));
		return 1;
	}
	int removed = 0, kept = 0, failed = 0;
	for (int i = 0; i < n; i++) {
		struct hp_rregion r;
		char err[512];
		/* Named PIDs: only their files count, even those that cannot be read. */
		if (npids && !name_has_pid(paths[i], pids, npids))
			continue;
		if (hp_rregion_open(paths[i], &r, err, sizeof(err)) < 0) {
			hp_warn("%s (left alone)", err);
			kept++;
			continue;
		}
		int pid = r.h->pid, wanted = !npids;
		for (int k = 0; k < npids; k++)
			wanted |= pids[k] == pid;
		/* The launcher of its session (low 32 bits) still alive: it will read and remove. */
		int launcher = (int)(r.h->session & 0x7fffffff);
		int alive = hp_region_writer_alive(r.h) || (launcher && kill(launcher, 0) == 0);
		hp_rregion_close(&r);
		if (!wanted)
			continue;
		if (alive) {
			kept++;
			continue;
		}
		if (!dry && unlink(paths[i]) < 0) {
			hp_warn("%s: %s", paths[i], strerror(errno));
			failed++;
			continue;
		}
		printf("%s %s (pid %d has ended)\n", dry ? "would remove" : "removed", paths[i], pid);
		removed++;
	}
	hp_paths_free(paths, n);
	printf("%d %sremoved, %d kept\n", removed, dry ? "to be " : "", kept);
	return failed ? 1 : 0;
}
