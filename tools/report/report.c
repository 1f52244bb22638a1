/* report.c - hp_report_render: the options checked, the C locale set, and the report handed to
 * the table (report_table.c), JSON (report_json_write.c), pprof (report_pprof.c) or flame graph
 * (folded or svg: report_tree_text.c) renderer. */
#include <errno.h>
#include <locale.h>

#include "json.h"
#include "report_int.h"
#include "report_astacks.h"
#include "report_cpu.h"
#include "report_pprof.h"
#include "report_tree.h"

/* Does any process of the report have a call tree? */
static int has_tree(const struct hp_proc *p)
{
	if (p->tree && p->tree->n)
		return 1;
	for (size_t i = 0; p->children && i < p->nchildren; i++)
		if (has_tree(&p->children[i]))
			return 1;
	return 0;
}

int hp_report_render(FILE *f, const struct hp_proc *p, const struct hp_report_opts *o)
{
	static const struct hp_report_opts defaults = {.pcts = {95}, .npcts = 1};
	struct hp_report_opts opts = o ? *o : defaults;
	locale_t loc = hp_c_locale(), old = (locale_t)0;
	int rc = 0;

	if (opts.npcts < 0)
		opts.npcts = 0;
	if (opts.npcts > HP_MAX_PCTS)
		opts.npcts = HP_MAX_PCTS;
	if (loc)
		old = uselocale(loc);
	if (opts.format == HP_FMT_PPROF) {
		rc = hp_pprof_write(f, p); /* report_pprof.c */
	} else if ((opts.format == HP_FMT_FOLDED || opts.format == HP_FMT_SVG) &&
		   (opts.flame == HP_FLAME_ALLOC || opts.flame == HP_FLAME_LEAK ||
		    opts.flame == HP_FLAME_PEAK)) {
		rc = hp_astacks_flame(f, p, opts.format, opts.flame); /* report_astacks.c */
	} else if (opts.format == HP_FMT_JSON || opts.format == HP_FMT_JSON_PRETTY) {
		struct hp_jw w;
		hp_jw_init(&w, f, opts.format == HP_FMT_JSON_PRETTY);
		hp_report_json(&w, p, &opts);
		rc = hp_jw_finish(&w);
	} else if (opts.format == HP_FMT_FOLDED || opts.format == HP_FMT_SVG) {
		/* report_tree_text.c: the CPU samples with --flame cpu, or auto without a call
		 * tree; else the call tree's self times */
		int cpu = opts.flame == HP_FLAME_CPU || !has_tree(p);
		rc = hp_report_flame(f, p, opts.format, cpu);
	} else if (opts.tree) {
		rc = hp_tree_print(f, p, opts.limit); /* report_tree_text.c */
	} else {
		rc = hp_report_table(f, p, &opts);
	}
	if (loc)
		uselocale(old);
	if (!rc && ferror(f))
		rc = -EIO;
	return rc;
}
