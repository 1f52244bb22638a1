/* dashboard.c - the console's main loop: refresh on the interval, draw a frame (title, tabs, the
 * pane or the Inspect view, footer, help), and the keys. Keys follow hotpath-rs where it has
 * them: 1-5 tabs, p pause, q quit, i inspect, h/l/j/k and arrows. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

/* The tabs, in order (key 1 is the first). A new tab: a pane_*.c file and a row here. */
static const struct hp_pane_ops *const panes[] = {
	&hp_pane_functions, &hp_pane_memory, &hp_pane_channels, &hp_pane_locks,
	&hp_pane_threads,   &hp_pane_tree,   &hp_pane_cpu,
};
#define NPANES ((int)(sizeof(panes) / sizeof(panes[0])))

static const char *const help_lines[] = {
	"1-7, Tab, h/l, Left/Right   switch tab (Tree tab: Tab and 1-7 only)",
	"j/k, Up/Down, PgUp/PgDn     move the selection (g/G: first/last)",
	"s or >, <                   sort by the next / previous column",
	"r                           reverse the sort",
	"/                           filter rows by substring (Enter keeps, Esc clears)",
	"Enter or i                  inspect the selected function",
	"+/Right, -/Left             Tree tab: open / close the selected call path",
	"a                           Memory tab: allocation stacks / functions",
	"Esc or b                    back (Inspect -> table -> process list)",
	"p                           pause / resume updates",
	"o                           the program's output (hotpath run --console)",
	"?                           this help",
	"q                           quit",
	"",
	"Rates (calls/s, CPU %) are measured between two refreshes.",
	"Times are wall-clock and inclusive; % Total may exceed 100% with threads.",
};

static void draw_title(struct hp_console *c)
{
	char line[512], up[32];
	attron(hp_con_attr(c, HP_A_TITLE));
	mvhline(0, 0, ' ', c->cols);
	if (c->mode == HP_CON_PICKER) {
		snprintf(line, sizeof(line), " hotpath console | profiled processes%s%s",
			 c->follow ? " | following new ones" : "", c->paused ? " | PAUSED" : "");
	} else if (c->have_proc) {
		const struct hp_proc *p = &c->proc;
		hp_con_fmt_age(up, sizeof(up), (double)p->wall_ns / 1e9);
		char every[48];
		double eff = (double)hp_con_interval_ns(c) / 1e9;
		if (eff > c->interval_s * 1.05)
			snprintf(every, sizeof(every), "%gs (%.1fs: large model)", c->interval_s,
				 eff);
		else
			snprintf(every, sizeof(every), "%gs", c->interval_s);
		snprintf(line, sizeof(line),
			 " hotpath console | pid %d | %s | %s %s | every %s%s%s%s", p->pid,
			 hp_base_name(p->argc  ? p->argv[0]
				      : p->exe ? p->exe
					       : "?"),
			 p->state == HP_PS_RUNNING ? "up" : "ran", up, every,
			 c->paused ? " | PAUSED" : "", c->log_path ? " | output: " : "",
			 c->log_path ? c->log_path : "");
	} else {
		snprintf(line, sizeof(line), " hotpath console | pid %d%s", c->want_pid,
			 c->paused ? " | PAUSED" : "");
	}
	hp_con_put(c, 0, 0, c->cols, line, 0, 0);
	attroff(hp_con_attr(c, HP_A_TITLE));
}

static void draw_tabs(struct hp_console *c)
{
	int x = 1;
	for (int i = 0; i < NPANES && x < c->cols; i++) {
		char t[48];
		snprintf(t, sizeof(t), " %d %s ", i + 1, panes[i]->name);
		int sel = i == c->tab && c->mode == HP_CON_DASH;
		if (sel)
			attron(hp_con_attr(c, HP_A_SELECTED) | A_BOLD);
		hp_con_put(c, 1, x, c->cols - x, t, 0, 0);
		if (sel)
			attroff(hp_con_attr(c, HP_A_SELECTED) | A_BOLD);
		x += hp_con_text_cols(t) + 1;
	}
}

/* A long message wrapped over the lines from y. Returns the next free line. */
static int draw_wrapped(struct hp_console *c, int y, const char *msg, int attr)
{
	int w = c->cols - 4;
	const char *s = msg;
	attron(attr);
	while (*s && y < c->rows - 1 && w > 10) {
		int n = (int)strlen(s);
		if (n > w) {
			n = w;
			while (n > w / 2 && s[n] != ' ')
				n--;
			if (s[n] != ' ')
				n = w;
		}
		char line[512];
		snprintf(line, sizeof(line), "%.*s", n, s);
		hp_con_put(c, y++, 2, w, line, 0, 0);
		s += n;
		while (*s == ' ')
			s++;
	}
	attroff(attr);
	return y;
}

