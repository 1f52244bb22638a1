/* region_model.h - turn a mapped region into the report model (struct hp_proc, model.h). */
#ifndef HP_REGION_MODEL_H
#define HP_REGION_MODEL_H

#include "symbolize/symbolize.h"
#include "tools/region/model.h"
#include "tools/region/region_read.h"

/* Build `out` from region `r`: rows of all threads merged per function, names symbolized
 * through `sym` (file:line too when want_lines), histograms converted to ns. The model is not
 * sorted or limited: call hp_proc_finish. Returns 0 or -ENOMEM. */
int hp_proc_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			struct hp_proc *out);

/* The parts of the model besides the header, functions, threads, memory totals and data flow,
 * which hp_proc_from_region reads all of: a reader that shows only counters (hotpath serve's
 * /metrics) leaves the rest out. */
enum {
	HP_PART_TREE = 1 << 0,	 /* the calling-context tree */
	HP_PART_STACKS = 1 << 1, /* CPU samples (and cpu_ns of functions), allocation stacks */
	HP_PART_PATCH = 1 << 2,	 /* patched functions */
	HP_PART_ALL = HP_PART_TREE | HP_PART_STACKS | HP_PART_PATCH,
};
int hp_proc_from_region_parts(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			      int parts, struct hp_proc *out);

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
 * totals (thread rows + orphan counters), peak and live bytes, the outside-functions row and
 * the functions whose blocks are still live (names through `sym`, may be NULL). */
void hp_mem_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, struct hp_proc *p);
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
