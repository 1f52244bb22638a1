/* logview.c - the `o` view of `hotpath run --console`: the last lines of the program's output
 * (the log file the launcher redirected it to), read again on every frame. */
#include <curses.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"

#define TAIL_BYTES 65536

void hp_con_log_draw(struct hp_console *c, int y, int h)
{
	static char buf[TAIL_BYTES + 1];
	char title[600];
	snprintf(title, sizeof(title), "Program output: %s (o or Esc: back)", c->log_path);
	attron(hp_con_attr(c, HP_A_HEADER));
	hp_con_put(c, y, 0, c->cols, title, 0, 1);
	attroff(hp_con_attr(c, HP_A_HEADER));
	y++;
	h--;
	int fd = open(c->log_path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		hp_con_put(c, y + 1, 2, c->cols - 4, "cannot read the log", 0, 0);
		return;
	}
	off_t from = st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
	ssize_t n = pread(fd, buf, TAIL_BYTES, from);
	close(fd);
	if (n <= 0) {
		hp_con_put(c, y + 1, 2, c->cols - 4, "(no output yet)", 0, 0);
		return;
	}
	buf[n] = 0;
	/* Walk back over the last h lines. */
	char *end = buf + n, *start = end;
	if (start > buf && start[-1] == '\n')
		start--;
	for (int lines = 0; start > buf; start--)
		if (start[-1] == '\n' && ++lines == h)
			break;
	for (char *p = start; p < end && h > 0; h--) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl)
			*nl = 0;
		for (char *q = p; *q; q++)
			if ((unsigned char)*q < 32 && *q != '\t')
				*q = ' ';
		hp_con_put(c, y++, 0, c->cols, p, 0, 0);
		if (!nl)
			break;
		p = nl + 1;
	}
}
