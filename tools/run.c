/* run.c - `hotpath run`: check the program, start it under libhotpath.so, forward signals,
 * stop it on --timeout, then gather the regions of it and its descendants, print the report,
 * and leave with the program's own exit status (or die of its signal). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hotpath.h"
#include "tools/region/region_model.h"
#include "tools/report/report_flow.h"
#include "tools/report/report_patch.h"
#include "serve.h"
#include "settings.h"
#include "symbolize/symbolize.h"

extern char **environ;

/* Find PROG as execvp would. Returns 0 with `out` set, or -1 after printing the error. */
static int resolve_program(const char *prog, char *out, size_t outlen)
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
	static const char *const names[] = {"sh", "bash", "dash", "zsh", "ksh", "busybox", "env",
					    "nice", "nohup", "stdbuf", "timeout", "xargs", "make",
					    "time", "setsid", "taskset", NULL};
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	for (int i = 0; names[i]; i++)
		if (!strcmp(b, names[i]))
			return 1;
	return 0;
}

/* The program has no function hooks but channels or locks are recorded: say so in the report. */
static int no_hooks_note;

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
	if (f.machine != EM_X86_64) {
		hp_err("%s: built for another architecture (ELF machine %d); hotpath runs x86-64 programs",
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
	if (statvfs(HP_REGION_DIR, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < (s->region_mib << 20)) {
		hp_err("cannot create regions in %s: only %llu MiB free for a %llu MiB region "
		       "(lower region_size)",
		       HP_REGION_DIR, (unsigned long long)((uint64_t)sv.f_bavail * sv.f_frsize >> 20),
		       (unsigned long long)s->region_mib);
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
	char **env = calloc(n + 16, sizeof(char *));
	size_t o = 0;
	const char *old_preload = getenv("LD_PRELOAD");
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(environ[i], "LD_PRELOAD=", 11) || !strncmp(environ[i], "HOTPATH_SESSION=", 16) ||
		    !strncmp(environ[i], "HOTPATH_REGION_SIZE=", 20) ||
		    !strncmp(environ[i], "HOTPATH_ALLOC=", 14) ||
		    !strncmp(environ[i], "HOTPATH_ALLOC_SELF=", 19) ||
		    !strncmp(environ[i], "HOTPATH_EXEC_GEN=", 17) ||
		    !strncmp(environ[i], "HOTPATH_FUNCTIONS=", 18) ||
		    !strncmp(environ[i], "HOTPATH_FUNCTIONS_MAX=", 22) ||
		    !strncmp(environ[i], "HOTPATH_CHANNELS=", 17) ||
		    !strncmp(environ[i], "HOTPATH_LOCKS=", 14) ||
		    !strncmp(environ[i], "HOTPATH_LOCK_HOLD=", 18))
			continue;
		env[o++] = environ[i];
	}
	char *v;
	if (old_preload && *old_preload)
		asprintf(&v, "LD_PRELOAD=%s:%s", lib, old_preload);
	else
		asprintf(&v, "LD_PRELOAD=%s", lib);
	env[o++] = v;
	asprintf(&env[o++], "HOTPATH_SESSION=%llu", (unsigned long long)session);
	asprintf(&env[o++], "HOTPATH_REGION_SIZE=%llu", (unsigned long long)s->region_mib);
	asprintf(&env[o++], "HOTPATH_ALLOC=%s", s->alloc ? "true" : "false");
	asprintf(&env[o++], "HOTPATH_ALLOC_SELF=%s", s->alloc_self ? "true" : "false");
	asprintf(&env[o++], "HOTPATH_CHANNELS=%s", s->channels ? "true" : "false"); /* dataflow.md */
	asprintf(&env[o++], "HOTPATH_LOCKS=%s", s->locks ? "true" : "false");
	asprintf(&env[o++], "HOTPATH_LOCK_HOLD=%s", s->lock_hold ? "true" : "false");
	if (s->functions) { /* patching (docs/patching.md) */
		asprintf(&env[o++], "HOTPATH_FUNCTIONS=%s", s->functions);
		asprintf(&env[o++], "HOTPATH_FUNCTIONS_MAX=%llu", (unsigned long long)s->functions_max);
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

static const int forwarded[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH,
				SIGCONT, SIGTSTP, 0};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the child, forwarding signals and enforcing the timeout. Returns its wait status;
 * *timed_out tells whether we stopped it. */
static int supervise(pid_t child, const sigset_t *set, uint64_t timeout_ms, int *timed_out)
{
	int64_t deadline = timeout_ms ? now_ms() + (int64_t)timeout_ms : 0, kill_at = 0;
	*timed_out = 0;
	for (;;) {
		int status;
		pid_t w = waitpid(child, &status, WNOHANG);
		if (w == child)
			return status;
		if (w < 0 && errno != EINTR)
			return 0;
		int64_t wait_ms = 1000;
		int64_t now = now_ms();
		if (deadline && !*timed_out) {
			if (now >= deadline) {
				*timed_out = 1;
				kill(child, SIGTERM);
				kill_at = now + 2000;
				continue;
			}
			wait_ms = deadline - now;
		}
		if (kill_at) {
			if (now >= kill_at) {
				kill(child, SIGKILL);
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
		/* A signal from the terminal (SI_KERNEL) reached the child's process group too;
		 * one sent to us alone (kill, SI_USER) is passed on. */
		if (si.si_code == SI_USER || si.si_code == SI_QUEUE || sig == SIGTERM || sig == SIGHUP)
			kill(child, sig);
	}
}

static void mark_from_wait(struct hp_proc *p, int status, int timed_out)
{
	if (WIFEXITED(status) && p->state != HP_PS_EXITED) {
		p->state = HP_PS_EXITED;
		p->exit_status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		p->state = HP_PS_SIGNALED;
		p->term_signal = WTERMSIG(status);
	}
	if (timed_out)
		hp_proc_add_note(p, "stopped by hotpath after the --timeout");
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
	if (n <= 0)
		return -1;
	struct hp_symbolizer *sym = hp_symbolizer_new();
	struct hp_proc *procs = calloc((size_t)n, sizeof(*procs));
	int np = 0, top_i = -1;
	/* paths are newest first; take them oldest first so children come in start order. */
	for (int i = n - 1; i >= 0; i--) {
		struct hp_rregion r;
		char err[512];
		if (hp_rregion_open(paths[i], &r, err, sizeof(err)) < 0) {
			hp_warn("%s", err);
			continue;
		}
		if (hp_proc_from_region(&r, sym, 1, &procs[np]) == 0) {
			if (procs[np].pid == child)
				top_i = np; /* the last image of the launched pid wins */
			np++;
		}
		hp_rregion_close(&r);
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
	hp_proc_finish(top, s->save ? 0 : (int)s->limit); /* --save keeps all: hp_history_save cuts */
	hp_patch_check_patterns(top, s->functions); /* patterns that selected nothing */
	*paths_out = paths;
	*npaths = n;
	return 0;
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
	fprintf(stderr, "hotpath: serving this run on %s/ (metrics: %s/metrics)\n", srv->url, srv->url);
	return 0;
}

static void run_usage(FILE *f)
{
	fprintf(f, "Usage: hotpath run [OPTIONS] [--] PROGRAM [ARGS...]\n"
		   "Run PROGRAM under libhotpath.so and print where its time goes when it ends.\n"
		   "The program's own input, output, exit status and signals are untouched; the\n"
		   "report goes to stderr (or --output FILE).\n\nOptions:\n");
	hp_settings_help(f);
	fprintf(f, "  -h, --help               show this help\n\n"
		   "Settings come from defaults < hotpath.conf < HOTPATH_* variables < options.\n"
		   "Build PROGRAM with -finstrument-functions (no source change) to time its functions,\n"
		   "or name them with --functions (no rebuild; hotpath list-functions PROG previews).\n");
}

int hp_cmd_run(int argc, char **argv)
{
	struct hp_settings s;
	char err[1024];
	int i = 1;
	int rc = hp_settings_load(&s, hp_settings_find_config(argc - 1, argv + 1), err, sizeof(err));
	if (rc == 0)
		rc = hp_settings_flags(&s, argc, argv, &i, err, sizeof(err));
	if (rc == 1) {
		run_usage(stdout);
		hp_settings_free(&s);
		return 0;
	}
	if (rc < 0) {
		hp_err("%s", err);
		hp_settings_free(&s);
		return 2;
	}
	if (i >= argc) {
		hp_err("run: no program given (usage: hotpath run [OPTIONS] [--] PROGRAM [ARGS...])");
		hp_settings_free(&s);
		return 2;
	}
	char prog[PATH_MAX], lib[PATH_MAX];
	if (resolve_program(argv[i], prog, sizeof(prog)) < 0 || check_program(prog, &s) < 0 ||
	    find_library(lib, sizeof(lib)) < 0 || check_shm(&s) < 0) {
		hp_settings_free(&s);
		return 127;
	}
	FILE *out = stderr;
	if (s.format == HP_FMT_PPROF && !s.output) {
		hp_err("--format pprof writes a binary file: name it with --output FILE.pb.gz");
		hp_settings_free(&s);
		return 2;
	}
	if (s.output) {
		/* Open now: a bad path is reported before the program runs, not after. */
		out = fopen(s.output, "w");
		if (!out) {
			hp_err("%s: cannot write the report: %s", s.output, strerror(errno));
			hp_settings_free(&s);
			return 2;
		}
	}
	/* High bits random, low 32 bits our pid: `hotpath clean` keeps the regions of a session
	 * whose launcher is alive (it is about to read them). */
	uint64_t rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint64_t)now_ms();
	uint64_t session = (rnd & ((1ull << 30) - 1)) << 32 | (uint64_t)getpid();
	hp_patch_plan_prepare(prog, s.functions, session); /* patching: the launcher's analysis */
	char **env = child_env(lib, &s, session);

	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (int k = 0; forwarded[k]; k++)
		sigaddset(&set, forwarded[k]);
	sigprocmask(SIG_BLOCK, &set, &old);
	/* --serve: the server's threads start with these signals blocked, so they stay ours. */
	static struct hp_server srv;
	if (s.serve && start_server(&srv, &s, session) < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		hp_patch_plan_cleanup();
		free_child_env(env);
		hp_settings_free(&s);
		return 2;
	}
	int errpipe[2];
	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		hp_err("run: pipe: %s", strerror(errno));
		return 2;
	}
	pid_t child = fork();
	if (child < 0) {
		hp_err("run: fork: %s", strerror(errno));
		return 2;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(errpipe[0]);
		if (out != stderr)
			fclose(out);
		if (s.console && hp_console_child_stdio() < 0) /* console.c: output to its log */
			_exit(127);
		execve(prog, argv + i, env);
		int e = errno;
		ssize_t w = write(errpipe[1], &e, sizeof(e));
		(void)w;
		_exit(127);
	}
	close(errpipe[1]);
	free_child_env(env);
	int exec_errno = 0;
	ssize_t got = read(errpipe[0], &exec_errno, sizeof(exec_errno));
	close(errpipe[0]);
	if (got == (ssize_t)sizeof(exec_errno)) {
		waitpid(child, NULL, 0);
		hp_patch_plan_cleanup();
		hp_err("%s: cannot execute: %s", prog, strerror(exec_errno));
		return 127;
	}
	int timed_out;
	if (s.console) /* console.c: the dashboard until q, then the report as usual */
		hp_console_watch_child(child, &s);
	int status = supervise(child, &set, s.timeout_ms, &timed_out);
	hp_patch_plan_cleanup();

	struct hp_proc top;
	char **paths;
	int npaths;
	int exit_code = 0;
	if (gather(session, child, status, timed_out, &s, &top, &paths, &npaths) < 0) {
		hp_err("no profile from %s (pid %d): its region was not created (HOTPATH_DEBUG=1 shows why)",
		       prog, (int)child);
		exit_code = 1;
	} else {
		/* data flow and concurrency (report_flow.c): sections switched off, missing hooks */
		hp_flow_hide(&top, (s.channels ? 0 : HP_FLOW_HIDE_CHANNELS) |
					   (s.locks ? 0 : HP_FLOW_HIDE_LOCKS) |
					   (s.threads ? 0 : HP_FLOW_HIDE_THREADS));
		if (no_hooks_note)
			hp_proc_add_note(&top, "%s has no function hooks: only channels, locks and threads "
					 "are shown; to time its functions name them, e.g. --functions "
					 "'main,my_*' or 'libz.so*:deflate*' (hotpath list-functions %s), "
					 "or build it with 'cc -O2 -g -finstrument-functions'", prog, prog);
		if (hp_history_save(&top, &s) < 0) /* --save: the full model, then cut to --limit */
			exit_code = 1;
		struct hp_report_opts o = {.npcts = s.npcts, .limit = (int)s.limit, .format = s.format};
		memcpy(o.pcts, s.pcts, sizeof(o.pcts));
		if (hp_report_render(out, &top, &o) < 0 || fflush(out) == EOF) {
			hp_err("%s: cannot write the report", s.output ? s.output : "stderr");
			exit_code = 1;
		}
		hp_proc_free(&top);
	}
	if (out != stderr && fclose(out) == EOF) {
		hp_err("%s: cannot write the report: %s", s.output, strerror(errno));
		exit_code = 1;
	}
	if (s.serve)
		hp_serve_stop(&srv); /* before the regions go */
	for (int k = 0; k < npaths && !s.keep_regions; k++)
		unlink(paths[k]);
	hp_paths_free(paths, npaths);
	hp_settings_free(&s);
	if (exit_code) {
		/* The program's own status still wins when it failed; else say we failed. */
		if (WIFEXITED(status) && WEXITSTATUS(status))
			exit_like(status, timed_out);
		return exit_code;
	}
	exit_like(status, timed_out);
	return 0;
}
