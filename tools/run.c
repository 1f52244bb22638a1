/* run.c - `hotpath run`: check the program, start it under libhotpath.so, forward signals,
 * stop it on --timeout, then gather the regions of it and its descendants, print the report,
 * and leave with the program's own exit status (or die of its signal). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hotpath.h"
#include "tools/region/region_guard.h"
#include "tools/region/region_model.h"
#include "tools/report/report_flow.h"
#include "tools/report/report_patch.h"
#include "serve.h"
#include "settings.h"
#include "budget.h"
#include "symbolize/symbolize.h"
#include "preload/arch/arch.h" /* the architecture hotpath runs */

extern char **environ;

int hp_resolve_program(const char *prog, char *out, unsigned long outlen)
{
	struct stat st;
	if (strchr(prog, '/')) {
		snprintf(out, outlen, "%s", prog);
	} else {
		const char *path = getenv("PATH");
		char cand[PATH_MAX];
		int found = 0, noexec = 0;
		for (const char *p = path ? path : "/usr/local/bin:/usr/bin:/bin"; !found;) {
			const char *c = strchr(p, ':');
			size_t n = c ? (size_t)(c - p) : strlen(p);
			snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, n ? p : ".", prog);
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
				if (access(cand, X_OK) == 0) {
					snprintf(out, outlen, "%s", cand);
					found = 1;
				} else if (!noexec) {
					noexec = 1;
					snprintf(out, outlen, "%s", cand);
				}
			}
			if (!c)
				break;
			p = c + 1;
		}
		if (!found && !noexec) {
			hp_err("%s: program not found (searched PATH)", prog);
			return -1;
		}
	}
	if (stat(out, &st) < 0) {
		hp_err("%s: program not found", out);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		hp_err("%s: is a directory, not a program", out);
		return -1;
	}
	if (access(out, X_OK) < 0) {
		hp_err("%s: not executable (%s)", out, strerror(errno));
		return -1;
	}
	return 0;
}

/* Programs that start others: their children may carry hooks even when they do not. */
static int is_launcher(const char *path)
{
	static const char *const names[] = {"sh",      "bash",	"dash", "zsh",	 "ksh",
					    "busybox", "env",	"nice", "nohup", "stdbuf",
					    "timeout", "xargs", "make", "time",	 "setsid",
					    "taskset", NULL};
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	for (int i = 0; names[i]; i++)
		if (!strcmp(b, names[i]))
			return 1;
	return 0;
}

/* The program has no function hooks but channels or locks are recorded: say so in the report. */
static int no_hooks_note;
/* ASan's runtime exits 1 unless it comes first in the initial library list, and with it first
 * our hooks are not safe beside it (a crash with the CPU sampler): such a program runs
 * without libhotpath.so, and explain_no_profile says why. */
static char sanitizer_rt[64];

static int check_program(const char *path, const struct hp_settings *s)
{
	struct hp_elf_facts f;
	char why[256];
	int rc = hp_elf_inspect(path, &f, why, sizeof(why));
	if (rc < 0) {
		hp_err("%s: cannot read: %s", path, why);
		return -1;
	}
	if (!f.is_elf)
		return 0; /* a script: its interpreter is what runs */
	memcpy(sanitizer_rt, f.sanitizer_rt, sizeof(sanitizer_rt));
	if (f.machine != HP_ARCH_ELF_MACHINE) {
		hp_err("%s: built for another architecture (ELF machine %d); hotpath runs " HP_ARCH_NAME
		       " programs",
		       path, f.machine);
		return -1;
	}
	if (!f.is_dynamic) {
		hp_err("%s: statically linked: LD_PRELOAD cannot work; link it dynamically (the default of cc)",
		       path);
		return -1;
	}
	if (!f.has_cyg_hooks && !s->alloc && !is_launcher(path) && !s->functions &&
	    (s->channels || s->locks)) {
		no_hooks_note = 1; /* data flow and locks are still worth a report */
		return 0;
	}
	if (!f.has_cyg_hooks && !s->alloc && !is_launcher(path) && !s->functions) {
		hp_err("%s: built without -finstrument-functions, so nothing can be timed; name "
		       "functions to patch, e.g. --functions 'main,my_*' or --functions "
		       "'libz.so*:deflate*' (preview: hotpath list-functions %s), rebuild with "
		       "'cc -O2 -g -finstrument-functions ...', or add --alloc",
		       path, path);
		return -1;
	}
	return 0;
}

