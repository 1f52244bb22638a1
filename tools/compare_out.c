/* compare_out.c - `hotpath compare` output: an aligned table for logs, GitHub Markdown for a
 * pull-request comment, JSON (docs/json.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "tools/report/json.h"
#include "tools/report/textfmt.h"

const char *const hp_compare_metric_key[NM] = {"calls",	       "avg_ns",      NULL,
					       "total_ns",     "alloc_bytes", "alloc_count",
					       "lock_wait_ns", "self_ns"};

static const char *const status_word[] = {"slower", "faster", "~ within spread", "new", "gone", ""};
static const char *const status_md[] = {"🔴 slower", "🟢 faster", "⚪ within spread",
					"🆕 new",    "➖ gone",	   ""};

static void fmt_value(char *buf, size_t size, int m, double v)
{
	if (!isfinite(v))
		snprintf(buf, size, "-");
	else if (m == M_CALLS || m == M_ALLOCS)
		snprintf(buf, size, "%.0f", v);
	else if (m == M_BYTES)
		snprintf(buf, size, "%.0f B", v);
	else
		hp_fmt_ns(buf, size, round(v));
}

static void fmt_change(char *buf, size_t size, double c)
{
	if (isnan(c))
		buf[0] = 0;
	else if (isinf(c))
		snprintf(buf, size, "new");
	else if (fabs(c) < 0.05)
		snprintf(buf, size, "=");
	else
		snprintf(buf, size, "%+.1f%%", c);
}

/* "1.02 ms → 2.04 ms +100.0% ▲": the cell of one metric. */
static void cell(char *buf, size_t size, const struct hp_cmp_row *w, int m, int md)
{
	char b[64], h[64], c[32];

	fmt_value(b, sizeof(b), m, w->med[0][m]);
	fmt_value(h, sizeof(h), m, w->med[1][m]);
	fmt_change(c, sizeof(c), w->change[m]);
	const char *mark = w->mark[m] > 0 ? " ▲" : w->mark[m] < 0 ? " ▼" : "";
	if (!w->n[0])
		snprintf(buf, size, "%s", h);
	else if (!w->n[1])
		snprintf(buf, size, "%s", b);
	else if (!strcmp(c, "="))
		snprintf(buf, size, "%s%s", h, md ? "" : " =");
	else if (md)
		snprintf(buf, size, "%s → %s (%s%s)", b, h, c, mark);
	else
		snprintf(buf, size, "%s → %s %s%s", b, h, c, mark);
}

static size_t cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static const char *metric_title(const struct hp_cmp_layout *l, int m)
{
	static const char *const t[NM] = {"Calls", "Avg",    NULL,	  "Total",
					  "Bytes", "Allocs", "Lock wait", "Self"};

	return m == M_PCT ? l->pct_name : t[m];
}

static size_t shown(const struct hp_cmp_row *rows, size_t n, const struct hp_cmp_opts *o)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (!o->limit || k < o->limit || rows[i].status == ST_REGRESSED)
			k = i + 1;
	return k;
}

static void side_desc_raw(char *buf, size_t size, const struct hp_cmp_side *s);

/* "SPEC (N runs: a b c)", escaped for a terminal (hp_text_escape): specs and run names are
 * labels that whoever saved the runs chose. */
static void side_desc(char *out, size_t size, const struct hp_cmp_side *s)
{
	char buf[1024];
	side_desc_raw(buf, sizeof(buf), s);
	hp_text_escape(out, size, buf);
}

static void side_desc_raw(char *buf, size_t size, const struct hp_cmp_side *s)
{
	size_t o = (size_t)snprintf(buf, size, "%s (%zu run%s:", s->spec, s->n,
				    s->n == 1 ? "" : "s");

	for (size_t i = 0; i < s->n && o + 40 < size; i++) {
		if (s->n > 8 && i == 3) {
			o += (size_t)snprintf(buf + o, size - o, " …");
			i = s->n - 2;
			continue;
		}
		o += (size_t)snprintf(buf + o, size - o, " %s", s->names[i]);
	}
	snprintf(buf + o, size - o, ")");
}

static void counts(const struct hp_cmp_row *rows, size_t n, size_t *c)
{
	memset(c, 0, 6 * sizeof(*c));
	for (size_t i = 0; i < n; i++)
		c[rows[i].status]++;
}

