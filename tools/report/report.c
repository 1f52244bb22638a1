/* report.c - hp_report_render: the options checked, the C locale set, and the report handed to
 * the table (report_table.c), JSON (report_json_write.c), pprof (report_pprof.c) or folded
 * stacks (report_cpu.c) renderer. */
#include <errno.h>
#include <locale.h>

#include "json.h"
#include "report_int.h"
#include "report_cpu.h"
#include "report_pprof.h"
#include "report_tree.h"

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
	} else if (opts.format == HP_FMT_FOLDED &&
		   (opts.flame == HP_FLAME_CPU || !p->tree || !p->tree->n)) {
		/* report_cpu.c: the CPU samples (--flame cpu, or auto without a call tree) */
		rc = hp_cpu_folded(f, p);
	} else if (opts.format == HP_FMT_JSON || opts.format == HP_FMT_JSON_PRETTY) {
		struct hp_jw w;
		hp_jw_init(&w, f, opts.format == HP_FMT_JSON_PRETTY);
		hp_report_json(&w, p, &opts);
		rc = hp_jw_finish(&w);
	} else if (opts.format == HP_FMT_FOLDED || opts.format == HP_FMT_SVG) {
		rc = hp_tree_flame(f, p, opts.format); /* report_tree_text.c */
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
