/* flame.h - flame graph renderers: Brendan Gregg's folded stacks (flame_folded.c) and a
 * self-contained interactive SVG (flame_svg.c). Their input is a list of stacks — frames
 * outermost first and a value — so any producer can use them: the call tree's self times
 * (report_tree.c), CPU samples. Neither reads a region. */
#ifndef HP_FLAME_H
#define HP_FLAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct hp_flame_frame {
	const char *name;
	const char *module; /* NULL when unknown */
};

struct hp_flame_stack {
	struct hp_flame_frame *frames; /* outermost first */
	size_t n;
	uint64_t value; /* ns of self time, or samples */
	uint64_t calls; /* calls of the innermost frame on this path; 0 when not counted */
};

struct hp_flame_opts {
	const char *title; /* "hotpath: ./prog", shown atop the SVG */
	const char *unit;  /* "ns" (values are times, shown formatted) or "samples" */
};

/* One line per stack with a non-zero value: "a;b;c 1234\n". ';' inside a name becomes ':' and
 * line breaks become spaces, so every line parses. Returns 0 or -EIO. */
int hp_flame_folded(FILE *f, const struct hp_flame_stack *s, size_t n);

/* One SVG document: stacks merged by frame path, each frame as wide as its value; a tooltip
 * with name, module, calls, total and self; click a frame to zoom, a search box that
 * highlights matches and shows their share. Returns 0, -ENOMEM or -EIO. */
int hp_flame_svg(FILE *f, const struct hp_flame_stack *s, size_t n, const struct hp_flame_opts *o);

#endif