/* The library: HOTPATH_LIB, else next to this executable (build tree), else ../lib/hotpath. */
static int find_library(char *out, size_t outlen)
{
	const char *env = getenv("HOTPATH_LIB");
	if (env && *env) {
		if (access(env, R_OK) < 0) {
			hp_err("HOTPATH_LIB=%s: %s", env, strerror(errno));
			return -1;
		}
		if (!realpath(env, out))
			snprintf(out, outlen, "%s", env);
		return 0;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		char *dir = dirname(self);
		snprintf(out, outlen, "%s/libhotpath.so", dir);
		if (access(out, R_OK) == 0)
			return 0;
		snprintf(out, outlen, "%s/../lib/hotpath/libhotpath.so", dir);
		char real[PATH_MAX];
		if (access(out, R_OK) == 0 && realpath(out, real)) {
			snprintf(out, outlen, "%s", real);
			return 0;
		}
	}
	hp_err("cannot find libhotpath.so next to hotpath or in ../lib/hotpath (set HOTPATH_LIB)");
	return -1;
}

static int check_shm(const struct hp_settings *s)
{
	struct statvfs sv;
	if (access(HP_REGION_DIR, W_OK) < 0) {
		hp_err("cannot create regions in %s: %s", HP_REGION_DIR, strerror(errno));
		return -1;
	}
	(void)s;
	/* region_size is a ceiling: a region's pages are reserved as its tables fill, and one
	 * larger than the free space is made smaller (docs/region.md). Only less than the
	 * smallest region cannot work. */
	if (statvfs(HP_REGION_DIR, &sv) == 0 && (uint64_t)sv.f_bavail * sv.f_frsize < (4u << 20)) {
		hp_err("cannot create regions in %s: only %llu KiB free, a region needs 4 MiB",
		       HP_REGION_DIR,
		       (unsigned long long)((uint64_t)sv.f_bavail * sv.f_frsize >> 10));
		return -1;
	}
	return 0;
}

/* Child environment: ours, with LD_PRELOAD first naming the library and the settings the
 * library reads. */
static char **child_env(const char *lib, const struct hp_settings *s, uint64_t session)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 24, sizeof(char *));
	size_t o = 0;
	const char *old_preload = getenv("LD_PRELOAD");
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(environ[i], "LD_PRELOAD=", 11) ||
		    !strncmp(environ[i], "HOTPATH_SESSION=", 16) ||
		    !strncmp(environ[i], "HOTPATH_REGION_SIZE=", 20) ||
		    !strncmp(environ[i], "HOTPATH_ALLOC=", 14) ||
		    !strncmp(environ[i], "HOTPATH_ALLOC_SELF=", 19) ||
		    !strncmp(environ[i], "HOTPATH_ALLOC_STACKS=", 21) ||
		    !strncmp(environ[i], "HOTPATH_EXEC_GEN=", 17) ||
		    !strncmp(environ[i], "HOTPATH_FUNCTIONS=", 18) ||
		    !strncmp(environ[i], "HOTPATH_FUNCTIONS_MAX=", 22) ||
		    !strncmp(environ[i], "HOTPATH_CHANNELS=", 17) ||
		    !strncmp(environ[i], "HOTPATH_LOCKS=", 14) ||
		    !strncmp(environ[i], "HOTPATH_LOCK_HOLD=", 18) ||
		    !strncmp(environ[i], "HOTPATH_SAMPLE=", 15) ||
		    !strncmp(environ[i], "HOTPATH_SAMPLE_HZ=", 18) ||
		    !strncmp(environ[i], "HOTPATH_TREE_NODES=", 19))
			continue;
		env[o++] = environ[i];
	}
	char *v;
	if (*sanitizer_rt) /* unprofiled: see explain_no_profile */
		asprintf(&v, "LD_PRELOAD=%s", old_preload ? old_preload : "");
	else if (old_preload && *old_preload)
		asprintf(&v, "LD_PRELOAD=%s:%s", lib, old_preload);
	else
		asprintf(&v, "LD_PRELOAD=%s", lib);
	env[o++] = v;
	asprintf(&env[o++], "HOTPATH_SESSION=%llu", (unsigned long long)session);
	asprintf(&env[o++], "HOTPATH_REGION_SIZE=%llu", (unsigned long long)s->region_mib);
	asprintf(&env[o++], "HOTPATH_ALLOC=%s", s->alloc ? "true" : "false");
	asprintf(&env[o++], "HOTPATH_ALLOC_SELF=%s", s->alloc_self ? "true" : "false");
	asprintf(&env[o++], "HOTPATH_ALLOC_STACKS=%s", s->alloc_stacks ? "true" : "false");
	asprintf(&env[o++], "HOTPATH_CHANNELS=%s",
		 s->channels ? "true" : "false"); /* dataflow.md */
	asprintf(&env[o++], "HOTPATH_LOCKS=%s", s->locks ? "true" : "false");
	asprintf(&env[o++], "HOTPATH_LOCK_HOLD=%d", s->lock_hold); /* 0 off, 1 all, one in N */
	asprintf(&env[o++], "HOTPATH_SAMPLE=%s", s->sample ? "true" : "false"); /* docs/cpu.md */
	asprintf(&env[o++], "HOTPATH_SAMPLE_HZ=%llu", (unsigned long long)s->sample_hz);
	asprintf(&env[o++], "HOTPATH_TREE_NODES=%llu", (unsigned long long)s->tree_nodes);
	if (s->functions) { /* patching (docs/patching.md) */
		asprintf(&env[o++], "HOTPATH_FUNCTIONS=%s", s->functions);
		asprintf(&env[o++], "HOTPATH_FUNCTIONS_MAX=%llu",
			 (unsigned long long)s->functions_max);
	}
	env[o] = NULL;
	return env;
}

