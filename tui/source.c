/* source.c - what the console shows: attach to a region (with a message on screen for every
 * reason it cannot), rebuild the report model from it each refresh (one symbolizer kept across
 * refreshes caches the symbol tables), calls/s between refreshes with a minute of history per
 * function, per-thread CPU from /proc, and the process's end. */
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "tools/region/region_model.h"
#include "screen_guard.h"

int64_t hp_con_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t hp_con_interval_ns(const struct hp_console *c)
{
	int64_t want = (int64_t)(c->interval_s * 1e9), floor_ns = c->refresh_cpu_ns * 66;
	return floor_ns > want ? floor_ns : want;
}

/* The cost that sets the interval (66x it, hp_con_interval_ns): this rebuild's CPU time, but
 * at most twice the last estimate (or the budget of the interval asked for). One slow rebuild,
 * such as the first to see the 100,000 functions of a program still starting, took 1.2 s and
 * stretched the interval to 79 s; a cost that lasts is reached in a few refreshes. */
static int64_t refresh_cost(const struct hp_console *c, int64_t cpu_ns)
{
	int64_t base = (int64_t)(c->interval_s * 1e9) / 66;
	if (c->refresh_cpu_ns > base)
		base = c->refresh_cpu_ns;
	return cpu_ns < 2 * base ? cpu_ns : 2 * base;
}

void hp_con_source_init(struct hp_console *c)
{
	c->sym = hp_symbolizer_new();
}

static void clear_history(struct hp_console *c)
{
	free(c->hist);
	c->hist = NULL;
	c->hist_cap = c->hist_n = 0;
	free(c->tcpu);
	c->tcpu = NULL;
	c->ntcpu = c->tcpu_cap = 0;
	hp_con_cpu_free(c);
	c->refreshes = 0;
}

void hp_con_detach(struct hp_console *c)
{
	c->model_gen++;
	if (c->have_proc)
		hp_proc_free(&c->proc);
	c->have_proc = 0;
	if (c->attached)
		hp_rregion_close(&c->reg);
	c->attached = 0;
	c->ended[0] = 0;
	clear_history(c);
}

void hp_con_source_free(struct hp_console *c)
{
	hp_con_detach(c);
	if (c->sym)
		hp_symbolizer_free(c->sym);
	c->sym = NULL;
	free(c->inspect_info);
	c->inspect_info = NULL;
}

/* A message that says why the region at `path` cannot be read. */
static void open_failure(struct hp_console *c, const char *path, int rc, const char *err)
{
	struct stat st;
	if (rc == -EPERM) {
		snprintf(c->message, sizeof(c->message), "untrusted region: %s", err);
	} else if (rc == -EACCES && stat(path, &st) == 0 && st.st_uid != geteuid()) {
		struct passwd *pw = getpwuid(st.st_uid);
		snprintf(c->message, sizeof(c->message),
			 "%s belongs to user %s (uid %u): permission denied; run the console as that "
			 "user or as root",
			 path, pw ? pw->pw_name : "?", (unsigned)st.st_uid);
	} else if (rc == -EPROTO) {
		snprintf(c->message, sizeof(c->message), "unknown region layout: %s", err);
	} else if (rc == -EBADMSG) {
		snprintf(c->message, sizeof(c->message), "corrupted region: %s", err);
	} else {
		snprintf(c->message, sizeof(c->message), "cannot read the region: %s", err);
	}
}

static void not_profiled(struct hp_console *c, int pid)
{
	if (kill(pid, 0) == 0 || errno == EPERM)
		snprintf(c->message, sizeof(c->message),
			 "process %d is not profiled: no region %s/%s%d-* (start it with 'hotpath run' "
			 "or LD_PRELOAD=libhotpath.so); waiting for one",
			 pid, HP_REGION_DIR, HP_REGION_PREFIX, pid);
	else
		snprintf(c->message, sizeof(c->message),
			 "no process %d and no region of it in %s: nothing to show; waiting for one",
			 pid, HP_REGION_DIR);
}

/* The pid has regions, but none this user may trust (another user's file, or not a regular
 * file): say so instead of "not profiled". */
static void untrusted_regions(struct hp_console *c, int pid)
{
	char **any = NULL;
	int n = hp_region_list_any(pid, &any);
	struct stat st;
	for (int i = 0; i < n; i++)
		if (lstat(any[i], &st) == 0 && S_ISREG(st.st_mode)) {
			char err[512];
			snprintf(err, sizeof(err),
				 "%s: owned by uid %u, who does not own process %d: "
				 "not trusted",
				 any[i], (unsigned)st.st_uid, pid);
			open_failure(c, any[i],
				     st.st_uid != geteuid() && geteuid() ? -EACCES : -EPERM, err);
			break;
		}
	hp_paths_free(any, n > 0 ? n : 0);
}

