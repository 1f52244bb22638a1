/* console.c - `hotpath console [PID]`: the live dashboard (tui/). Parses the options, reads
 * the percentiles from the settings (hotpath.conf < HOTPATH_* < -p) and runs the dashboard.
 * Also `hotpath run --console`: the program's output goes to a log file and the dashboard
 * watches it in the same terminal (hp_console_child_stdio, hp_console_watch_child). */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "tui/console.h"
#include "hotpath.h"
#include "settings.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hotpath console [OPTIONS] [PID]\n"
		"Live dashboard of a profiled process: attach to PID, or pick one from the list of\n"
		"profiled processes (a process that starts while the list is shown is followed).\n\n"
		"Options:\n"
		"  -i, --interval SECS    refresh interval, 0.1 to 60 (default 1)\n"
		"  -p, --percentiles LIST percentiles to show (default: the settings', 95)\n"
		"      --no-color         no colours (also when NO_COLOR is set)\n"
		"      --no-follow        do not attach to processes that start while listing\n"
		"      --log FILE         name the file the program's output goes to (hotpath run --console)\n"
		"  -h, --help             show this help\n\n"
		"Keys: 1-5 tabs, j/k move, s sort, r reverse, / filter, i inspect, p pause, ? help, q quit.\n"
		"A process is profiled when started by 'hotpath run' or with LD_PRELOAD=libhotpath.so.\n");
}

int hp_cmd_console(int argc, char **argv)
{
	static struct hp_console c;
	struct hp_settings s;
	char err[512];
	memset(&c, 0, sizeof(c));
	c.interval_s = 1;
	c.color = 1;
	c.follow = 1;
	if (hp_settings_load(&s, hp_settings_find_config(argc - 1, argv + 1), err, sizeof(err)) <
	    0) {
		hp_err("%s", err);
		return 2;
	}
	memcpy(c.pcts, s.pcts, sizeof(c.pcts));
	c.npcts = s.npcts;
	hp_settings_free(&s);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--interval")) {
			char *end;
			double x = v ? strtod(v, &end) : 0;
			if (!v || *end || !(x >= 0.1 && x <= 60)) {
				hp_err("--interval: expected seconds between 0.1 and 60, got '%s'",
				       v ? v : "");
				return 2;
			}
			c.interval_s = x;
			i++;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--percentiles")) {
			if (!v || hp_parse_percentiles(v, c.pcts, HP_MAX_PCTS, &c.npcts, err,
						       sizeof(err)) < 0) {
				hp_err("--percentiles: %s", v ? err : "expected a value");
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--no-color") || !strcmp(a, "--no-colour")) {
			c.color = 0;
		} else if (!strcmp(a, "--no-follow")) {
			c.follow = 0;
		} else if (!strcmp(a, "--log")) {
			if (!v) {
				hp_err("--log: expected a file name");
				return 2;
			}
			c.log_path = v;
			i++;
		} else if (!strcmp(a, "--config")) {
			i++; /* read by hp_settings_find_config */
		} else if (a[0] == '-' || c.want_pid) {
			hp_err("console: unexpected argument '%s' (see hotpath console --help)", a);
			return 2;
		} else {
			char *end;
			long pid = strtol(a, &end, 10);
			if (*end || pid <= 0 || pid > 0x7fffffff) {
				hp_err("console: '%s' is not a process id", a);
				return 2;
			}
			c.want_pid = (int)pid;
		}
	}
	int rc = hp_console_run(&c);
	return rc < 0 ? 1 : rc;
}

/* The log of `hotpath run --console`: a fresh file that only we created (mkstemp: O_EXCL, mode
 * 0600, a random name), made before the fork; the child writes to the descriptor, the console
 * reads the name. A predictable name would let another user plant the file first. */
static char run_log[PATH_MAX];
static int run_log_fd = -1;

int hp_console_log_create(void)
{
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(run_log, sizeof(run_log), "%s/hotpath-run-XXXXXX.log",
			 tmp && *tmp ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(run_log)) {
		hp_err("--console: TMPDIR is too long for the log file's name");
		return -1;
	}
	run_log_fd = mkostemps(run_log, 4, O_CLOEXEC);
	if (run_log_fd < 0) {
		hp_err("--console: cannot create the log file %s: %s", run_log, strerror(errno));
		return -1;
	}
	return 0;
}

int hp_console_child_stdio(void)
{
	int in = open("/dev/null", O_RDONLY);
	if (run_log_fd < 0 || in < 0 || dup2(in, 0) < 0 || dup2(run_log_fd, 1) < 0 ||
	    dup2(run_log_fd, 2) < 0)
		return -1;
	if (run_log_fd > 2)
		close(run_log_fd);
	if (in > 2)
		close(in);
	return 0;
}

void hp_console_watch_child(int child, const struct hp_settings *s)
{
	/* The launcher blocks the signals it forwards (sigtimedwait); the console handles the
	 * terminal's own while it runs. */
	static const int console_sigs[] = {SIGINT,   SIGTERM, SIGHUP, SIGQUIT,
					   SIGWINCH, SIGTSTP, SIGCONT};
	sigset_t blocked, mine;
	sigemptyset(&mine);
	for (size_t i = 0; i < sizeof(console_sigs) / sizeof(console_sigs[0]); i++)
		sigaddset(&mine, console_sigs[i]);
	static struct hp_console c;
	const char *path = run_log;
	if (run_log_fd >= 0) /* the child has it */
		close(run_log_fd);
	run_log_fd = -1;
	memset(&c, 0, sizeof(c));
	c.interval_s = 1;
	c.color = 1;
	c.want_pid = child;
	c.log_path = path;
	memcpy(c.pcts, s->pcts, sizeof(c.pcts));
	c.npcts = s->npcts;
	sigprocmask(SIG_UNBLOCK, &mine, &blocked);
	int rc = hp_console_run(&c);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	sigprocmask(SIG_SETMASK, &blocked, NULL);
	/* Leaving the console stops the program (q: SIGTERM; Ctrl-C reached it already); without
	 * a terminal there was no console to leave: the program runs on, as the warning says. */
	siginfo_t si = {0};
	if (rc >= 0 && waitid(P_PID, (id_t)child, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	    !si.si_pid && rc != 128 + SIGINT)
		kill(child, SIGTERM);
	if (rc < 0)
		hp_warn("--console: no terminal for the dashboard; the program runs on");
	hp_warn("the program's output is in %s", path);
}