/* Free what child_env allocated: the strings after the inherited ones, and the array. */
static void free_child_env(char **env)
{
	size_t i = 0;
	while (env[i] && strncmp(env[i], "LD_PRELOAD=", 11))
		i++;
	for (; env[i]; i++)
		free(env[i]);
	free(env);
}

static const int forwarded[] = {SIGINT,	 SIGQUIT,  SIGTERM, SIGHUP,  SIGUSR1,
				SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP, 0};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The program runs in a process group of its own (pgid = its pid), so that --timeout and the
 * signals we forward reach everything it started (GNU timeout does the same). When hotpath is in
 * the foreground of a terminal, that group becomes the terminal's foreground: the program reads
 * the terminal, and ^C / ^Z reach it (and not us) as without hotpath. docs/run.md. */
struct hp_job {
	pid_t pgid; /* the program's group, its pid */
	int tty;    /* /dev/tty when we handed its foreground to the program, else -1 */
};

/* /dev/tty when hotpath is the terminal's foreground process group, else -1. */
static int foreground_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0 && tcgetpgrp(fd) != getpgrp()) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Make `pgid` the terminal's foreground group. A background caller would get SIGTTOU. */
static void tty_give(int tty, pid_t pgid)
{
	sigset_t ttou, old;
	if (tty < 0)
		return;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(tty, pgid);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* In the child before exec (and in the parent, whichever runs first): the group, the terminal. */
static void job_enter(struct hp_job *j, pid_t pid)
{
	setpgid(pid, pid);
	tty_give(j->tty, pid);
}

/* The program stopped (^Z reached its group): stop ourselves so that the shell sees the job
 * stopped; when continued, hand the terminal back if we are in the foreground again. */
static void job_stopped(struct hp_job *j)
{
	tty_give(j->tty, getpgrp());
	kill(getpid(), SIGSTOP);
	if (tcgetpgrp(j->tty) == getpgrp())
		tty_give(j->tty, j->pgid);
	kill(-j->pgid, SIGCONT);
}

/* The program has ended: the terminal is ours again. */
static void job_leave(struct hp_job *j)
{
	tty_give(j->tty, getpgrp());
	if (j->tty >= 0)
		close(j->tty);
	j->tty = -1;
}

/* After a --timeout the program itself has ended: what else of its group got SIGTERM has until
 * `kill_at` to go, then gets SIGKILL. */
static void timeout_sweep(pid_t pgid, int64_t kill_at)
{
	while (kill(-pgid, 0) == 0 && now_ms() < kill_at) {
		struct timespec ts = {0, 20 * 1000000};
		nanosleep(&ts, NULL);
	}
	kill(-pgid, SIGKILL);
}

/* Wait for the child, forwarding signals to its group and enforcing the timeout. Returns its
 * wait status; *timed_out tells whether we stopped it. */
static int supervise(struct hp_job *j, const sigset_t *set, uint64_t timeout_ms, int *timed_out)
{
	int64_t deadline = timeout_ms ? now_ms() + (int64_t)timeout_ms : 0, kill_at = 0;
	pid_t child = j->pgid;
	*timed_out = 0;
	for (;;) {
		int status;
		pid_t w = waitpid(child, &status, WNOHANG | (j->tty >= 0 ? WUNTRACED : 0));
		if (w == child && WIFSTOPPED(status)) {
			job_stopped(j);
			continue;
		}
		if (w == child) {
			job_leave(j);
			if (kill_at)
				timeout_sweep(child, kill_at);
			return status;
		}
		if (w < 0 && errno != EINTR)
			return 0;
		int64_t wait_ms = 1000;
		int64_t now = now_ms();
		if (deadline && !*timed_out) {
			if (now >= deadline) {
				*timed_out = 1;
				kill(-child, SIGTERM);
				kill_at = now + 2000;
				continue;
			}
			wait_ms = deadline - now;
		}
		if (kill_at) {
			if (now >= kill_at) {
				kill(-child, SIGKILL);
				kill_at = 0;
			} else {
				wait_ms = kill_at - now < wait_ms ? kill_at - now : wait_ms;
			}
		}
		struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000};
		siginfo_t si;
		int sig = sigtimedwait(set, &si, &ts);
		if (sig <= 0 || sig == SIGCHLD)
			continue;
		/* The terminal's own signals go to the program's group directly when it is the
		 * foreground; what reaches us was sent to us (or to our group): pass it on. */
		kill(-child, sig);
	}
}

