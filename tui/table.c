/* table.c - the table every tab is: columns fitted to the terminal width (the name column
 * takes what is left, columns that do not fit are dropped from the right), rows filtered by
 * the `/` substring, sorted by any column (s / < > choose, r reverses), a selection that
 * follows its row across refreshes, and scrolling. */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

#define MIN_NAME_COLS 16

struct ent {
	size_t i;
	double k;
	const char *label;
};

/* The pane's columns for the current model: its list, or what its columns() makes of it. */
static int pane_columns(struct hp_console *c, const struct hp_pane_ops *p, struct hp_col *cols)
{
	if (p->columns)
		return p->columns(c, cols, HP_CON_MAX_COLS);
	int n = p->ncols < HP_CON_MAX_COLS ? p->ncols : HP_CON_MAX_COLS;
	memcpy(cols, p->cols, (size_t)n * sizeof(*cols));
	return n;
}

static double col_value(struct hp_console *c, const struct hp_col *col, size_t i)
{
	return col->get ? col->get(c, i, col->arg) : NAN;
}

/* Row i's cell of column `col`, drawn the way the column says. */
static void col_cell(struct hp_console *c, const struct hp_col *col, size_t i, char *buf,
		     size_t size)
{
	double v = col_value(c, col, i);

	switch (col->fmt) {
	case HP_COL_COUNT: hp_con_fmt_count(buf, size, v); break;
	case HP_COL_NS: hp_fmt_ns(buf, size, v); break;
	case HP_COL_NS_ROUND: hp_fmt_ns(buf, size, isnan(v) ? v : round(v)); break;
	case HP_COL_BYTES: hp_con_fmt_bytes(buf, size, v); break;
	case HP_COL_PCT: snprintf(buf, size, isnan(v) ? "-" : "%.2f%%", v); break;
	case HP_COL_RATE: hp_con_fmt_rate(buf, size, v); break;
	default:
		if (col->text)
			col->text(c, i, v, buf, size);
	}
}

/* The rows of the last draw, in display order: what the keys move over. */
static struct ent *shown;
static size_t nshown, shown_cap;
static int page_rows = 1;
static int sort_desc_now;

static int cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int r;
	if (x->label && y->label && isnan(x->k) && isnan(y->k))
		r = strcmp(x->label, y->label);
	else if (isnan(x->k) || isnan(y->k))
		r = isnan(x->k) - isnan(y->k); /* unknown values last whatever the direction */
	else
		r = x->k < y->k ? -1 : x->k > y->k ? 1 : 0;
	if (!isnan(x->k) && !isnan(y->k) && sort_desc_now)
		r = -r;
	if (!r)
		r = x->i < y->i ? -1 : x->i > y->i;
	return r;
}

struct hp_pane_state *hp_con_pane_state(struct hp_console *c)
{
	return &c->ps[c->mode == HP_CON_PICKER ? HP_CON_MAX_PANES - 1 : c->tab];
}

static struct hp_pane_state *state_of(struct hp_console *c, const struct hp_pane_ops *p,
				      const struct hp_col *cols, int ncols)
{
	struct hp_pane_state *ps = hp_con_pane_state(c);
	if (!ps->sort_set) {
		int d = p->default_sort < 0 ? ncols + p->default_sort : p->default_sort;
		ps->sort_col = d >= 0 && d < ncols ? d : 0;
		ps->sort_desc = !cols[ps->sort_col].text_key;
		ps->sort_set = 1;
	}
	if (ps->sort_col >= ncols)
		ps->sort_col = 0;
	return ps;
}

/* What `shown` was sorted for, when the pane's rows change only with the model: a key that
 * moves the selection then redraws without sorting again (100,000 functions took 30-60 ms a
 * key, and each refresh of such a model takes more). */
static struct {
	const struct hp_pane_ops *p;
	uint64_t model_gen;
	int sort_col, sort_desc;
	size_t n;
	char filter[HP_CON_FILTER_MAX];
} sorted_for;

static int still_sorted(struct hp_console *c, const struct hp_pane_ops *p, struct hp_pane_state *ps,
			size_t n)
{
	return p->model_rows && sorted_for.p == p && sorted_for.model_gen == c->model_gen &&
	       sorted_for.sort_col == ps->sort_col && sorted_for.sort_desc == ps->sort_desc &&
	       sorted_for.n == n && !strcmp(sorted_for.filter, c->filter);
}