int hp_con_attach(struct hp_console *c, const char *path)
{
	char **paths = NULL;
	int n = 0;
	char err[512];
	if (!path) {
		n = hp_region_list(0, c->want_pid, &paths);
		if (n <= 0) {
			hp_paths_free(paths, n > 0 ? n : 0);
			hp_con_detach(c);
			not_profiled(c, c->want_pid);
			untrusted_regions(c, c->want_pid);
			return -1;
		}
		path = paths[0];
	}
	struct hp_rregion r;
	int rc = hp_rregion_open(path, &r, err, sizeof(err));
	if (rc < 0) {
		hp_con_detach(c);
		open_failure(c, path, rc, err);
		hp_paths_free(paths, n);
		return -1;
	}
	hp_paths_free(paths, n);
	hp_con_detach(c);
	c->reg = r;
	c->attached = 1;
	c->no_retry = 0;
	c->refresh_cpu_ns = 0;
	c->message[0] = 0;
	c->want_pid = r.h->pid;
	hp_con_refresh(c);
	return 0;
}

static struct hp_fn_hist *hist_get(struct hp_console *c, uint64_t addr, int create)
{
	if (create && (c->hist_n + 1) * 2 > c->hist_cap) {
		size_t cap = c->hist_cap ? c->hist_cap * 2 : 256;
		struct hp_fn_hist *nh = calloc(cap, sizeof(*nh));
		if (!nh)
			return NULL;
		for (size_t i = 0; i < c->hist_cap; i++) {
			if (!c->hist[i].addr)
				continue;
			size_t k = (size_t)(((c->hist[i].addr >> 2) * 0x9E3779B97F4A7C15ull) >>
					    32) &
				   (cap - 1);
			while (nh[k].addr)
				k = (k + 1) & (cap - 1);
			nh[k] = c->hist[i];
		}
		free(c->hist);
		c->hist = nh;
		c->hist_cap = cap;
	}
	if (!c->hist_cap)
		return NULL;
	size_t k = (size_t)(((addr >> 2) * 0x9E3779B97F4A7C15ull) >> 32) & (c->hist_cap - 1);
	while (c->hist[k].addr && c->hist[k].addr != addr)
		k = (k + 1) & (c->hist_cap - 1);
	if (c->hist[k].addr == addr)
		return &c->hist[k];
	if (!create)
		return NULL;
	c->hist[k].addr = addr;
	c->hist[k].rate = NAN;
	c->hist_n++;
	return &c->hist[k];
}

const struct hp_fn_hist *hp_con_fn_hist(const struct hp_console *c, uint64_t addr)
{
	return hist_get((struct hp_console *)c, addr, 0);
}

const struct hp_fn_row *hp_con_find_fn(const struct hp_console *c, uint64_t addr)
{
	for (size_t i = 0; c->have_proc && i < c->proc.nfns; i++)
		if (c->proc.fns[i].addr == addr)
			return &c->proc.fns[i];
	return NULL;
}

static void update_rates(struct hp_console *c, double dt)
{
	for (size_t i = 0; i < c->proc.nfns; i++) {
		const struct hp_fn_row *r = &c->proc.fns[i];
		struct hp_fn_hist *h = hist_get(c, r->addr, 1);
		if (!h)
			return;
		if (c->refreshes > 0 && dt > 0) {
			uint64_t d = r->calls >= h->prev_calls ? r->calls - h->prev_calls : 0;
			h->rate = (double)d / dt;
			int slot = h->nspark < HP_CON_SPARK ? h->nspark++ : h->spark_head;
			h->spark[slot] = (float)h->rate;
			if (h->nspark == HP_CON_SPARK && slot == h->spark_head)
				h->spark_head = (h->spark_head + 1) % HP_CON_SPARK;
		}
		h->prev_calls = r->calls;
	}
}

const struct hp_thread_cpu *hp_con_thread_cpu(const struct hp_console *c, int tid)
{
	for (size_t i = 0; i < c->ntcpu; i++)
		if (c->tcpu[i].tid == tid)
			return &c->tcpu[i];
	return NULL;
}

/* utime + stime (fields 14, 15) of /proc/PID/task/TID/stat, in clock ticks. */
static int read_task_ticks(int pid, int tid, uint64_t *user, uint64_t *sys)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	unsigned long long ut = 0, st = 0;
	/* After ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime */
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	*user = ut;
	*sys = st;
	return 0;
}