static void mark_from_wait(struct hp_proc *p, int status, int timed_out)
{
	if (WIFEXITED(status)) { /* the truth, even when the library saw no exit (error()) */
		p->state = HP_PS_EXITED;
		p->exit_status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		p->state = HP_PS_SIGNALED;
		p->term_signal = WTERMSIG(status);
	}
	if (timed_out)
		hp_proc_add_note(p, "stopped by hotpath after the --timeout");
}

/* One region into the model, under hp_region_guarded: the caller closes j->r. */
struct read_job {
	const char *path;
	struct hp_symbolizer *sym;
	struct hp_proc *out;
	struct hp_rregion r;
};

static int read_region(void *arg)
{
	struct read_job *j = arg;
	char err[512];
	if (hp_rregion_open(j->path, &j->r, err, sizeof(err)) < 0) {
		hp_warn("%s", err);
		return -1;
	}
	int rc = hp_proc_from_region(&j->r, j->sym, 1, j->out);
	if (rc == 0 && j->out->flags & HP_FLAG_SHM_FULL)
		hp_proc_add_note(j->out,
				 "%s filled up while it ran: tables ended early, %llu rows "
				 "dropped (docs/run.md)",
				 HP_REGION_DIR, (unsigned long long)j->out->dropped);
	return rc < 0 ? -1 : 0;
}

/* When the program was started (CLOCK_MONOTONIC ns, the clock in region names). */
static int64_t launch_ns;

/* hotpath-<pid>-<ns>: the pid and creation time a region's name carries; -1 when none. */
static int region_name(const char *path, int *pid, long long *ns)
{
	const char *b = strrchr(path, '/');
	return sscanf(b ? b + 1 : path, HP_REGION_PREFIX "%d-%lld", pid, ns) == 2 ? 0 : -1;
}

static int by_name_start_desc(const void *a, const void *b)
{
	int pa, pb;
	long long na = 0, nb = 0;
	region_name(*(char *const *)a, &pa, &na);
	region_name(*(char *const *)b, &pb, &nb);
	return na < nb ? 1 : na > nb ? -1 : 0;
}

/* A region without a session (its writer found the library loaded but HOTPATH_SESSION gone,
 * e.g. a raw execve with an environment of its own): its pid and parent pid, else -1. */
static int sessionless(const char *path, int *pid, int *ppid)
{
	struct hp_region_header h;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -1;
	ssize_t got = pread(fd, &h, sizeof(h), 0); /* read(2): a hole reads as zeros, no SIGBUS */
	close(fd);
	if (got != (ssize_t)sizeof(h) || h.magic != HP_REGION_MAGIC || h.session != 0)
		return -1;
	*pid = h.pid;
	*ppid = h.ppid;
	return 0;
}

static int pid_in(const int *set, int n, int pid)
{
	for (int i = 0; i < n; i++)
		if (set[i] == pid)
			return 1;
	return 0;
}

/* Add to the session's regions (n paths, newest first) those without a session that belong to
 * this run: made after the launch by the launched pid or by a process whose parent is one of
 * the run's, to a fixpoint (their children lost the session too). Returns the new count. */
static int adopt_sessionless(char ***paths, int n, pid_t child)
{
	char **all;
	int na = hp_region_list(0, 0, &all);
	if (na <= 0)
		return n;
	int *pids = calloc((size_t)(n + na + 1), sizeof(int)), np = 0;
	char **out = realloc(*paths, (size_t)(n + na + 1) * sizeof(char *));
	if (!pids || !out) {
		free(pids);
		*paths = out ? out : *paths;
		hp_paths_free(all, na);
		return n;
	}
	*paths = out;
	pids[np++] = child;
	for (int i = 0; i < n; i++) {
		long long ns;
		if (region_name(out[i], &pids[np], &ns) == 0)
			np++;
	}
	for (int changed = 1; changed;) {
		changed = 0;
		for (int j = 0; j < na; j++) {
			int pid, ppid;
			long long ns;
			if (!all[j] || region_name(all[j], &pid, &ns) < 0 || ns < launch_ns ||
			    sessionless(all[j], &pid, &ppid) < 0 ||
			    !(pid_in(pids, np, pid) || pid_in(pids, np, ppid)))
				continue;
			pids[np++] = pid;
			out[n++] = all[j];
			all[j] = NULL;
			changed = 1;
		}
	}
	qsort(out, (size_t)n, sizeof(char *), by_name_start_desc);
	free(pids);
	hp_paths_free(all, na);
	return n;
}

/* Read every region of the session into the model: the launched pid's last image is the top
 * process, all others are its children (flat, by start). */
