/* screen.c - the console's terminal: curses set-up, restore on every way out (q, SIGINT,
 * SIGTERM, SIGHUP, a crash), waiting for keys and signals, and the drawing helpers.
 *
 * Signals: SIGINT/SIGTERM/SIGHUP/SIGQUIT write their number into a self-pipe that the main loop
 * polls beside the terminal, so the loop ends normally and calls endwin(). A fatal signal
 * (SIGSEGV, SIGABRT, ...) restores the saved termios and leaves the alternate screen with
 * async-signal-safe calls only, then dies of the same signal. SIGBUS while the model is read
 * from a region that was truncated under us jumps back to source.c (hp_con_read_guard). */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "screen_guard.h"
/* After console.h: term.h defines macros named columns, lines and tab. */
#include <term.h>

static int sig_pipe[2] = {-1, -1};
static int screen_on;
static struct termios saved_tio;
static int have_tio;
static char leave_seq[128]; /* rmcup + cnorm + sgr0, captured at start for the crash path */
static size_t leave_len;

volatile sig_atomic_t hp_con_in_read;
sigjmp_buf hp_con_read_jmp;

static void on_quit_signal(int sig)
{
	int e = errno;
	unsigned char b = (unsigned char)sig;
	if (sig_pipe[1] >= 0 && write(sig_pipe[1], &b, 1) < 0) {
		/* pipe full: a quit is already pending */
	}
	errno = e;
}

static void on_fatal_signal(int sig)
{
	if (sig == SIGBUS && hp_con_in_read)
		siglongjmp(hp_con_read_jmp, 1);
	if (screen_on) {
		if (have_tio)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		if (leave_len && write(STDOUT_FILENO, leave_seq, leave_len) < 0) {
			/* nothing more can be done */
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void at_exit_restore(void)
{
	hp_con_screen_stop();
}

static void capture_leave_seq(void)
{
	const char *caps[] = {"rmcup", "cnorm", "sgr0"};
	leave_len = 0;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char *s = tigetstr((char *)caps[i]);
		if (!s || s == (char *)-1)
			continue;
		size_t n = strlen(s);
		if (leave_len + n < sizeof(leave_seq)) {
			memcpy(leave_seq + leave_len, s, n);
			leave_len += n;
		}
	}
}

int hp_con_screen_start(struct hp_console *c)
{
	setlocale(LC_ALL, "");
	const char *cs = nl_langinfo(CODESET);
	c->utf8 = cs && !strcmp(cs, "UTF-8");
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	struct sigaction sa = {0};
	sa.sa_handler = on_quit_signal;
	sigemptyset(&sa.sa_mask);
	int quit_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	for (size_t i = 0; i < sizeof(quit_sigs) / sizeof(quit_sigs[0]); i++)
		sigaction(quit_sigs[i], &sa, NULL);
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_NODEFER;
	int fatal_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		sigaction(fatal_sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	have_tio = tcgetattr(STDIN_FILENO, &saved_tio) == 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -ENOTTY;
	const char *term = getenv("TERM");
	int err = 0;
	if (!term || !*term || setupterm(NULL, STDOUT_FILENO, &err) != OK)
		return -ENOTTY;
	capture_leave_seq();
	del_curterm(cur_term); /* initscr sets up its own; this one only checked TERM */
	if (!initscr())
		return -ENOTTY;
	screen_on = 1;
	atexit(at_exit_restore);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	c->color = c->color && has_colors() && !getenv("NO_COLOR");
	if (c->color) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_BLACK, COLOR_CYAN);	 /* title */
		init_pair(2, COLOR_CYAN, -1);		 /* header */
		init_pair(3, COLOR_BLACK, COLOR_YELLOW); /* selection */
		init_pair(4, COLOR_RED, -1);		 /* warning */
		init_pair(5, COLOR_GREEN, -1);		 /* bars */
	}
	getmaxyx(stdscr, c->rows, c->cols);
	return 0;
}

void hp_con_screen_stop(void)
{
	if (!screen_on)
		return;
	screen_on = 0;
	curs_set(1);
	endwin();
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	fflush(stdout);
}

int hp_con_wait(struct hp_console *c, int timeout_ms, int *sig)
{
	int ch = getch();
	if (ch == ERR) {
		struct pollfd pf[2] = {{STDIN_FILENO, POLLIN, 0}, {sig_pipe[0], POLLIN, 0}};
		int n = poll(pf, 2, timeout_ms);
		if (n < 0 && errno != EINTR)
			return 0;
		if (n > 0 && (pf[0].revents & (POLLHUP | POLLERR | POLLNVAL))) {
			*sig = SIGHUP; /* the terminal is gone: leave as on a hang-up */
			return -1;
		}
		ch = getch();
	}
	unsigned char b;
	if (read(sig_pipe[0], &b, 1) == 1) {
		*sig = b;
		return -1;
	}
	if (ch == KEY_RESIZE || is_term_resized(c->rows, c->cols)) {
		getmaxyx(stdscr, c->rows, c->cols);
		clearok(curscr, TRUE);
		return ch == KEY_RESIZE ? 0 : ch == ERR ? 0 : ch;
	}
	return ch == ERR ? 0 : ch;
}

int hp_con_attr(const struct hp_console *c, int what)
{
	if (!c->color) {
		switch (what) {
		case HP_A_TITLE: return A_REVERSE;
		case HP_A_HEADER: return A_BOLD | A_UNDERLINE;
		case HP_A_SELECTED: return A_REVERSE;
		case HP_A_WARN: return A_BOLD;
		case HP_A_DIM: return A_DIM;
		case HP_A_BAR: return A_BOLD;
		default: return A_NORMAL;
		}
	}
	switch (what) {
	case HP_A_TITLE: return (int)COLOR_PAIR(1);
	case HP_A_HEADER: return (int)(COLOR_PAIR(2) | A_BOLD);
	case HP_A_SELECTED: return (int)COLOR_PAIR(3);
	case HP_A_WARN: return (int)(COLOR_PAIR(4) | A_BOLD);
	case HP_A_DIM: return A_DIM;
	case HP_A_BAR: return (int)COLOR_PAIR(5);
	case HP_A_GOOD: return (int)COLOR_PAIR(5);
	default: return A_NORMAL;
	}
}

/* Length of the UTF-8 sequence that starts with byte b (1 for stray bytes). */
static int u8len(unsigned char b)
{
	return b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

int hp_con_text_cols(const char *s)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
		int l = u8len(*p);
		for (int k = 0; k < l && *p; k++)
			p++;
	}
	return n;
}