static void keep_selection(struct hp_console *c, const struct hp_pane_ops *p,
			   struct hp_pane_state *ps)
{
	if (ps->sel >= (int)nshown)
		ps->sel = nshown ? (int)nshown - 1 : 0;
	if (ps->sel < 0)
		ps->sel = 0;
	ps->sel_id = nshown ? p->id(c, shown[ps->sel].i) : 0;
}

/* Filter and sort the pane's rows into `shown`. */
static void collect(struct hp_console *c, const struct hp_pane_ops *p, const struct hp_col *cols,
		    struct hp_pane_state *ps)
{
	size_t n = p->count(c);
	if (still_sorted(c, p, ps, n)) {
		keep_selection(c, p, ps); /* only a key moved it, by index */
		return;
	}
	sorted_for.p = p->model_rows ? p : NULL;
	sorted_for.model_gen = c->model_gen;
	sorted_for.sort_col = ps->sort_col;
	sorted_for.sort_desc = ps->sort_desc;
	sorted_for.n = n;
	snprintf(sorted_for.filter, sizeof(sorted_for.filter), "%s", c->filter);
	if (n > shown_cap) {
		struct ent *ne = realloc(shown, n * sizeof(*ne));
		if (!ne) {
			nshown = 0;
			sorted_for.p = NULL;
			return;
		}
		shown = ne;
		shown_cap = n;
	}
	nshown = 0;
	int text = cols[ps->sort_col].text_key;
	for (size_t i = 0; i < n; i++) {
		const char *label = p->label(c, i);
		if (c->filter[0] && (!label || !strcasestr(label, c->filter)))
			continue;
		struct ent *e = &shown[nshown++];
		e->i = i;
		e->label = label ? label : "";
		e->k = text || p->ordered ? NAN : col_value(c, &cols[ps->sort_col], i);
	}
	sort_desc_now = ps->sort_desc;
	if (p->ordered) {
		/* the pane's order (pane_tree.c sorts siblings itself) */
	} else if (text && ps->sort_desc) {
		/* Text descending: sort ascending then reverse. */
		sort_desc_now = 0;
		qsort(shown, nshown, sizeof(*shown), cmp_ent);
		for (size_t a = 0, b = nshown ? nshown - 1 : 0; a < b; a++, b--) {
			struct ent t = shown[a];
			shown[a] = shown[b];
			shown[b] = t;
		}
	} else {
		qsort(shown, nshown, sizeof(*shown), cmp_ent);
	}
	/* Keep the selected row selected. */
	if (ps->sel_id) {
		for (size_t k = 0; k < nshown; k++)
			if (p->id(c, shown[k].i) == ps->sel_id) {
				ps->sel = (int)k;
				break;
			}
	}
	keep_selection(c, p, ps);
}

/* Which columns fit in `width`: fills vis[] and the name column's width. */
static int layout(const struct hp_col *cols, int ncols, int width, int *vis, int *name_w)
{
	int used = 0, nv = 1;
	vis[0] = 0;
	for (int i = 1; i < ncols; i++) {
		if (width - used - (cols[i].width + 1) < MIN_NAME_COLS)
			break;
		used += cols[i].width + 1;
		vis[nv++] = i;
	}
	*name_w = width - used;
	return nv;
}