static void draw_footer(struct hp_console *c, const struct hp_pane_ops *p)
{
	char line[512], sort[64];
	int y = c->rows - 1;
	if (c->filtering) {
		snprintf(line, sizeof(line), "/%s_   (Enter: keep, Esc: clear)", c->edit);
		hp_con_put(c, y, 0, c->cols, line, 0, 1);
		return;
	}
	hp_con_table_sort_label(c, p, sort, sizeof(sort));
	if (c->mode == HP_CON_INSPECT)
		snprintf(line, sizeof(line), "Esc back  p %s  q quit  ? help",
			 c->paused ? "resume" : "pause");
	else if (c->mode == HP_CON_PICKER)
		snprintf(line, sizeof(line),
			 "Enter attach  s sort: %s  / filter  p %s  q quit  ? help%s%s", sort,
			 c->paused ? "resume" : "pause", c->filter[0] ? "  filter: " : "",
			 c->filter);
	else
		snprintf(line, sizeof(line),
			 "q quit  p %s  s sort: %s  r rev  / filter  %s%s1-%d tabs  ? help%s%s",
			 c->paused ? "resume" : "pause", sort, p->inspectable ? "i inspect  " : "",
			 c->log_path ? "o output  " : "", NPANES, c->filter[0] ? "  filter: " : "",
			 c->filter);
	attron(hp_con_attr(c, HP_A_TITLE));
	mvhline(y, 0, ' ', c->cols);
	hp_con_put(c, y, 0, c->cols, line, 0, 0);
	attroff(hp_con_attr(c, HP_A_TITLE));
	if (c->status[0]) {
		int w = hp_con_text_cols(c->status) + 2;
		if (w > c->cols / 2)
			w = c->cols / 2;
		attron(hp_con_attr(c, HP_A_WARN));
		hp_con_put(c, y, c->cols - w, w, c->status, 1, 1);
		attroff(hp_con_attr(c, HP_A_WARN));
	}
}

static void draw(struct hp_console *c)
{
	const struct hp_pane_ops *p = c->mode == HP_CON_PICKER ? &hp_pane_picker : panes[c->tab];
	erase();
	if (c->rows < 6 || c->cols < 30) {
		hp_con_put(c, 0, 0, c->cols, "terminal too small", 0, 0);
		refresh();
		return;
	}
	draw_title(c);
	int y = 2;
	if (c->mode == HP_CON_PICKER) {
		hp_con_table_draw(c, p, y, c->rows - 1 - y);
	} else {
		draw_tabs(c);
		if (c->ended[0]) {
			attron(hp_con_attr(c, HP_A_WARN));
			hp_con_put(c, y++, 1, c->cols - 2, c->ended, 0, 0);
			attroff(hp_con_attr(c, HP_A_WARN));
		}
		if (c->show_log && c->log_path)
			hp_con_log_draw(c, y, c->rows - 1 - y);
		else if (!c->attached && c->message[0])
			draw_wrapped(c, y + 1, c->message, hp_con_attr(c, HP_A_WARN));
		else if (c->mode == HP_CON_INSPECT)
			hp_con_inspect_draw(c, y);
		else
			hp_con_table_draw(c, p, y, c->rows - 1 - y);
	}
	draw_footer(c, p);
	if (c->help)
		hp_con_box(c, "hotpath console: keys (any key closes)", help_lines,
			   (int)(sizeof(help_lines) / sizeof(help_lines[0])));
	refresh();
}

static void filter_key(struct hp_console *c, int ch)
{
	size_t n = strlen(c->edit);
	if (ch == 27) { /* Esc: clear */
		c->edit[0] = c->filter[0] = 0;
		c->filtering = 0;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		c->filtering = 0;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n)
			c->edit[n - 1] = 0;
	} else if (ch >= 32 && ch < 256 && ch != 127 && n + 1 < sizeof(c->edit)) {
		c->edit[n] = (char)ch;
		c->edit[n + 1] = 0;
	}
	snprintf(c->filter, sizeof(c->filter), "%s", c->edit);
}

static void go_back(struct hp_console *c, int from_picker)
{
	if (c->mode == HP_CON_INSPECT) {
		hp_con_inspect_close(c);
	} else if (c->mode == HP_CON_DASH && from_picker) {
		hp_con_detach(c);
		c->message[0] = 0;
		c->want_pid = 0;
		hp_con_picker_back(c);
		c->follow = 0; /* the user chooses from now on */
		hp_con_picker_refresh(c);
	}
}

/* Esc, b, Backspace: close the log, clear a filter (Esc), or go back a level. */
static void back_key(struct hp_console *c, int ch, int from_picker)
{
	if (c->show_log)
		c->show_log = 0;
	else if (c->mode != HP_CON_INSPECT && c->filter[0] && ch == 27)
		c->filter[0] = c->edit[0] = 0; /* Esc clears a filter first */
	else
		go_back(c, from_picker);
}