static int gather(uint64_t session, pid_t child, int status, int timed_out,
		  const struct hp_settings *s, struct hp_proc *top, char ***paths_out, int *npaths)
{
	char **paths;
	int n = hp_region_list(session, 0, &paths);
	*paths_out = NULL;
	*npaths = 0;
	memset(top, 0, sizeof(*top));
	if (n >= 0)
		n = adopt_sessionless(&paths, n, child);
	if (n <= 0)
		return -1;
	struct hp_symbolizer *sym = hp_symbolizer_new();
	struct hp_proc *procs = calloc((size_t)n, sizeof(*procs));
	int np = 0, top_i = -1;
	/* paths are newest first; take them oldest first so children come in start order. */
	for (int i = n - 1; i >= 0; i--) {
		struct read_job j = {.path = paths[i], .sym = sym, .out = &procs[np]};
		int rc = hp_region_guarded(read_region, &j);
		if (j.r.base)
			hp_rregion_close(&j.r);
		if (rc == -EFAULT) {
			hp_warn("%s: cannot be read (SIGBUS: truncated, or a hole in a full %s); "
				"skipped",
				paths[i], HP_REGION_DIR);
			memset(&procs[np], 0, sizeof(procs[np])); /* what it held is leaked */
			continue;
		}
		if (rc == 0) {
			if (procs[np].pid == child)
				top_i = np; /* the last image of the launched pid wins */
			np++;
		}
	}
	hp_symbolizer_free(sym);
	if (top_i < 0) {
		for (int i = 0; i < np; i++)
			hp_proc_free(&procs[i]);
		free(procs);
		*paths_out = paths;
		*npaths = n;
		return -1;
	}
	*top = procs[top_i];
	mark_from_wait(top, status, timed_out);
	top->children = calloc((size_t)np, sizeof(*top->children));
	for (int i = 0; i < np; i++)
		if (i != top_i)
			top->children[top->nchildren++] = procs[i];
	free(procs);
	/* --save and --check-budgets keep all: hp_history_save, then run_report cut */
	hp_proc_finish(top, s->save || s->check_budgets ? 0 : (int)s->limit);
	hp_patch_check_patterns(top, s->functions); /* patterns that selected nothing */
	*paths_out = paths;
	*npaths = n;
	return 0;
}

/* Processes of the session that ran unprofiled: the library could not make their region and
 * left an empty marker (preload/region.c, hp_region_unprofiled). Read and remove them; returns
 * how many there were, the first `max` in u. */
struct hp_unprofiled {
	int pid, err;
};

static int take_unprofiled(uint64_t session, struct hp_unprofiled *u, int max)
{
	char prefix[64];
	int n = snprintf(prefix, sizeof(prefix), "%sunprofiled-%llu-", HP_REGION_PREFIX,
			 (unsigned long long)session),
	    count = 0;
	DIR *d = opendir(HP_REGION_DIR);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		int pid, err;
		if (strncmp(de->d_name, prefix, (size_t)n) ||
		    sscanf(de->d_name + n, "%d-%d", &pid, &err) != 2)
			continue;
		if (count < max)
			u[count] = (struct hp_unprofiled){pid, err};
		count++;
		unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d)
		closedir(d);
	return count;
}

/* The loader runs a set-user-ID or set-group-ID program in secure-execution mode (AT_SECURE),
 * where it ignores an LD_PRELOAD path: that program cannot be profiled. */
static int runs_secure(const char *prog)
{
	struct stat st;
	return stat(prog, &st) == 0 && ((st.st_mode & S_ISUID && st.st_uid != geteuid()) ||
					(st.st_mode & S_ISGID && st.st_gid != getegid()));
}

/* No region of the launched program: say why in one line. Its status stays its own. */
static void explain_no_profile(const char *prog, pid_t child, const struct hp_settings *s,
			       const struct hp_unprofiled *u, int nu)
{
	for (int i = 0; i < nu && i < 64; i++)
		if (u[i].pid == child) {
			hp_err("%s ran unprofiled: %s has no room for its %llu MiB region (%s); see "
			       "'when /dev/shm is full' in docs/run.md",
			       prog, HP_REGION_DIR, (unsigned long long)s->region_mib,
			       strerror(u[i].err));
			return;
		}
	if (*sanitizer_rt) {
		hp_err("%s ran unprofiled: it is built with AddressSanitizer, whose runtime (%s) must "
		       "come first in the initial library list, before LD_PRELOAD",
		       prog, sanitizer_rt);
		return;
	}
	if (runs_secure(prog)) {
		hp_err("%s ran unprofiled: it is set-user-ID or set-group-ID, and the loader ignores "
		       "LD_PRELOAD for such programs (secure-execution mode)",
		       prog);
		return;
	}
	hp_err("no profile from %s (pid %d): its region was not created (HOTPATH_DEBUG=1 shows why)",
	       prog, (int)child);
}

