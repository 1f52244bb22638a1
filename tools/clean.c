/* clean.c - `hotpath clean`: remove the regions in /dev/shm whose writer is gone.
 *
 * `hotpath run` removes its regions after the report, but a launcher that was killed
 * (SIGKILL), or a program started with LD_PRELOAD=libhotpath.so directly, leaves them behind
 * for `hotpath console` to show. Regions of live processes are never touched, nor those of a
 * `hotpath run` that is still alive (it is about to read them: the session id carries its pid);
 * files that are not regions are reported and left alone, except half-made ones: a region whose
 * writer died in the library's constructor has no magic yet, and is removed when the pid in its
 * name is gone. Markers of processes that ran unprofiled (docs/run.md) go with their launcher. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hotpath.h"
#include "tools/region/region_read.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hotpath clean [--dry-run] [PID...]\n"
		"Remove the regions in %s of processes that have ended (left by a killed\n"
		"'hotpath run' or by programs started with LD_PRELOAD directly); with PIDs, only\n"
		"theirs.\n\n"
		"Options:\n"
		"  -n, --dry-run   only list what would be removed\n"
		"  -h, --help      show this help\n",
		HP_REGION_DIR);
}

/* The pid in a region's name, hotpath-<pid>-<ns>; 0 when there is none. */
static int pid_in_name(const char *path)
{
	const char *b = strrchr(path, '/');
	int pid = 0;
	if (sscanf(b ? b + 1 : path, HP_REGION_PREFIX "%d-", &pid) != 1)
		return 0;
	return pid;
}

static int wanted_pid(int pid, const int *pids, int npids)
{
	int wanted = !npids;
	for (int k = 0; k < npids; k++)
		wanted |= pids[k] == pid;
	return wanted;
}

static int pid_alive(int pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* A region whose writer died in the library's constructor before it wrote the magic (the
 * last step of creation): shorter than the magic, or the magic still zero. */
static int half_made(const char *path)
{
	uint64_t magic = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return 0;
	struct stat st;
	ssize_t got = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? pread(fd, &magic, 8, 0) : -1;
	close(fd);
	return got >= 0 && (got < 8 || magic == 0);
}

/* Remove (or with dry, name) one file, saying why; returns 1 when it was (or would be). */
static int remove_one(const char *path, int dry, int pid, const char *what, int *failed)
{
	if (!dry && unlink(path) < 0) {
		hp_warn("%s: %s", path, strerror(errno));
		(*failed)++;
		return 0;
	}
	printf("%s %s (%s%d has ended)\n", dry ? "would remove" : "removed", path, what, pid);
	return 1;
}

/* Markers of processes that ran unprofiled (docs/run.md),
 * hotpath-unprofiled-<session>-<pid>-<errno>: `hotpath run` removes its own; those of a
 * launcher that is gone are removed here. */
static int clean_markers(int dry, const int *pids, int npids, int *failed)
{
	const char *prefix = HP_REGION_PREFIX "unprofiled-";
	DIR *d = opendir(HP_REGION_DIR);
	struct dirent *de;
	int removed = 0;
	while (d && (de = readdir(d))) {
		unsigned long long session;
		int pid, err;
		if (strncmp(de->d_name, prefix, strlen(prefix)) ||
		    sscanf(de->d_name + strlen(prefix), "%llu-%d-%d", &session, &pid, &err) != 3 ||
		    !wanted_pid(pid, pids, npids) || pid_alive((int)(session & 0x7fffffff)))
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", HP_REGION_DIR, de->d_name);
		removed += remove_one(path, dry, (int)(session & 0x7fffffff),
				      "marker of an unprofiled process, its launcher pid ", failed);
	}
	if (d)
		closedir(d);
	return removed;
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
			hp_err("clean: '%s' is not an option or a PID (see hotpath clean --help)",
			       argv[i]);
			return 2;
		}
	}
	char **paths;
	int n = hp_region_list_any(0, &paths); /* every name: what is not removed is reported */
	if (n < 0) {
		hp_err("%s: %s", HP_REGION_DIR, strerror(-n));
		return 1;
	}
	int removed = 0, kept = 0, failed = 0;
	for (int i = 0; i < n; i++) {
		struct hp_rregion r;
		char err[512];
		int name_pid = pid_in_name(paths[i]);
		if (!wanted_pid(name_pid, pids, npids))
			continue;
		if (hp_rregion_open(paths[i], &r, err, sizeof(err)) < 0) {
			if (half_made(paths[i]) && !pid_alive(name_pid)) {
				removed += remove_one(paths[i], dry, name_pid, "half-made, pid ",
						      &failed);
				continue;
			}
			hp_warn("%s (left alone)", err);
			kept++;
			continue;
		}
		int pid = r.h->pid, wanted = wanted_pid(pid, pids, npids);
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
		removed += remove_one(paths[i], dry, pid, "pid ", &failed);
	}
	hp_paths_free(paths, n);
	removed += clean_markers(dry, pids, npids, &failed);
	printf("%d %sremoved, %d kept\n", removed, dry ? "to be " : "", kept);
	return failed ? 1 : 0;
}