static void update_threads(struct hp_console *c, double dt, int alive)
{
	long hz = sysconf(_SC_CLK_TCK);
	double ns_per_tick = hz > 0 ? 1e9 / (double)hz : 1e7;
	int gen = (int)c->refreshes + 1;
	for (size_t i = 0; i < c->proc.nthreads; i++) {
		struct hp_thread_row *t = &c->proc.threads[i];
		struct hp_thread_cpu *x = (struct hp_thread_cpu *)hp_con_thread_cpu(c, t->tid);
		if (!x) {
			if (c->ntcpu == c->tcpu_cap) {
				size_t cap = c->tcpu_cap ? c->tcpu_cap * 2 : 16;
				struct hp_thread_cpu *nt = realloc(c->tcpu, cap * sizeof(*nt));
				if (!nt)
					return;
				c->tcpu = nt;
				c->tcpu_cap = cap;
			}
			x = &c->tcpu[c->ntcpu++];
			memset(x, 0, sizeof(*x));
			x->tid = t->tid;
			x->cpu_pct = NAN;
			x->seen = -1;
		}
		uint64_t ut, st;
		if (alive && t->running && read_task_ticks(c->proc.pid, t->tid, &ut, &st) == 0) {
			if (x->seen >= 0 && dt > 0)
				x->cpu_pct = (double)(ut + st - x->prev_ticks) * ns_per_tick /
					     (dt * 1e9) * 100;
			x->prev_ticks = ut + st;
			x->user_ns = (uint64_t)((double)ut * ns_per_tick);
			x->sys_ns = (uint64_t)((double)st * ns_per_tick);
		} else {
			x->cpu_pct = t->running ? NAN : 0;
			x->user_ns = t->cpu_user_ns;
			x->sys_ns = t->cpu_sys_ns;
		}
		x->seen = gen;
	}
}

static uint64_t read_rss(int pid)
{
	char path[64];
	unsigned long long size = 0, res = 0;
	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void describe_end(struct hp_console *c)
{
	const struct hp_proc *p = &c->proc;
	switch (p->state) {
	case HP_PS_EXITED:
		snprintf(c->ended, sizeof(c->ended),
			 "process %d exited with status %d: final numbers", p->pid, p->exit_status);
		break;
	case HP_PS_SIGNALED:
		snprintf(c->ended, sizeof(c->ended),
			 "process %d was killed by signal %d (%s): final numbers", p->pid,
			 p->term_signal, strsignal(p->term_signal));
		break;
	case HP_PS_EXECED:
		snprintf(c->ended, sizeof(c->ended),
			 "process %d called exec: this image's final numbers", p->pid);
		break;
	case HP_PS_VANISHED:
		snprintf(c->ended, sizeof(c->ended),
			 "process %d died without a recorded exit (SIGKILL?): last numbers seen",
			 p->pid);
		break;
	default: c->ended[0] = 0;
	}
}

/* After an exec the same pid writes a newer region: follow it. Returns 1 when re-attached. */
static int follow_exec(struct hp_console *c)
{
	if (__atomic_load_n(&c->reg.h->state, __ATOMIC_ACQUIRE) != HP_STATE_EXECED)
		return 0;
	char **paths = NULL;
	int n = hp_region_list(0, c->reg.h->pid, &paths);
	int moved = n > 0 && strcmp(paths[0], c->reg.path) != 0 && hp_con_attach(c, paths[0]) == 0;
	hp_paths_free(paths, n > 0 ? n : 0);
	return moved;
}

void hp_con_refresh(struct hp_console *c)
{
	if (!c->attached) {
		if (c->want_pid > 0 && !c->no_retry)
			hp_con_attach(c, NULL);
		return;
	}
	if (follow_exec(c))
		return;
	struct hp_proc np;
	if (sigsetjmp(hp_con_read_jmp, 1)) {
		hp_con_in_read = 0;
		char path[256];
		snprintf(path, sizeof(path), "%s", c->reg.path);
		c->no_retry = 1; /* do not re-attach to it in a loop */
		hp_con_detach(c);
		snprintf(c->message, sizeof(c->message),
			 "%s was truncated while being read (corrupted region); detached", path);
		return;
	}
	int64_t cpu0 = cpu_now_ns();
	hp_con_in_read = 1;
	int rc = hp_proc_from_region(&c->reg, c->sym, 0, &np);
	hp_con_in_read = 0;
	if (rc < 0) {
		hp_proc_free(&np);
		snprintf(c->status, sizeof(c->status), "out of memory building the model");
		return;
	}
	hp_proc_finish(&np, 0);
	int64_t now = hp_con_now_ns();
	double dt = c->refreshes ? (double)(now - c->last_refresh_ns) / 1e9 : 0;
	if (c->have_proc)
		hp_proc_free(&c->proc);
	c->proc = np;
	c->have_proc = 1;
	c->model_gen++;
	c->prev_refresh_ns = c->last_refresh_ns;
	c->last_refresh_ns = now;
	int alive = np.state == HP_PS_RUNNING;
	update_rates(c, dt);
	update_threads(c, dt, alive);
	hp_con_cpu_update(c); /* the CPU tab's recent samples */
	if (np.mem.valid) {   /* the Memory tab's live-bytes sparkline */
		int slot = c->live_nspark < HP_CON_SPARK ? c->live_nspark++ : c->live_head;
		c->live_spark[slot] = (float)np.mem.live_bytes_at_exit;
		if (c->live_nspark == HP_CON_SPARK && slot == c->live_head)
			c->live_head = (c->live_head + 1) % HP_CON_SPARK;
	}
	c->rss_bytes = alive ? read_rss(np.pid) : 0;
	describe_end(c);
	/* The first build after attaching also reads every module's symbols: not typical. */
	if (c->refreshes)
		c->refresh_cpu_ns = refresh_cost(c, cpu_now_ns() - cpu0);
	c->refreshes++;
}