void hp_con_table_draw(struct hp_console *c, const struct hp_pane_ops *p, int y, int h)
{
	struct hp_col cols[HP_CON_MAX_COLS];
	int ncols = pane_columns(c, p, cols);
	struct hp_pane_state *ps = state_of(c, p, cols, ncols);
	if (p->summary) {
		int k = p->summary(c, y, c->cols, h > 4 ? 3 : 0);
		y += k;
		h -= k;
	}
	if (h < 2)
		return;
	collect(c, p, cols, ps);
	int vis[HP_CON_MAX_COLS], name_w;
	int nv = layout(cols, ncols, c->cols, vis, &name_w);

	/* Header. */
	attron(hp_con_attr(c, HP_A_HEADER));
	mvhline(y, 0, ' ', c->cols);
	for (int k = 0, x = 0; k < nv; k++) {
		int ci = vis[k], w = ci ? cols[ci].width : name_w - 1;
		char title[64];
		const char *arrow = ci != ps->sort_col ? ""
				    : c->utf8	       ? (ps->sort_desc ? "▼" : "▲")
						       : (ps->sort_desc ? "v" : "^");
		snprintf(title, sizeof(title), "%s%s", cols[ci].title, arrow);
		hp_con_put(c, y, x, w, title, cols[ci].right, 0);
		x += w + 1;
	}
	attroff(hp_con_attr(c, HP_A_HEADER));
	y++;
	h--;
	page_rows = h > 0 ? h : 1;

	if (!nshown) {
		const char *why = p->empty ? p->empty(c) : NULL;
		char buf[256];
		if (c->filter[0] && p->count(c))
			snprintf(buf, sizeof(buf),
				 "no rows match the filter '%s' (/ to change, Esc in it to clear)",
				 c->filter);
		else
			snprintf(buf, sizeof(buf), "%s",
				 why		? why
				 : c->have_proc ? "nothing recorded yet"
						: "");
		attron(hp_con_attr(c, HP_A_DIM));
		hp_con_put(c, y + 1, 2, c->cols - 4, buf, 0, 0);
		attroff(hp_con_attr(c, HP_A_DIM));
		return;
	}
	if (ps->sel < ps->top)
		ps->top = ps->sel;
	if (ps->sel >= ps->top + h)
		ps->top = ps->sel - h + 1;
	if (ps->top > (int)nshown - h)
		ps->top = (int)nshown - h > 0 ? (int)nshown - h : 0;
	for (int r = 0; r < h && ps->top + r < (int)nshown; r++) {
		size_t i = shown[ps->top + r].i;
		int selected = ps->top + r == ps->sel && c->mode != HP_CON_INSPECT;
		if (selected) {
			attron(hp_con_attr(c, HP_A_SELECTED));
			mvhline(y + r, 0, ' ', c->cols);
		}
		for (int k = 0, x = 0; k < nv; k++) {
			int ci = vis[k], w = ci ? cols[ci].width : name_w - 1;
			char cell[512];
			cell[0] = 0;
			col_cell(c, &cols[ci], i, cell, sizeof(cell));
			hp_con_put(c, y + r, x, w, cell, cols[ci].right, 0);
			x += w + 1;
		}
		if (selected)
			attroff(hp_con_attr(c, HP_A_SELECTED));
	}
}

void hp_con_table_key(struct hp_console *c, const struct hp_pane_ops *p, int ch)
{
	struct hp_pane_state *ps = hp_con_pane_state(c);
	struct hp_col cols[HP_CON_MAX_COLS];
	int ncols = pane_columns(c, p, cols);
	int moved = 1;
	switch (ch) {
	case KEY_UP:
	case 'k': ps->sel--; break;
	case KEY_DOWN:
	case 'j': ps->sel++; break;
	case KEY_PPAGE: ps->sel -= page_rows; break;
	case KEY_NPAGE:
	case ' ': ps->sel += page_rows; break;
	case KEY_HOME:
	case 'g': ps->sel = 0; break;
	case KEY_END:
	case 'G': ps->sel = (int)nshown - 1; break;
	case 's':
	case '>':
	case '<':
		moved = 0;
		ps->sort_col = (ps->sort_col + (ch == '<' ? ncols - 1 : 1)) % ncols;
		ps->sort_desc = !cols[ps->sort_col].text_key;
		ps->sort_set = 1;
		break;
	case 'r':
		moved = 0;
		ps->sort_desc = !ps->sort_desc;
		break;
	default: return;
	}
	if (!moved)
		return;
	if (ps->sel >= (int)nshown)
		ps->sel = (int)nshown - 1;
	if (ps->sel < 0)
		ps->sel = 0;
	ps->sel_id = nshown ? p->id(c, shown[ps->sel].i) : 0;
}

uint64_t hp_con_table_selected(struct hp_console *c, const struct hp_pane_ops *p)
{
	struct hp_pane_state *ps = hp_con_pane_state(c);
	return nshown && ps->sel < (int)nshown ? p->id(c, shown[ps->sel].i) : 0;
}

void hp_con_table_sort_label(struct hp_console *c, const struct hp_pane_ops *p, char *buf, size_t n)
{
	struct hp_col cols[HP_CON_MAX_COLS];
	int ncols = pane_columns(c, p, cols);
	struct hp_pane_state *ps = state_of(c, p, cols, ncols);
	snprintf(buf, n, "%s %s", cols[ps->sort_col].title,
		 c->utf8 ? (ps->sort_desc ? "▼" : "▲") : (ps->sort_desc ? "v" : "^"));
}