/* Enter, i: attach to the picked process, inspect the selected row, or close the inspector. */
static void open_key(struct hp_console *c, const struct hp_pane_ops *p, int ch)
{
	if (c->mode == HP_CON_PICKER)
		hp_con_picker_open(c);
	else if (c->mode == HP_CON_DASH && p->inspectable && c->have_proc)
		hp_con_inspect_open(c, hp_con_table_selected(c, p));
	else if (c->mode == HP_CON_INSPECT && ch == 'i')
		hp_con_inspect_close(c);
}

/* Tab, arrows, h/l, 1..N: another pane of the dashboard (not from the picker). */
static void show_tab(struct hp_console *c, int tab)
{
	if (c->mode == HP_CON_PICKER)
		return;
	c->show_log = 0;
	c->tab = tab;
	c->mode = HP_CON_DASH;
}

/* Returns 1 when the model should be refreshed now (e.g. after attaching). */
static int key(struct hp_console *c, int ch, int from_picker)
{
	const struct hp_pane_ops *p = c->mode == HP_CON_PICKER ? &hp_pane_picker : panes[c->tab];
	c->status[0] = 0;
	if (c->help) {
		c->help = 0;
		return 0;
	}
	if (c->filtering) {
		filter_key(c, ch);
		return 0;
	}
	if (c->mode == HP_CON_DASH && !c->show_log && p->keypress && c->have_proc &&
	    p->keypress(c, ch))
		return 0;
	switch (ch) {
	case 'q':
	case 'Q': c->quit = 1; return 0;
	case '?': c->help = 1; return 0;
	case 'p':
	case 'P': c->paused = !c->paused; return !c->paused;
	case '/':
		if (c->mode != HP_CON_INSPECT) {
			c->filtering = 1;
			snprintf(c->edit, sizeof(c->edit), "%s", c->filter);
		}
		return 0;
	case 'o': c->show_log = c->log_path && !c->show_log; return 0;
	case 27:
	case 'b':
	case KEY_BACKSPACE:
	case 127: back_key(c, ch, from_picker); return 0;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case 'i': open_key(c, p, ch); return 0;
	case '\t':
	case KEY_RIGHT:
	case 'l': show_tab(c, (c->tab + 1) % NPANES); return 0;
	case KEY_BTAB:
	case KEY_LEFT:
	case 'h': show_tab(c, (c->tab + NPANES - 1) % NPANES); return 0;
	default:
		if (ch >= '1' && ch < '1' + NPANES && c->mode != HP_CON_PICKER) {
			show_tab(c, ch - '1');
			return 0;
		}
		if (c->mode != HP_CON_INSPECT)
			hp_con_table_key(c, p, ch);
		return 0;
	}
}

int hp_console_run(struct hp_console *c)
{
	int from_picker = c->want_pid <= 0;
	int rc = hp_con_screen_start(c);
	if (rc < 0) {
		hp_con_screen_stop();
		fprintf(stderr,
			"hotpath: console: needs a terminal (stdin and stdout a tty, TERM set)\n");
		return -1;
	}
	hp_con_source_init(c);
	c->mode = from_picker ? HP_CON_PICKER : HP_CON_DASH;
	int64_t next = 0, interval = (int64_t)(c->interval_s * 1e9);
	/* Attaching refreshes once: the next one (and the first rate) an interval later. */
	if (!from_picker && hp_con_attach(c, NULL) == 0)
		next = hp_con_now_ns() + interval;
	int sig = 0;
	while (!c->quit) {
		int64_t now = hp_con_now_ns();
		interval = hp_con_interval_ns(c);
		if (!c->paused && now >= next) {
			if (c->mode == HP_CON_PICKER)
				hp_con_picker_refresh(c);
			else
				hp_con_refresh(c);
			interval = hp_con_interval_ns(c);
			next = now + interval;
			/* Waiting for a region (a process starting): look again soon. */
			if (c->mode != HP_CON_PICKER && !c->attached && !c->no_retry &&
			    interval > 200000000)
				next = now + 200000000;
		}
		draw(c);
		int64_t left = next - hp_con_now_ns();
		int tmo = c->paused ? -1 : left > 0 ? (int)(left / 1000000) + 1 : 0;
		int ch = hp_con_wait(c, tmo, &sig);
		if (ch < 0)
			break;
		int was_picker = c->mode == HP_CON_PICKER;
		if (ch && key(c, ch, from_picker))
			next = 0;
		if (was_picker && c->mode != HP_CON_PICKER)
			next = hp_con_now_ns() + interval; /* attach refreshed already */
		else if (!was_picker && c->mode == HP_CON_PICKER)
			next = hp_con_now_ns() + interval;
	}
	hp_con_screen_stop();
	hp_con_source_free(c);
	hp_con_picker_free(c);
	return sig ? 128 + sig : 0;
}
