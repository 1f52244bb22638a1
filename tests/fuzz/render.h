/* render.h - for the fuzz targets that end in the renderers: a model through every one of them
 * (table, JSON, pretty JSON, pprof, and compare's table, Markdown and JSON with the model as
 * both sides),
 * into a memory stream that is thrown away; a renderer may fail, never crash. */
#ifndef HP_FUZZ_RENDER_H
#define HP_FUZZ_RENDER_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tools/compare.h"
#include "tools/report/report.h"

static void fuzz_render(struct hp_proc *p)
{
	static const int formats[] = {HP_FMT_TABLE, HP_FMT_JSON, HP_FMT_JSON_PRETTY, HP_FMT_PPROF};
	struct hp_report_opts o = {.pcts = {50, 95, 99.9}, .npcts = 3, .limit = 0};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (!f)
			return;
		o.format = formats[i];
		hp_report_render(f, p, &o);
		fclose(f);
		free(buf);
	}
	/* compare prints to stdout (sent to /dev/null by the target's initializer). */
	size_t n = p->nfns;
	struct hp_cmp_row *rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct hp_fn_row *r = &p->fns[i];
		struct hp_cmp_row *w = &rows[i];
		w->key = r->name ? r->name : "?";
		w->n[0] = w->n[1] = 1;
		for (int s = 0; s < 2; s++) {
			w->med[s][M_CALLS] = (double)r->calls;
			w->med[s][M_AVG] = r->completed ? (double)r->sum_ns / (double)r->completed
							: NAN;
			w->med[s][M_PCT] = hp_fn_percentile(r, 95, NULL);
			w->med[s][M_TOTAL] = (double)r->total_ns;
			w->med[s][M_BYTES] = (double)r->alloc_bytes;
		}
		w->status = (int)(i % 6);
	}
	char *names[1] = {"#1"};
	struct hp_cmp_side sd[2] = {
		{.spec = p->argc && p->argv && p->argv[0] ? p->argv[0] : "base",
		 .runs = p,
		 .n = 1,
		 .names = names},
		{.spec = p->exe ? p->exe : "head", .runs = p, .n = 1, .names = names}};
	struct hp_cmp_layout l = {.show = {1, 1, 1, 1, 1}, .pct_name = "P95", .gate_name = "P95"};
	struct hp_cmp_opts co = {.pct = 95, .gate = M_PCT, .threshold = 10, .fail_pct = -1};
	hp_compare_print_table(rows, n, &l, &co, sd);
	hp_compare_print_markdown(rows, n, &l, &co, sd);
	hp_compare_print_json(rows, n, &l, &co, sd);
	free(rows);
}

/* libFuzzer calls this once: the renderers' stdout goes nowhere. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!freopen("/dev/null", "w", stdout))
		return 0;
	return 0;
}

#endif