/* Copy at most `w` columns of `s` into out; a cut string ends in an ellipsis. Non-UTF-8
 * terminals get ASCII: µ becomes u, other multi-byte characters '?'. */
static int clip(const struct hp_console *c, const char *s, int w, char *out, size_t size)
{
	int total = hp_con_text_cols(s), cols = 0;
	size_t o = 0;
	int limit = total > w ? w - 1 : w;
	const unsigned char *p = (const unsigned char *)s;
	while (*p && cols < limit && o + 5 < size) {
		int l = u8len(*p);
		if (l == 1) {
			out[o++] = (char)*p++;
		} else if (c->utf8) {
			for (int k = 0; k < l && *p; k++)
				out[o++] = (char)*p++;
		} else {
			out[o++] = p[0] == 0xC2 && p[1] == 0xB5 ? 'u' : '?';
			for (int k = 0; k < l && *p; k++)
				p++;
		}
		cols++;
	}
	if (total > w && w > 0 && o + 4 < size) {
		if (c->utf8) {
			memcpy(out + o, "\xE2\x80\xA6", 3); /* … */
			o += 3;
		} else {
			out[o++] = '~';
		}
		cols++;
	}
	out[o] = 0;
	return cols;
}

void hp_con_put(const struct hp_console *c, int y, int x, int w, const char *s, int right, int pad)
{
	char buf[1024];
	if (w <= 0 || y < 0 || y >= c->rows || x >= c->cols)
		return;
	if (x + w > c->cols)
		w = c->cols - x;
	int n = clip(c, s, w, buf, sizeof(buf));
	int at = x;
	if (right && n < w)
		at = x + (w - n);
	if (pad && (right || n < w))
		mvhline(y, x, ' ', w);
	mvaddstr(y, at, buf);
}

