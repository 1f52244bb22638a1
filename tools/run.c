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
		    !strncmp(environ[i], "HOTPATH_LOCK_HOLD=", 18) ||
		    !strncmp(environ[i], "HOTPATH_SAMPLE=", 15) ||
		    !strncmp(environ[i], "HOTPATH_SAMPLE_HZ=", 18))
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
	asprintf(&env[o++], "HOTPATH_SAMPLE=%s", s->sample ? "true" : "false"); /* docs/cpu.md */
	asprintf(&env[o++], "HOTPATH_SAMPLE_HZ=%llu", (unsigned long long)s->sample_hz);
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

/* One `hotpath run`, shared by its steps. exit_code < 0: keep going; >= 0: hotpath's own exit
 * status, which ends the run (or, once the program ran, adds to its status: see run_exit). */
struct run {
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
};

/* Settings (defaults < config < environment < flags), the program and the library, and the
 * output file: opened now, so that a bad path is reported before the program runs. */
static void run_parse(struct run *r, int argc, char **argv)
{
	char err[1024];
	int rc = hp_settings_load(&r->s, hp_settings_find_config(argc - 1, argv + 1), err, sizeof(err));

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
	} else if (resolve_program(argv[r->argi], r->prog, sizeof(r->prog)) < 0 ||
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
	sigprocmask(SIG_SETMASK, &r->old, NULL);
	close(errpipe[0]);
	if (r->out != stderr)
		fclose(r->out);
	if (r->s.console && hp_console_child_stdio() < 0) /* console.c: output to its log */
		_exit(127);
	execve(r->prog, argv + r->argi, env);
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
	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		hp_err("run: pipe: %s", strerror(errno));
		r->exit_code = 2;
		return;
	}
	char **env = child_env(r->lib, &r->s, r->session);
	r->child = fork();
	if (r->child == 0)
		run_child(r, argv, env, errpipe);
	int fork_errno = errno;
	close(errpipe[1]);
	free_child_env(env);
	if (r->child < 0) {
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
	r->status = supervise(r->child, &r->set, r->s.timeout_ms, &r->timed_out);
	hp_patch_plan_cleanup();
}

/* Gather the session's regions into the model, save it (--save), print the report. */
static void run_report(struct run *r)
{
	struct hp_settings *s = &r->s;
	struct hp_proc top;

	if (gather(r->session, r->child, r->status, r->timed_out, s, &top, &r->paths, &r->npaths) < 0) {
		hp_err("no profile from %s (pid %d): its region was not created (HOTPATH_DEBUG=1 shows why)",
		       r->prog, (int)r->child);
		r->exit_code = 1;
		return;
	}
	/* data flow and concurrency (report_flow.c): sections switched off, missing hooks */
	hp_flow_hide(&top, (s->channels ? 0 : HP_FLOW_HIDE_CHANNELS) |
				   (s->locks ? 0 : HP_FLOW_HIDE_LOCKS) |
				   (s->threads ? 0 : HP_FLOW_HIDE_THREADS));
	if (no_hooks_note)
		hp_proc_add_note(&top, "%s has no function hooks: only channels, locks and threads "
				 "are shown; to time its functions name them, e.g. --functions "
				 "'main,my_*' or 'libz.so*:deflate*' (hotpath list-functions %s), "
				 "or build it with 'cc -O2 -g -finstrument-functions'", r->prog, r->prog);
	if (hp_history_save(&top, s) < 0) /* --save: the full model, then cut to --limit */
		r->exit_code = 1;
	struct hp_report_opts o = {.npcts = s->npcts, .limit = (int)s->limit, .format = s->format};
	memcpy(o.pcts, s->pcts, sizeof(o.pcts));
	if (hp_report_render(r->out, &top, &o) < 0 || fflush(r->out) == EOF) {
		hp_err("%s: cannot write the report", s->output ? s->output : "stderr");
		r->exit_code = 1;
	}
	hp_proc_free(&top);
}

/* The one clean-up path, whatever step ended the run: the report file, the server, the regions
 * (unless --keep-regions), the patch plan, the settings. */
static void run_cleanup(struct run *r)
{
	if (r->out && r->out != stderr && fclose(r->out) == EOF) {
		hp_err("%s: cannot write the report: %s", r->s.output, strerror(errno));
		r->exit_code = 1;
	}
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
