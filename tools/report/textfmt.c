/* textfmt.c - boxed text tables, cells cut to a width, times, byte counts, percentile numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textfmt.h"

size_t hp_utf8_cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Bytes of the valid UTF-8 sequence at p (1 for ASCII), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = p[0] < 0x80			  ? 1
		   : p[0] >= 0xC2 && p[0] <= 0xDF ? 2
		   : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
		   : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4
						  : 0;
	for (size_t k = 1; k < n; k++)
		if ((p[k] & 0xC0) != 0x80)
			return 0;
	if ((n == 3 && p[0] == 0xE0 && p[1] < 0xA0) || (n == 4 && p[0] == 0xF0 && p[1] < 0x90) ||
	    (n == 4 && p[0] == 0xF4 && p[1] > 0x8F) || (n == 3 && p[0] == 0xED && p[1] > 0x9F))
		return 0; /* overlong, above U+10FFFF, or a surrogate */
	return n;
}

char *hp_text_escape(char *buf, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p) {
		char esc[8];
		size_t n = utf8_len(p), len;
		if (n == 1 && (*p < 0x20 || *p == 0x7f))
			len = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", *p);
		else if (n == 2 && p[0] == 0xC2 && p[1] < 0xA0) /* C1: U+0080..U+009F */
			len = (size_t)snprintf(esc, sizeof(esc), "\\u00%02x", p[1]);
		else if (!n)
			len = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", *p);
		else
			len = 0;
		size_t take = len ? len : n, step = n ? n : 1;
		if (o + take >= size)
			break;
		memcpy(buf + o, len ? esc : (const char *)p, take);
		o += take;
		p += step;
	}
	if (size)
		buf[o] = 0;
	return buf;
}

void hp_fit_cols(char *buf, size_t size, const char *raw, size_t cols)
{
	char esc[HP_TT_CELL * 2];
	const char *s = hp_text_escape(esc, sizeof(esc), raw);
	size_t o = 0, c = 0, total = hp_utf8_cols(s);

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch & 0xC0) != 0x80 && ++c > (total > cols ? cols - 1 : cols))
			break;
		if (o + 4 >= size)
			break;
		buf[o++] = (char)ch;
	}
	if (total > cols)
		memcpy(buf + o, "…", 4); /* 3 bytes and the NUL */
	else
		buf[o] = 0;
}

void hp_fmt_bytes(char *buf, size_t size, double bytes)
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double scale = 1024, t;

	if (!isfinite(bytes) || bytes < 0) {
		snprintf(buf, size, "-");
		return;
	}
	if ((t = round(bytes)) < 1024) {
		snprintf(buf, size, "%d B", (int)t);
		return;
	}
	for (size_t u = 0; u < sizeof(unit) / sizeof(unit[0]); u++, scale *= 1024) {
		t = round(bytes * 100 / scale);
		if (t < 102400 || u + 1 == sizeof(unit) / sizeof(unit[0])) {
			snprintf(buf, size, "%.0f.%02d %s", floor(t / 100), (int)fmod(t, 100),
				 unit[u]);
			return;
		}
	}
}

static void border(FILE *f, const size_t *width, int ncols)
{
	for (int c = 0; c < ncols; c++) {
		fputc('+', f);
		for (size_t k = 0; k < width[c] + 2; k++)
			fputc('-', f);
	}
	fputs("+\n", f);
}

static void line(FILE *f, const size_t *width, int ncols, char cells[][HP_TT_CELL])
{
	for (int c = 0; c < ncols; c++) {
		fprintf(f, "| %s", cells[c]);
		for (size_t k = hp_utf8_cols(cells[c]); k < width[c] + 1; k++)
			fputc(' ', f);
	}
	fputs("|\n", f);
}

static void escaped_cell(const struct hp_textable *t, size_t row, int col, char *out)
{
	char raw[HP_TT_CELL];
	raw[0] = 0;
	t->cell(t->ctx, row, col, raw, sizeof(raw));
	hp_text_escape(out, HP_TT_CELL, raw);
}

void hp_textable_print(FILE *f, const struct hp_textable *t)
{
	char cells[HP_TT_MAXCOLS][HP_TT_CELL];
	size_t width[HP_TT_MAXCOLS] = {0};
	int ncols = t->ncols < HP_TT_MAXCOLS ? t->ncols : HP_TT_MAXCOLS;

	for (int c = 0; c < ncols; c++)
		width[c] = hp_utf8_cols(t->hdr[c]);
	for (size_t i = 0; i < t->nrows; i++)
		for (int c = 0; c < ncols; c++) {
			escaped_cell(t, i, c, cells[c]);
			size_t w = hp_utf8_cols(cells[c]);
			if (w > width[c])
				width[c] = w;
		}
	border(f, width, ncols);
	for (int c = 0; c < ncols; c++)
		snprintf(cells[c], HP_TT_CELL, "%s", t->hdr[c]);
	line(f, width, ncols, cells);
	border(f, width, ncols);
	for (size_t i = 0; i < t->nrows; i++) {
		for (int c = 0; c < ncols; c++)
			escaped_cell(t, i, c, cells[c]);
		line(f, width, ncols, cells);
	}
	border(f, width, ncols);
}

/* Below 1 µs whole ns ("12 ns"); then two decimals in µs, ms or s ("169.91 µs", "1.23 s");
 * from 60 s minutes and tenths of seconds ("2m 03.4s"). Units are chosen after rounding, so
 * 999.996 µs prints as "1.00 ms", never "1000.00 µs". Digits come from integers: no locale
 * can turn the point into a comma. Negative and non-finite values print as "-". */
void hp_fmt_ns(char *buf, size_t size, double ns)
{
	double t;

	if (!size)
		return;
	if (!isfinite(ns) || ns < 0) {
		snprintf(buf, size, "-");
		return;
	}
	if ((t = round(ns)) < 1000) {
		snprintf(buf, size, "%d ns", (int)t);
	} else if ((t = round(ns / 1e1)) < 100000) {
		snprintf(buf, size, "%d.%02d µs", (int)(t / 100), (int)fmod(t, 100));
	} else if ((t = round(ns / 1e4)) < 100000) {
		snprintf(buf, size, "%d.%02d ms", (int)(t / 100), (int)fmod(t, 100));
	} else if ((t = round(ns / 1e7)) < 6000) {
		snprintf(buf, size, "%d.%02d s", (int)(t / 100), (int)fmod(t, 100));
	} else {
		t = round(ns / 1e8); /* tenths of a second */
		double min = floor(t / 600), tenths = t - min * 600;
		snprintf(buf, size, "%.0fm %02d.%ds", min, (int)(tenths / 10),
			 (int)fmod(tenths, 10));
	}
}

/* A percentile number as people write it: 95, 99.9 (shortest that reads back the same).
 * Called with the C locale in effect. */
int hp_pct_decimals(double pct)
{
	char tmp[64];

	for (int d = 0; d < 10; d++) {
		snprintf(tmp, sizeof(tmp), "%.*f", d, pct);
		if (strtod(tmp, NULL) == pct)
			return d;
	}
	return 10;
}

void hp_fmt_pct(char *buf, size_t size, double pct, char point)
{
	snprintf(buf, size, "%.*f", hp_pct_decimals(pct), pct);
	char *dot = strchr(buf, '.');
	if (dot)
		*dot = point;
}