void hp_con_box(struct hp_console *c, const char *title, const char *const *text, int n)
{
	int w = hp_con_text_cols(title) + 4;
	for (int i = 0; i < n; i++) {
		int l = hp_con_text_cols(text[i]) + 4;
		if (l > w)
			w = l;
	}
	if (w > c->cols)
		w = c->cols;
	int h = n + 2 > c->rows ? c->rows : n + 2;
	int y0 = (c->rows - h) / 2, x0 = (c->cols - w) / 2;
	for (int y = 0; y < h; y++)
		mvhline(y0 + y, x0, ' ', w);
	attron(A_BOLD);
	mvhline(y0, x0, '-', w);
	mvhline(y0 + h - 1, x0, '-', w);
	mvvline(y0, x0, '|', h);
	mvvline(y0, x0 + w - 1, '|', h);
	hp_con_put(c, y0, x0 + 2, w - 4, title, 0, 0);
	attroff(A_BOLD);
	for (int i = 0; i < n && i + 1 < h - 1; i++)
		hp_con_put(c, y0 + 1 + i, x0 + 2, w - 4, text[i], 0, 0);
}

void hp_con_fmt_count(char *buf, size_t n, double v)
{
	if (!isfinite(v))
		snprintf(buf, n, "-");
	else if (v < 1e9)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.2fG", v / 1e9);
}

void hp_con_fmt_bytes(char *buf, size_t n, double b)
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB"};
	if (!isfinite(b)) {
		snprintf(buf, n, "-");
		return;
	}
	double a = fabs(b);
	if (a < 1024) {
		snprintf(buf, n, "%.0f B", b);
		return;
	}
	int u = 0;
	for (a /= 1024; a >= 1024 && u < 3; u++)
		a /= 1024;
	snprintf(buf, n, "%s%.2f %s", b < 0 ? "-" : "", a, unit[u]);
}

void hp_con_fmt_rate(char *buf, size_t n, double per_s)
{
	if (!isfinite(per_s) || per_s < 0)
		snprintf(buf, n, "-");
	else if (per_s < 10)
		snprintf(buf, n, "%.1f", per_s);
	else if (per_s < 1e6)
		snprintf(buf, n, "%.0f", per_s);
	else
		snprintf(buf, n, "%.2fM", per_s / 1e6);
}

void hp_con_fmt_age(char *buf, size_t n, double s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, n, "%ds", (int)s);
	else if (s < 3600)
		snprintf(buf, n, "%dm%02ds", (int)s / 60, (int)s % 60);
	else if (s < 86400)
		snprintf(buf, n, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
	else
		snprintf(buf, n, "%dd%02dh", (int)s / 86400, (int)s % 86400 / 3600);
}

void hp_con_spark(const struct hp_console *c, int y, int x, int w, const float *v, int n, int head)
{
	static const char *const blocks[] = {"\xE2\x96\x81", "\xE2\x96\x82", "\xE2\x96\x83",
					     "\xE2\x96\x84", "\xE2\x96\x85", "\xE2\x96\x86",
					     "\xE2\x96\x87", "\xE2\x96\x88"};
	static const char ascii[] = "_.-:=+*#";
	double max = 0;
	for (int i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	int first = n > w ? n - w : 0;
	attron(hp_con_attr(c, HP_A_BAR));
	for (int i = first; i < n; i++, x++) {
		int at = n == HP_CON_SPARK ? (head + i) % HP_CON_SPARK : i;
		int lvl = max > 0 ? (int)(v[at] / max * 7.999) : 0;
		if (lvl < 0)
			lvl = 0;
		if (c->utf8)
			mvaddstr(y, x, blocks[lvl]);
		else
			mvaddch(y, x, (chtype)ascii[lvl]);
	}
	attroff(hp_con_attr(c, HP_A_BAR));
}