void hp_compare_print_table(const struct hp_cmp_row *rows, size_t n, const struct hp_cmp_layout *l,
			    const struct hp_cmp_opts *o, const struct hp_cmp_side *sd)
{
	char cells[NM + 2][256], desc[2][1024];
	size_t width[NM + 2] = {0}, upto = shown(rows, n, o), c[6];

	side_desc(desc[0], sizeof(desc[0]), &sd[0]);
	side_desc(desc[1], sizeof(desc[1]), &sd[1]);
	printf("[hotpath] compare - base %s\n                    head %s\n", desc[0], desc[1]);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i <= upto; i++) {
			int k = 0;
			if (i == 0) {
				snprintf(cells[k++], 256, "Function");
				for (int m = 0; m < NM; m++)
					if (l->show[m])
						snprintf(cells[k++], 256, "%s", metric_title(l, m));
				snprintf(cells[k++], 256, "Status");
			} else {
				const struct hp_cmp_row *w = &rows[i - 1];
				hp_text_escape(cells[k++], 256, w->key);
				for (int m = 0; m < NM; m++)
					if (l->show[m])
						cell(cells[k++], 256, w, m, 0);
				snprintf(cells[k++], 256, "%s", status_word[w->status]);
			}
			for (int x = 0; x < k; x++) {
				size_t cw = cols(cells[x]);
				if (!pass) {
					if (cw > width[x])
						width[x] = cw;
					continue;
				}
				printf("%s%s", x ? "  " : "", cells[x]);
				if (x + 1 < k)
					for (size_t s = cw; s < width[x]; s++)
						putchar(' ');
			}
			if (pass)
				putchar('\n');
		}
	}
	if (upto < n)
		printf("(%zu more unchanged; --limit 0 shows all)\n", n - upto);
	counts(rows, n, c);
	printf("%zu slower, %zu faster by more than %g%% in %s; %zu within the runs' spread; %zu new, %zu gone, %zu unchanged\n",
	       c[ST_REGRESSED], c[ST_IMPROVED], o->threshold, l->gate_name, c[ST_SPREAD], c[ST_NEW],
	       c[ST_GONE], c[ST_SAME]);
	if (sd[0].n > 1 || sd[1].n > 1)
		printf("figures are medians over each side's runs; 'within spread': the medians differ by less than 3 median absolute deviations of the runs\n");
}