/* The launched program has ended; its descendants may still be finishing (a forked child
 * that exits a moment after its parent, maybe before it even made its region). hotpath run is
 * their subreaper (run_start): every orphaned descendant is our child, so wait up to `ms`
 * until none is left, reaping them; one still running after that (a daemon) is reported as a
 * snapshot. */
static void wait_descendants(uint64_t ms)
{
	int64_t deadline = now_ms() + (int64_t)ms;
	for (;;) {
		int st;
		pid_t w = waitpid(-1, &st, WNOHANG);
		if (w > 0)
			continue;
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 || !ms || now_ms() >= deadline)
			return; /* ECHILD: none left */
		struct timespec ts = {0, 2 * 1000000};
		nanosleep(&ts, NULL);
	}
}

/* Leave as the program did: its exit status, or its signal (without a core of our own). */
static void exit_like(int status, int timed_out)
{
	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		if (timed_out && (sig == SIGTERM || sig == SIGKILL))
			exit(0); /* the end we asked for */
		struct rlimit rl = {0, 0};
		setrlimit(RLIMIT_CORE, &rl);
		signal(sig, SIG_DFL);
		sigset_t all;
		sigemptyset(&all);
		sigaddset(&all, sig);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		raise(sig);
		exit(128 + sig);
	}
	exit(1);
}

/* --serve[=ADDR:PORT] (docs/serve.md): this run's processes over HTTP while it lasts. */
static int start_server(struct hp_server *srv, const struct hp_settings *s, uint64_t session)
{
	struct hp_serve_opts o;
	char err[600];
	if (hp_serve_opts_from_settings(&o, s, s->serve, err, sizeof(err)) < 0 ||
	    (o.session = session, hp_serve_start(srv, &o, err, sizeof(err))) < 0) {
		hp_err("--serve: %s", err);
		return -1;
	}
	/* No SIGPIPE disposition of ours: the child would inherit it. libmicrohttpd sends with
	 * MSG_NOSIGNAL, so a client that hangs up cannot end the run. */
	fprintf(stderr, "hotpath: serving this run on %s/ (metrics: %s/metrics)\n", srv->url,
		srv->url);
	return 0;
}

/* A file without a #! line that the kernel refuses (ENOEXEC): as execvp does, run it with
 * /bin/sh. Returns only when that fails too. */
static void exec_script(const char *prog, char **argv, char **env)
{
	int n = 0;
	while (argv[n])
		n++;
	char **sh = calloc((size_t)n + 2, sizeof(char *));
	if (!sh)
		return;
	sh[0] = "/bin/sh";
	sh[1] = (char *)prog;
	for (int k = 1; k < n; k++)
		sh[k + 1] = argv[k];
	execve("/bin/sh", sh, env);
	errno = ENOEXEC; /* report the program's error, not the shell's */
}

static void run_usage(FILE *f)
{
	fprintf(f, "Usage: hotpath run [OPTIONS] [--] PROGRAM [ARGS...]\n"
		   "Run PROGRAM under libhotpath.so and print where its time goes when it ends.\n"
		   "The program's own input, output, exit status and signals are untouched; the\n"
		   "report goes to stderr (or --output FILE).\n\nOptions:\n");
	hp_settings_help(f);
	fprintf(f,
		"  -h, --help               show this help\n\n"
		"Settings come from defaults < hotpath.conf < HOTPATH_* variables < options.\n"
		"Build PROGRAM with -finstrument-functions (no source change) to time its functions,\n"
		"or name them with --functions (no rebuild; hotpath list-functions PROG previews).\n");
}

/* One `hotpath run`, shared by its steps. exit_code < 0: keep going; >= 0: hotpath's own exit
 * status, which ends the run (or, once the program ran, adds to its status: see run_exit). */
struct run {
	struct hp_job job; /* the program's process group and the terminal (supervise) */
	struct hp_settings s;
	int have_settings;
	int argi; /* argv[argi] is PROGRAM */
	char prog[PATH_MAX], lib[PATH_MAX];
	FILE *out; /* the report: stderr or --output */
	uint64_t session;
	sigset_t set, old; /* SIGCHLD and the forwarded signals, blocked while the child runs */
	pid_t child;
	int ran; /* the program was started: its status counts */
	int status, timed_out;
	char **paths; /* the session's regions */
	int npaths;
	struct hp_server srv; /* --serve */
	int serving;
	int exit_code;
	int over_budget; /* --check-budgets found one over: exit 3 (budget.c) */
};

/* Settings (defaults < config < environment < flags), the program and the library, and the
 * output file: opened now, so that a bad path is reported before the program runs. */
