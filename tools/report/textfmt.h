/* textfmt.h - the text report's building blocks, shared by every section's renderer and the
 * console: boxed tables sized by display width, cells cut to a width, times, byte counts,
 * percentile numbers. */
#ifndef HP_TEXTFMT_H
#define HP_TEXTFMT_H

#include <stddef.h>
#include <stdio.h>

#define HP_TT_MAXCOLS 24
#define HP_TT_CELL 512

/* Display columns of UTF-8 text: one per code point (continuation bytes do not count). */
size_t hp_utf8_cols(const char *s);

/* The one escaper of text output (tables, Markdown, the report's lines): copy `s` into buf
 * with every control character shown instead of sent to the terminal: C0 and DEL as \xHH
 * (ESC ] 0 ; … BEL would retitle it, ESC [ 2 J clear it), the C1 controls U+0080–U+009F as
 * \u00HH, and a byte that is not valid UTF-8 as \xHH. Cut at a character boundary to fit
 * `size` (>= 1). Returns buf. */
char *hp_text_escape(char *buf, size_t size, const char *s);

/* Copy `s` into buf (size >= 8), escaped (hp_text_escape) and cut to `cols` columns with a
 * trailing "…" when longer. */
void hp_fit_cols(char *buf, size_t size, const char *s, size_t cols);

/* "512 B", "1.50 KiB", "3.40 MiB" … ; "-" for a negative or non-finite count. */
void hp_fmt_bytes(char *buf, size_t size, double bytes);

/* "209.92 ms", "169.91 µs", "12 ns", "1.23 s", "2m 03.4s": the table's time format. */
void hp_fmt_ns(char *buf, size_t size, double ns);

/* A percentile number as people write it: 95, 99.9 (the fewest decimals that read back the
 * same; hp_pct_decimals says how many), with `point` for the decimal point ('_' in a JSON key).
 * Call with the C locale in effect. */
int hp_pct_decimals(double pct);
void hp_fmt_pct(char *buf, size_t size, double pct, char point);

/* A boxed table: `cell` fills row `row`, column `col` (it is called twice per cell, for the
 * widths and then for the text, so nothing is kept in memory). Every cell is escaped. */
struct hp_textable {
	int ncols;
	const char *hdr[HP_TT_MAXCOLS];
	size_t nrows;
	void (*cell)(const void *ctx, size_t row, int col, char *buf, size_t size);
	const void *ctx;
};

void hp_textable_print(FILE *f, const struct hp_textable *t);

#endif
