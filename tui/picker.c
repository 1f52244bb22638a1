/* picker.c - `hotpath console` without a PID: the profiled processes that have a region under
 * /dev/shm (pid, command, age, state), live or exited, to pick from with Enter. A process that
 * starts while the list is shown is attached automatically (follow; --no-follow turns it off),
 * when its command line matches the `/` filter if one is set.
 * Regions that cannot be read are listed with the reason. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "console.h"

struct hp_pick {
	char *path;
	int pid;
	char cmd[256];
	int64_t start_realtime_ns;
	char state[64];
	int readable;
	int own; /* the file is this user's: a candidate for following */
};

static void pick_free(struct hp_pick *p, int n)
{
	for (int i = 0; i < n; i++)
		free(p[i].path);
	free(p);
}

void hp_con_picker_free(struct hp_console *c)
{
	pick_free(c->picks, c->npicks);
	c->picks = NULL;
	c->npicks = 0;
	hp_paths_free(c->seen_paths, c->nseen);
	c->seen_paths = NULL;
	c->nseen = 0;
}

/* The header only (pread, no mapping): enough for the list. */
static void describe(struct hp_pick *p, const char *path)
{
	struct hp_region_header h;
	const char *base = strrchr(path, '/');
	sscanf(base ? base + 1 + strlen(HP_REGION_PREFIX) : path, "%d", &p->pid);
	struct stat st;
	int fd = hp_open_regular(path, 0, &st, NULL, 0); /* a FIFO planted there cannot block */
	if (fd < 0) {
		snprintf(p->state, sizeof(p->state), fd == -EACCES ? "other user" : "unreadable");
		return;
	}
	ssize_t got = pread(fd, &h, sizeof(h), 0);
	close(fd);
	if (got == (ssize_t)sizeof(h) && !hp_region_owner_ok(&st, h.pid, h.proc_start_ticks)) {
		snprintf(p->state, sizeof(p->state), "untrusted owner");
		return;
	}
	p->own = st.st_uid == geteuid();
	if (got != (ssize_t)sizeof(h) || h.magic != HP_REGION_MAGIC) {
		snprintf(p->state, sizeof(p->state), "corrupted");
		return;
	}
	if (h.version != HP_REGION_VERSION) {
		snprintf(p->state, sizeof(p->state), "layout v%u", h.version);
		return;
	}
	p->readable = 1;
	p->start_realtime_ns = h.start_realtime_ns;
	uint32_t len = h.cmdline_len < sizeof(h.cmdline) ? h.cmdline_len : 0;
	size_t o = 0;
	for (uint32_t i = 0; i < len && o + 1 < sizeof(p->cmd); i++)
		p->cmd[o++] = h.cmdline[i] ? h.cmdline[i] : ' ';
	while (o && p->cmd[o - 1] == ' ')
		o--;
	p->cmd[o] = 0;
	if (!o)
		snprintf(p->cmd, sizeof(p->cmd), "%.*s", (int)sizeof(p->cmd) - 1, h.exe);
	switch (h.state) {
	case HP_STATE_EXITED:
		snprintf(p->state, sizeof(p->state), "exited (%d)", h.exit_status);
		break;
	case HP_STATE_SIGNALED:
		snprintf(p->state, sizeof(p->state), "killed (sig %d)", h.term_signal);
		break;
	case HP_STATE_EXECED: snprintf(p->state, sizeof(p->state), "exec'd"); break;
	default:
		snprintf(p->state, sizeof(p->state), "%s",
			 hp_region_writer_alive(&h) ? "running" : "gone");
	}
}

static int was_seen(struct hp_console *c, const char *path)
{
	for (int i = 0; i < c->nseen; i++)
		if (!strcmp(c->seen_paths[i], path))
			return 1;
	return 0;
}

