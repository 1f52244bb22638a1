/* flame_folded.c - Brendan Gregg's folded stack format ("main;a;c 1234"), as read by
 * flamegraph.pl, inferno and speedscope. */
#include <errno.h>
#include <inttypes.h>

#include "flame.h"

/* A frame name as one field: ';' separates frames and a line is one stack. */
static void put_frame(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		char c = *s;
		putc(c == ';' ? ':' : c == '\n' || c == '\r' ? ' ' : c, f);
	}
	if (!s)
		fputs("?", f);
}

int hp_flame_folded(FILE *f, const struct hp_flame_stack *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!s[i].value || !s[i].n)
			continue;
		for (size_t k = 0; k < s[i].n; k++) {
			if (k)
				putc(';', f);
			put_frame(f, s[i].frames[k].name);
		}
		fprintf(f, " %" PRIu64 "\n", s[i].value);
	}
	return ferror(f) ? -EIO : 0;
}