/* Markdown table cells: `|` escaped, code spans for names. */
static void md_escape(char *buf, size_t size, const char *raw, int code)
{
	char esc[1024];
	const char *s = hp_text_escape(esc, sizeof(esc), raw); /* control characters first */
	size_t o = 0;
	int tick = code && !strchr(s, '`');

	if (tick && o + 1 < size)
		buf[o++] = '`';
	for (; *s && o + 3 < size; s++) {
		if (*s == '|' || (!tick && strchr("*_<>[]\\", *s)))
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	if (tick && o + 1 < size)
		buf[o++] = '`';
	buf[o] = 0;
}

void hp_compare_print_markdown(const struct hp_cmp_row *rows, size_t n,
			       const struct hp_cmp_layout *l, const struct hp_cmp_opts *o,
			       const struct hp_cmp_side *sd)
{
	char buf[1024], desc[1024];
	size_t upto = shown(rows, n, o), c[6];

	counts(rows, n, c);
	md_escape(buf, sizeof(buf), sd[1].spec, 0);
	md_escape(desc, sizeof(desc), sd[0].spec, 0);
	printf("<!-- hotpath-compare -->\n### hotpath: %s vs %s\n\n", buf, desc);
	if (c[ST_REGRESSED])
		printf("**%zu function%s slower** by more than %g%% in %s", c[ST_REGRESSED],
		       c[ST_REGRESSED] == 1 ? "" : "s", o->threshold, l->gate_name);
	else
		printf("No function slower by more than %g%% in %s", o->threshold, l->gate_name);
	printf(" · %zu faster · %zu within the runs' spread · %zu new · %zu gone · %zu unchanged\n\n",
	       c[ST_IMPROVED], c[ST_SPREAD], c[ST_NEW], c[ST_GONE], c[ST_SAME]);
	side_desc(desc, sizeof(desc), &sd[0]);
	md_escape(buf, sizeof(buf), desc, 0);
	printf("Base: %s<br>\n", buf);
	side_desc(desc, sizeof(desc), &sd[1]);
	md_escape(buf, sizeof(buf), desc, 0);
	printf("Head: %s%s\n\n", buf,
	       sd[0].n > 1 || sd[1].n > 1 ? "<br>\nFigures are medians over each side's runs."
					  : "");
	printf("| Function |");
	for (int m = 0; m < NM; m++)
		if (l->show[m])
			printf(" %s |", metric_title(l, m));
	printf(" |\n|:--|");
	for (int m = 0; m < NM; m++)
		if (l->show[m])
			printf("--:|");
	printf(":--|\n");
	for (size_t i = 0; i < upto; i++) {
		const struct hp_cmp_row *w = &rows[i];
		md_escape(buf, sizeof(buf), w->key, 1);
		printf("| %s |", buf);
		for (int m = 0; m < NM; m++)
			if (l->show[m]) {
				cell(buf, sizeof(buf), w, m, 1);
				printf(" %s |", buf);
			}
		printf(" %s |\n", status_md[w->status]);
	}
	if (upto < n)
		printf("\n_%zu more unchanged functions not shown._\n", n - upto);
	printf("\n<sub>hotpath %s · threshold %g%% · ▲/▼ mark changes beyond it</sub>\n",
	       HP_VERSION, o->threshold);
}

static void json_side(struct hp_jw *w, const struct hp_cmp_side *s)
{
	hp_jw_obj_begin(w);
	hp_jw_key(w, "spec");
	hp_jw_str(w, s->spec);
	hp_jw_key(w, "runs");
	hp_jw_arr_begin(w);
	for (size_t i = 0; i < s->n; i++)
		hp_jw_str(w, s->names[i]);
	hp_jw_arr_end(w);
	hp_jw_obj_end(w);
}

static void json_figs(struct hp_jw *w, const struct hp_cmp_row *r, int side, const char *pct_key)
{
	if (!r->n[side]) {
		hp_jw_null(w);
		return;
	}
	hp_jw_obj_begin(w);
	hp_jw_key(w, "runs");
	hp_jw_int(w, r->n[side]);
	for (int m = 0; m < NM; m++) {
		hp_jw_key(w, m == M_PCT ? pct_key : hp_compare_metric_key[m]);
		hp_jw_double(w, r->med[side][m],
			     m == M_CALLS || m == M_BYTES || m == M_ALLOCS ? 0 : 1);
	}
	hp_jw_obj_end(w);
}

int hp_compare_print_json(const struct hp_cmp_row *rows, size_t n, const struct hp_cmp_layout *l,
			  const struct hp_cmp_opts *o, const struct hp_cmp_side *sd)
{
	struct hp_jw w;
	char pct_key[48], num[32];
	size_t upto = shown(rows, n, o), c[6];
	static const char *const st_name[] = {"slower", "faster", "within_spread",
					      "new",	"gone",	  "unchanged"};

	snprintf(num, sizeof(num), "%g", o->pct);
	for (char *p = num; *p; p++)
		if (*p == '.')
			*p = '_';
	snprintf(pct_key, sizeof(pct_key), "p%s_ns", num);
	counts(rows, n, c);
	hp_jw_init(&w, stdout, 1);
	hp_jw_obj_begin(&w);
	hp_jw_key(&w, "compare_version");
	hp_jw_int(&w, 1);
	hp_jw_key(&w, "base");
	json_side(&w, &sd[0]);
	hp_jw_key(&w, "head");
	json_side(&w, &sd[1]);
	hp_jw_key(&w, "metric");
	hp_jw_str(&w, o->gate == M_PCT ? pct_key : hp_compare_metric_key[o->gate]);
	hp_jw_key(&w, "percentile");
	hp_jw_double(&w, o->pct, 6);
	hp_jw_key(&w, "threshold_pct");
	hp_jw_double(&w, o->threshold, 6);
	hp_jw_key(&w, "slower");
	hp_jw_uint(&w, c[ST_REGRESSED]);
	hp_jw_key(&w, "faster");
	hp_jw_uint(&w, c[ST_IMPROVED]);
	hp_jw_key(&w, "functions");
	hp_jw_arr_begin(&w);
	for (size_t i = 0; i < upto; i++) {
		const struct hp_cmp_row *r = &rows[i];
		hp_jw_obj_begin(&w);
		hp_jw_key(&w, "name");
		hp_jw_str(&w, r->key);
		hp_jw_key(&w, "status");
		hp_jw_str(&w, st_name[r->status]);
		hp_jw_key(&w, "within_spread");
		hp_jw_bool(&w, r->spread);
		hp_jw_key(&w, "base");
		json_figs(&w, r, 0, pct_key);
		hp_jw_key(&w, "head");
		json_figs(&w, r, 1, pct_key);
		hp_jw_key(&w, "change_pct");
		hp_jw_obj_begin(&w);
		for (int m = 0; m < NM; m++) {
			hp_jw_key(&w, m == M_PCT ? pct_key : hp_compare_metric_key[m]);
			hp_jw_double(&w, r->change[m], 2); /* null when not comparable */
		}
		hp_jw_obj_end(&w);
		hp_jw_obj_end(&w);
	}
	hp_jw_arr_end(&w);
	hp_jw_key(&w, "functions_total");
	hp_jw_uint(&w, n);
	hp_jw_obj_end(&w);
	(void)l;
	return hp_jw_finish(&w);
}