static void run_parse(struct run *r, int argc, char **argv)
{
	char err[1024];
	int rc = hp_settings_load(&r->s, hp_settings_find_config(argc - 1, argv + 1), err,
				  sizeof(err));

	r->have_settings = 1;
	r->argi = 1;
	if (rc == 0)
		rc = hp_settings_flags(&r->s, argc, argv, &r->argi, err, sizeof(err));
	if (rc == 1) {
		run_usage(stdout);
		r->exit_code = 0;
	} else if (rc < 0) {
		hp_err("%s", err);
		r->exit_code = 2;
	} else if (r->argi >= argc) {
		hp_err("run: no program given (usage: hotpath run [OPTIONS] [--] PROGRAM [ARGS...])");
		r->exit_code = 2;
	} else if (hp_resolve_program(argv[r->argi], r->prog, sizeof(r->prog)) < 0 ||
		   check_program(r->prog, &r->s) < 0 || find_library(r->lib, sizeof(r->lib)) < 0 ||
		   check_shm(&r->s) < 0) {
		r->exit_code = 127;
	} else if (r->s.format == HP_FMT_PPROF && !r->s.output) {
		hp_err("--format pprof writes a binary file: name it with --output FILE.pb.gz");
		r->exit_code = 2;
	} else if (r->s.output && !(r->out = fopen(r->s.output, "w"))) {
		hp_err("%s: cannot write the report: %s", r->s.output, strerror(errno));
		r->exit_code = 2;
	}
}

/* In the child: the signal mask it had, its stdio for --console, then PROGRAM; an exec
 * failure goes back through errpipe. Never returns. */
static void run_child(struct run *r, char **argv, char **env, const int errpipe[2])
{
	job_enter(&r->job, getpid());
	sigprocmask(SIG_SETMASK, &r->old, NULL);
	close(errpipe[0]);
	if (r->out != stderr)
		fclose(r->out);
	if (r->s.console && hp_console_child_stdio() < 0) /* console.c: output to its log */
		_exit(127);
	execve(r->prog, argv + r->argi, env);
	if (errno == ENOEXEC)
		exec_script(r->prog, argv + r->argi, env);
	int e = errno;
	ssize_t w = write(errpipe[1], &e, sizeof(e));
	(void)w;
	_exit(127);
}

/* A session id, the patch plan, the environment, then fork and exec: r->child runs PROGRAM,
 * or exit_code says why it does not. */
static void run_start(struct run *r, char **argv)
{
	/* High bits random, low 32 bits our pid: `hotpath clean` keeps the regions of a session
	 * whose launcher is alive (it is about to read them). */
	uint64_t rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint64_t)now_ms();
	r->session = (rnd & ((1ull << 30) - 1)) << 32 | (uint64_t)getpid();
	hp_patch_plan_prepare(r->prog, r->s.functions, r->session); /* the launcher's analysis */

	sigemptyset(&r->set);
	sigaddset(&r->set, SIGCHLD);
	for (int k = 0; forwarded[k]; k++)
		sigaddset(&r->set, forwarded[k]);
	sigprocmask(SIG_BLOCK, &r->set, &r->old);
	/* --serve: the server's threads start with these signals blocked, so they stay ours. */
	if (r->s.serve) {
		if (start_server(&r->srv, &r->s, r->session) < 0) {
			sigprocmask(SIG_SETMASK, &r->old, NULL);
			r->exit_code = 2;
			return;
		}
		r->serving = 1;
	}
	int errpipe[2];
	if (r->s.console && hp_console_log_create() < 0) { /* console.c: a log only we created */
		r->exit_code = 2;
		return;
	}
	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		hp_err("run: pipe: %s", strerror(errno));
		r->exit_code = 2;
		return;
	}
	char **env = child_env(r->lib, &r->s, r->session);
	/* --console keeps the terminal for the dashboard: the program's output goes to a log. */
	r->job.tty = r->s.console ? -1 : foreground_tty();
	launch_ns = now_ms() * 1000000 - 1000000;
	/* Orphaned descendants become our children: wait_descendants can wait for them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	r->child = fork();
	if (r->child == 0)
		run_child(r, argv, env, errpipe);
	int fork_errno = errno;
	close(errpipe[1]);
	free_child_env(env);
	r->job.pgid = r->child;
	if (r->child > 0)
		job_enter(&r->job, r->child);
	if (r->child < 0) {
		job_leave(&r->job);
		close(errpipe[0]);
		hp_err("run: fork: %s", strerror(fork_errno));
		r->exit_code = 2;
		return;
	}
	int exec_errno = 0;
	ssize_t got = read(errpipe[0], &exec_errno, sizeof(exec_errno));
	close(errpipe[0]);
	if (got == (ssize_t)sizeof(exec_errno)) {
		waitpid(r->child, NULL, 0);
		job_leave(&r->job);
		hp_err("%s: cannot execute: %s", r->prog, strerror(exec_errno));
		r->exit_code = 127;
		return;
	}
	r->ran = 1;
}

/* Until the program ends: the console when asked (console.c: the dashboard until q), signals
 * forwarded, the --timeout applied. */
