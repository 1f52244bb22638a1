/* region_model.h - turn a mapped region into the report model (struct hp_proc, model.h). */
#ifndef HP_REGION_MODEL_H
#define HP_REGION_MODEL_H

#include "symbolize/symbolize.h"
#include "tools/region/model.h"
#include "tools/region/region_fgroups.h"
#include "tools/region/region_read.h"

/* Build `out` from region `r`: rows of all threads merged per function, names symbolized
 * through `sym` (file:line too when want_lines), histograms converted to ns. The model is not
 * sorted or limited: call hp_proc_finish. Returns 0 or -ENOMEM. */
int hp_proc_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			struct hp_proc *out);

/* The parts of the model besides the header and the threads, which hp_proc_from_region reads
 * all of: a reader that shows only counters (hotpath serve's /metrics) leaves the rest out.
 * Without HP_PART_FUNCS, p->wall_ns and p->modes are not final: the caller reads the function
 * rows with hp_proc_functions_from_fgroups or hp_proc_update_functions. */
enum {
	HP_PART_TREE = 1 << 0,	 /* the calling-context tree */
	HP_PART_STACKS = 1 << 1, /* CPU samples (and cpu_ns of functions), allocation stacks */
	HP_PART_PATCH = 1 << 2,	 /* patched functions */
	HP_PART_FUNCS = 1 << 3,	 /* function rows (and the live blocks' functions in alloc mode) */
	HP_PART_FLOW = 1 << 4,	 /* memory totals, channels, locks, I/O, threads' CPU from /proc */
	HP_PART_ALL = HP_PART_TREE | HP_PART_STACKS | HP_PART_PATCH | HP_PART_FUNCS | HP_PART_FLOW,
};
int hp_proc_from_region_parts(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			      int parts, struct hp_proc *out);

/* The function rows of every group listed by the last hp_fgroups_scan of fg into p->fns (empty
 * before), named (fg->keep_names: names kept in fg for the next time), disambiguated, unsorted:
 * what hp_proc_from_region has after a scan that found every function new. Also p->wall_ns
 * (main's time) and p->modes. 0 or -ENOMEM. */
int hp_proc_functions_from_fgroups(const struct hp_rregion *r, struct hp_symbolizer *sym,
				   int want_lines, struct hp_fgroups *fg, struct hp_proc *p);
/* The groups listed by the last scan of fg as rows without names, given to fn(group index,
 * row, arg) in group order (row->hist is valid during the call only); a non-zero return from fn
 * stops and is returned. Also p->wall_ns (main's time) and p->modes. 0, fn's code or -ENOMEM. */
int hp_proc_update_functions(const struct hp_rregion *r, struct hp_fgroups *fg, struct hp_proc *p,
			     int (*fn)(size_t group, const struct hp_fn_row *row, void *arg),
			     void *arg);
/* Rows with one name (statics in several files or modules) get " (file.c)" or " (module)". */
void hp_proc_disambiguate(struct hp_proc *p);
/* The module row holding addr in module epoch `epoch` (a library unloaded and another loaded at
 * its address are two rows, docs/region.md); UINT32_MAX: the last row holding it. */
const struct hp_module_rec *hp_region_module(const struct hp_rregion *r, uint64_t addr,
					     uint32_t epoch);

/* b - a for timestamps read from a region or a saved report (untrusted: any value), 0 when the
 * difference does not fit an int64_t (no signed overflow). */
static inline int64_t hp_ns_diff(int64_t b, int64_t a)
{
	int64_t d;
	return __builtin_sub_overflow(b, a, &d) ? 0 : d;
}

/* a + b, saturated at the int64_t limits. */
static inline int64_t hp_ns_add(int64_t a, int64_t b)
{
	int64_t s;
	if (!__builtin_add_overflow(a, b, &s))
		return s;
	return b > 0 ? INT64_MAX : INT64_MIN;
}

/* Name of a runtime address in region `r` ("worker", or "0x7f12…" when unknown); malloc'd.
 * *module points at the module row's path inside the region: up to HP_PATH_MAX bytes, not
 * NUL-terminated when it fills them (read it with strnlen/strndup or "%.*s"). */
char *hp_region_symbol(const struct hp_rregion *r, struct hp_symbolizer *sym, uint64_t addr,
		       const char **module, struct hp_sym_info *info);
/* The same for an address as it was in module epoch `epoch` (hp_fstat.epoch): the library
 * loaded there then, not a later one at the same address. */
char *hp_region_symbol_at(const struct hp_rregion *r, struct hp_symbolizer *sym, uint64_t addr,
			  uint32_t epoch, const char **module, struct hp_sym_info *info);

/* The parts of hp_proc_from_region, one file each. */
/* region_flow.c: p->chans, p->locks, p->io from the region (sites symbolized with `sym`,
 * file:line when want_lines), and the CPU time of threads still running from /proc. Returns 0
 * or -ENOMEM. */
int hp_flow_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			struct hp_proc *p);
/* region_mem.c: p->mem when the region was recorded with HP_MODE_ALLOC (else left invalid):
 * totals (thread rows + orphan counters), peak and live bytes; with `leaks`, also the
 * outside-functions row and the functions whose blocks are still live (names from p->fns, else
 * through `sym`, which may be NULL). */
void hp_mem_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int leaks,
			struct hp_proc *p);
/* region_astacks.c: p->mem's allocation stacks when the region was recorded with
 * HP_MODE_ALLOC_STACKS: every stack that allocated, symbolized (with file:line when
 * want_lines: the console's refreshes skip them), stacks that read the same merged. Returns 0
 * or -ENOMEM. */
int hp_astacks_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			   struct hp_proc *p);
/* region_patch.c: p->patch when the region ran with HP_MODE_PATCH (else left NULL), and the
 * notes: the rate, the refused functions with their reasons, a reached cap. */
void hp_patch_from_region(const struct hp_rregion *r, struct hp_proc *p);
/* region_cpu.c: p->cpu when the region sampled (else left NULL): samples folded into functions
 * (self, total) and stacks, symbolized through `sym` (file:line of each function when
 * want_lines); also cpu_ns of the timed rows, the threads' samples and CPU clock, and the notes
 * (stepped aside, lost samples). Returns 0 or -ENOMEM. */
int hp_cpu_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
		       struct hp_proc *p);

/* Notes for items of `patterns` (the --functions list) that select nothing, or name a module
 * that is not loaded; applied to p and its children (region_patch.c). */
void hp_patch_check_patterns(struct hp_proc *p, const char *patterns);

#endif