int hp_con_picker_refresh(struct hp_console *c)
{
	char **paths = NULL;
	int n = hp_region_list(0, 0, &paths);
	if (n < 0)
		n = 0;
	struct hp_pick *v = calloc((size_t)n + 1, sizeof(*v));
	if (!v) {
		hp_paths_free(paths, n);
		return 0;
	}
	const char *follow = NULL;
	for (int i = 0; i < n; i++) {
		v[i].path = strdup(paths[i]);
		describe(&v[i], paths[i]);
		/* Followed: only the user's own regions (root's too: not another user's). */
		if (c->picker_listed && c->follow && !follow && v[i].own &&
		    !was_seen(c, paths[i]) && !strcmp(v[i].state, "running") &&
		    (!c->filter[0] || strcasestr(v[i].cmd, c->filter)))
			follow = v[i].path;
	}
	pick_free(c->picks, c->npicks);
	c->picks = v;
	c->npicks = n;
	/* Seen: what was listed with its header. A region the library is still creating (no
	 * magic yet, under load for a while) stays a candidate for the next refresh. */
	int nseen = 0;
	for (int i = 0; i < n; i++) {
		if (v[i].readable || !v[i].own)
			paths[nseen++] = paths[i];
		else
			free(paths[i]);
	}
	hp_paths_free(c->seen_paths, c->nseen);
	c->seen_paths = paths;
	c->nseen = nseen;
	c->picker_listed = 1;
	if (follow) {
		hp_con_picker_leave(c);
		hp_con_attach(c, follow);
		snprintf(c->status, sizeof(c->status),
			 "followed new process %d (b: back to the list)",
			 c->attached ? c->reg.h->pid : 0);
		return 1;
	}
	return 0;
}

void hp_con_picker_leave(struct hp_console *c)
{
	c->mode = HP_CON_DASH;
	snprintf(c->pick_filter, sizeof(c->pick_filter), "%s", c->filter);
	c->filter[0] = c->edit[0] = 0;
}

void hp_con_picker_back(struct hp_console *c)
{
	c->mode = HP_CON_PICKER;
	snprintf(c->filter, sizeof(c->filter), "%s", c->pick_filter);
}

void hp_con_picker_open(struct hp_console *c)
{
	uint64_t id = hp_con_table_selected(c, &hp_pane_picker);
	if (!id || (int)id > c->npicks)
		return;
	hp_con_picker_leave(c);
	hp_con_attach(c, c->picks[id - 1].path);
}

static size_t count(struct hp_console *c)
{
	return (size_t)c->npicks;
}

static const char *label(struct hp_console *c, size_t i)
{
	return c->picks[i].cmd[0] ? c->picks[i].cmd : c->picks[i].path;
}

static uint64_t id(struct hp_console *c, size_t i)
{
	(void)c;
	return i + 1;
}

static double age_s(const struct hp_pick *p)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return p->start_realtime_ns ? (double)(now - p->start_realtime_ns) / 1e9 : -1;
}

static double pid(struct hp_console *c, size_t i, int arg)
{
	return c->picks[i].pid;
}

/* By start time: descending is newest first. */
static double started(struct hp_console *c, size_t i, int arg)
{
	return (double)c->picks[i].start_realtime_ns;
}

static double liveness(struct hp_console *c, size_t i, int arg)
{
	const struct hp_pick *p = &c->picks[i];
	return !strcmp(p->state, "running") ? 2 : p->readable;
}

static void name_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%s", label(c, i));
}

static void pid_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%d", c->picks[i].pid);
}

static void age_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	const struct hp_pick *p = &c->picks[i];
	if (p->start_realtime_ns)
		hp_con_fmt_age(buf, size, age_s(p));
	else
		snprintf(buf, size, "-");
}

static void state_text(struct hp_console *c, size_t i, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%s", c->picks[i].state);
}

static const struct hp_col cols[] = {
	{.title = "Command", .width = 24, .text_key = 1, .fmt = HP_COL_TEXT, .text = name_text},
	{.title = "PID", .width = 8, .right = 1, .fmt = HP_COL_TEXT, .get = pid, .text = pid_text},
	{.title = "Age",
	 .width = 8,
	 .right = 1,
	 .fmt = HP_COL_TEXT,
	 .get = started,
	 .text = age_text},
	{.title = "State", .width = 14, .fmt = HP_COL_TEXT, .get = liveness, .text = state_text},
};

static const char *empty(struct hp_console *c)
{
	(void)c;
	return "no profiled process: start one with 'hotpath run --keep-regions ./prog' or "
	       "'LD_PRELOAD=/path/to/libhotpath.so ./prog'; waiting for one";
}

const struct hp_pane_ops hp_pane_picker = {
	.name = "Processes",
	HP_PANE_COLS(cols),
	.count = count,
	.label = label,
	.id = id,
	.empty = empty,
	.default_sort = 2,
};