static void run_supervise(struct run *r)
{
	if (r->s.console)
		hp_console_watch_child(r->child, &r->s);
	r->status = supervise(&r->job, &r->set, r->s.timeout_ms, &r->timed_out);
	wait_descendants(r->timed_out ? 0 : r->s.wait_children_ms);
	hp_patch_plan_cleanup();
}

/* Gather the session's regions into the model, save it (--save), print the report. */
static void run_report(struct run *r)
{
	struct hp_settings *s = &r->s;
	struct hp_proc top;
	struct hp_unprofiled unprof[64];
	int nunprof = take_unprofiled(r->session, unprof, 64);

	if (gather(r->session, r->child, r->status, r->timed_out, s, &top, &r->paths, &r->npaths) <
	    0) {
		explain_no_profile(r->prog, r->child, s, unprof, nunprof); /* the status stays */
		return;
	}
	if (nunprof)
		hp_proc_add_note(&top,
				 "%d process%s ran unprofiled: %s had no room for %s region (see "
				 "'when /dev/shm is full' in docs/run.md)",
				 nunprof, nunprof > 1 ? "es" : "", HP_REGION_DIR,
				 nunprof > 1 ? "their" : "its");
	/* data flow and concurrency (report_flow.c): sections switched off, missing hooks */
	hp_flow_hide(&top, (s->channels ? 0 : HP_FLOW_HIDE_CHANNELS) |
				   (s->locks ? 0 : HP_FLOW_HIDE_LOCKS) |
				   (s->threads ? 0 : HP_FLOW_HIDE_THREADS));
	if (no_hooks_note)
		hp_proc_add_note(&top,
				 "%s has no function hooks: only channels, locks and threads "
				 "are shown; to time its functions name them, e.g. --functions "
				 "'main,my_*' or 'libz.so*:deflate*' (hotpath list-functions %s), "
				 "or build it with 'cc -O2 -g -finstrument-functions'",
				 r->prog, r->prog);
	if (s->check_budgets) { /* budget.c: every row, before --limit cuts */
		int b = hp_budget_check(stderr, &top, s->budgets, s->nbudgets);
		if (b > 0)
			r->over_budget = 1;
		else if (b < 0)
			r->exit_code = 1;
		if (!s->save)
			hp_proc_finish(&top, (int)s->limit);
	}
	if (hp_history_save(&top, s) < 0) /* --save: the full model, then cut to --limit */
		r->exit_code = 1;
	struct hp_report_opts o = {.npcts = s->npcts,
				   .limit = (int)s->limit,
				   .format = s->format,
				   .flame = s->flame,
				   .tree = s->tree};
	memcpy(o.pcts, s->pcts, sizeof(o.pcts));
	/* A closed stderr or a full disk costs the report, never the status or the clean-up:
	 * EPIPE instead of SIGPIPE (the child is long started), and only a warning. */
	signal(SIGPIPE, SIG_IGN);
	if (hp_report_render(r->out, &top, &o) < 0 || fflush(r->out) == EOF)
		hp_warn("%s: cannot write the report: %s", s->output ? s->output : "stderr",
			strerror(errno));
	hp_proc_free(&top);
}

/* The one clean-up path, whatever step ended the run: the report file, the server, the regions
 * (unless --keep-regions), the patch plan, the settings. */
static void run_cleanup(struct run *r)
{
	if (r->out && r->out != stderr && fclose(r->out) == EOF)
		hp_warn("%s: cannot write the report: %s", r->s.output, strerror(errno));
	if (r->serving)
		hp_serve_stop(&r->srv); /* before the regions go */
	for (int k = 0; k < r->npaths && !r->s.keep_regions; k++)
		unlink(r->paths[k]);
	hp_paths_free(r->paths, r->npaths);
	hp_patch_plan_cleanup();
	if (r->have_settings)
		hp_settings_free(&r->s);
}

/* Leave with hotpath's own status when the program never ran; else as the program did, unless
 * hotpath failed (then its status, while the program's own failure still wins). */
static int run_exit(const struct run *r)
{
	if (!r->ran)
		return r->exit_code;
	if (r->over_budget)
		return HP_BUDGET_EXIT_OVER; /* CI's gate: whatever the program's status */
	if (r->exit_code > 0 && !(WIFEXITED(r->status) && WEXITSTATUS(r->status)))
		return r->exit_code;
	exit_like(r->status, r->timed_out);
	return 0;
}

/* parse -> start -> supervise -> report -> clean up; each step leaves r->exit_code < 0 to go
 * on. */
int hp_cmd_run(int argc, char **argv)
{
	struct run r = {.out = stderr, .exit_code = -1};

	run_parse(&r, argc, argv);
	if (r.exit_code < 0)
		run_start(&r, argv);
	if (r.exit_code < 0) {
		run_supervise(&r);
		run_report(&r);
	}
	run_cleanup(&r);
	return run_exit(&r);
}
