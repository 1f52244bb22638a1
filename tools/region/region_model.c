/* region_model.c - region -> report model: merge per-thread rows, symbolize, convert units. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload/arch/arch.h" /* the tick source */
#include "region_model.h"
#include "model_tree.h"

/* The module row holding addr in module epoch `epoch` (a library unloaded and another loaded
 * at its address are two rows, docs/region.md); HP_EPOCH_LATEST: the last row holding it. */
#define HP_EPOCH_LATEST UINT32_MAX
const struct hp_module_rec *hp_region_module(const struct hp_rregion *r, uint64_t addr,
					     uint32_t epoch)
{
	uint32_t n = hp_rregion_rows(r, HP_T_MODULES);
	const struct hp_module_rec *found = NULL;
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_module_rec *m = hp_rregion_row(r, HP_T_MODULES, i);
		if (!m || !m->end || addr < m->start || addr >= m->end)
			continue;
		if (epoch == HP_EPOCH_LATEST)
			found = m;
		else if (m->load_epoch <= epoch && (!m->unload_epoch || epoch < m->unload_epoch))
			return m;
	}
	return found;
}

/* "fopen@@GLIBC_2.2.5" -> "fopen": a symbol version tag is not part of the name a user writes. */
static void strip_version(char *name)
{
	char *at = strchr(name, '@');
	if (!at || at == name)
		return;
	const char *v = at + 1 + (at[1] == '@');
	if (!((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') || *v == '_'))
		return;
	for (const char *q = v; *q; q++)
		if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
		      (*q >= '0' && *q <= '9') || *q == '_' || *q == '.'))
			return;
	*at = 0;
}

char *hp_region_symbol(const struct hp_rregion *r, struct hp_symbolizer *sym, uint64_t addr,
		       const char **module, struct hp_sym_info *info)
{
	return hp_region_symbol_at(r, sym, addr, HP_EPOCH_LATEST, module, info);
}

char *hp_region_symbol_at(const struct hp_rregion *r, struct hp_symbolizer *sym, uint64_t addr,
			  uint32_t epoch, const char **module, struct hp_sym_info *info)
{
	static __thread struct hp_sym_info scratch;
	struct hp_sym_info *si = info ? info : &scratch;
	const struct hp_module_rec *m = hp_region_module(r, addr, epoch);
	char path[HP_PATH_MAX];
	/* What hp_symbolize fills, not the whole 2.6 KiB: this runs for every function of every
	 * process on every /metrics scrape. */
	si->name[0] = si->raw[0] = si->file[0] = 0;
	si->sym_addr = si->size = 0;
	si->local = si->line = 0;
	if (module)
		*module = NULL;
	if (m) {
		memcpy(path, m->path, sizeof(path));
		path[sizeof(path) - 1] = 0;
		if (module)
			*module = m->path;
		if (!(m->flags & HP_MOD_VDSO) && sym &&
		    hp_symbolize(sym, path, m->bias, addr, info != NULL, si) == 0 && si->name[0]) {
			strip_version(si->name);
			return strdup(si->name);
		}
	}
	char buf[32];
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)addr);
	return strdup(buf);
}

static uint64_t to_ns(const struct hp_rregion *r, uint64_t ticks)
{
	return hp_u64_of(round(hp_rregion_ns(r, ticks))); /* untrusted ticks: no UB, saturated */
}

/* A string of the region (untrusted: it may fill its field with no NUL, up to the end of the
 * mapping): at most `max` bytes are read. */
static char *dup_or_null(const char *s, size_t max)
{
	return s && max && *s ? strndup(s, max) : NULL;
}

/* What each full table lost and what would help, one note per table (the header's `dropped`
 * is their sum). The stack tables have their own notes (region_cpu.c, region_astacks.c). */
static void add_drop_notes(struct hp_proc *p, const struct hp_region_header *h)
{
	static const char *const what[HP_T_COUNT] = {
		[HP_T_MODULES] = "loaded objects not recorded (their functions show as addresses)",
		[HP_T_CHANNELS] = "pipes and queues not tracked",
		[HP_T_LOCKS] = "locks not tracked",
		[HP_T_PATCH] = "patched functions not recorded",
		[HP_T_TREE] = "call-tree nodes dropped (their calls are in the parent node)",
	};
	unsigned long long mib = (unsigned long long)(h->region_size >> 20);
	for (int t = 0; t < HP_T_COUNT; t++) {
		unsigned long long n = __atomic_load_n(&h->tables[t].overflow, __ATOMIC_RELAXED);
		unsigned cap = h->tables[t].capacity;
		if (!n || t == HP_T_STACKS || t == HP_T_STACK_FRAMES || t == HP_T_STACK_INDEX ||
		    t == HP_T_CPU_SAMPLES || t == HP_T_ALLOC_STACKS)
			continue; /* the stack tables: noted by their readers */
		p->dropped_noted += n;
		if (t == HP_T_THREADS)
			hp_proc_add_note(
				p,
				"%llu %s not profiled: more than %u threads were alive at "
				"once (the thread table of this %llu MiB region is full; their "
				"calls, allocations and locks are not counted); raise "
				"region_size",
				n, n == 1 ? "thread was" : "threads were", cap, mib);
		else if (t == HP_T_FSTATS)
			hp_proc_add_note(
				p,
				"%llu function %s (thread x function) dropped: the %llu MiB "
				"region is full (%u rows); those calls are not counted; raise "
				"region_size",
				n, n == 1 ? "row" : "rows", mib, cap);
		else if (t == HP_T_HIST)
			hp_proc_add_note(
				p,
				"%llu histogram %s not recorded: the %llu MiB region is full; "
				"calls are counted, percentiles leave those durations out; "
				"raise region_size",
				n, n == 1 ? "chunk" : "chunks", mib);
		else
			hp_proc_add_note(p, "%llu %s: the table of %u is full; raise region_size",
					 n, what[t] ? what[t] : "rows dropped", cap);
	}
}

static void fill_header(const struct hp_rregion *r, struct hp_proc *p)
{
	const struct hp_region_header *h = r->h;
	p->pid = h->pid;
	p->ppid = h->ppid;
	p->exe = dup_or_null(h->exe, sizeof(h->exe));
	uint32_t len = h->cmdline_len < sizeof(h->cmdline) ? h->cmdline_len : 0;
	int argc = 0;
	for (uint32_t i = 0; i < len; i++)
		argc += h->cmdline[i] == 0;
	p->argv = calloc((size_t)argc + 1, sizeof(char *));
	for (uint32_t i = 0, a = 0; p->argv && i < len && (int)a < argc; a++) {
		p->argv[a] = strndup(h->cmdline + i, len - i);
		i += (uint32_t)strnlen(h->cmdline + i, len - i) + 1;
		p->argc = (int)a + 1;
	}
	uint32_t st = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
	p->state = st == HP_STATE_EXITED     ? HP_PS_EXITED
		   : st == HP_STATE_SIGNALED ? HP_PS_SIGNALED
		   : st == HP_STATE_EXECED   ? HP_PS_EXECED
					     : HP_PS_RUNNING;
	if (p->state == HP_PS_RUNNING && !hp_region_writer_alive(h))
		p->state = HP_PS_VANISHED;
	p->exit_status = h->exit_status;
	p->term_signal = h->term_signal;
	p->start_unix_ns = h->start_realtime_ns;
	p->modes = h->modes;
	p->flags = h->flags;
	p->exec_count = h->exec_count;
	p->dropped = h->dropped;
	add_drop_notes(p, h);
	p->depth_overflow = h->depth_overflow;
	p->unmatched_exits = h->unmatched_exits;
	uint64_t end = h->main_end_ticks;
	if (h->main_start_ticks) {
		if (!end || end < h->main_start_ticks)
			/* Still running, or died without an exit record (a signal): up to now,
			 * which for `hotpath run` is right after it noticed the end. */
			end = p->state == HP_PS_RUNNING || !h->ticks_t1 ? hp_arch_ticks()
									: h->ticks_t1;
		p->wall_ns = end > h->main_start_ticks ? to_ns(r, end - h->main_start_ticks) : 0;
	} else if (h->end_mono_ns > h->start_mono_ns) {
		p->wall_ns = (uint64_t)hp_ns_diff(h->end_mono_ns, h->start_mono_ns);
	}
}

/* The non-empty buckets in ns; the open last bucket ends at the maximum seen. Into `buf` when
 * given (room for HP_HIST_BUCKETS), else malloc'd. */
static void fill_hist(const struct hp_rregion *r, const struct hp_fgroup_sum *x,
		      struct hp_fn_row *row, struct hp_hbucket *buf)
{
	size_t nb = 0;
	for (uint32_t b = x->blo; b < x->bhi; b++)
		nb += x->hist[b - x->blo] != 0;
	row->hist = !nb ? NULL : buf ? buf : calloc(nb, sizeof(*row->hist));
	row->nhist = 0;
	for (uint32_t b = x->blo; row->hist && b < x->bhi; b++) {
		if (!x->hist[b - x->blo])
			continue;
		struct hp_hbucket *hb = &row->hist[row->nhist++];
		uint64_t hi = hp_hist_upper(b);
		if (hi > x->max)
			hi = x->max;
		hb->lo_ns = round(hp_rregion_ns(r, hp_hist_lower(b)));
		hb->hi_ns = round(hp_rregion_ns(r, hi));
		hb->count = x->hist[b - x->blo];
	}
}

/* The counters of a function row from its group's sums: ticks to ns. */
static void fill_counters(const struct hp_rregion *r, const struct hp_fgroup *g,
			  const struct hp_fgroup_sum *x, struct hp_fn_row *row,
			  struct hp_hbucket *buf)
{
	row->addr = g->addr;
	row->kind = g->kind;
	row->calls = x->calls;
	row->completed = x->completed;
	row->sum_ns = to_ns(r, x->sum);
	row->total_ns = to_ns(r, x->total);
	row->self_ns = to_ns(r, x->self);
	row->min_ns = x->completed ? to_ns(r, x->min) : 0;
	row->max_ns = to_ns(r, x->max);
	row->alloc_count = x->alloc.alloc_count;
	row->alloc_bytes = x->alloc.alloc_bytes;
	row->free_count = x->alloc.free_count;
	row->free_bytes = x->alloc.free_bytes;
	fill_hist(r, x, row, buf);
}

/* Group i's name and module: looked up once (file:line each time they are wanted). */
static void fill_name(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
		      struct hp_fgroups *fg, size_t i, struct hp_fn_row *row)
{
	struct hp_sym_info si;
	const struct hp_fgroup *g = &fg->g[i];
	const char *module = g->module ? g->module->path : NULL;
	const char *kept = want_lines ? NULL : hp_fgroup_name(fg, i);

	if (kept) {
		row->name = strdup(kept);
	} else {
		row->name = hp_region_symbol_at(r, sym, g->addr, g->epoch, &module,
						want_lines ? &si : NULL);
		if (!want_lines && row->name && fg->keep_names)
			hp_fgroup_set_name(fg, i, row->name); /* else looked up again next time */
	}
	row->module = dup_or_null(module, HP_PATH_MAX);
	if (want_lines && si.file[0]) {
		row->file = strdup(si.file);
		row->line = si.line;
	}
}

/* main(): with hooks its time is the report's wall time, as hotpath-rs does. Kept in fg for
 * the reads that do not sum main's row again. */
static void main_wall(const struct hp_rregion *r, const struct hp_fn_row *row,
		      struct hp_fgroups *fg)
{
	if (row->addr == r->h->main_addr && row->total_ns)
		fg->main_total_ns = row->total_ns;
}

/* A process recorded for its allocations whose functions have no hooks: the profile is
 * allocations only. */
static void timing_mode(const struct hp_rregion *r, struct hp_proc *p, size_t nfns)
{
	if ((r->h->modes & HP_MODE_ALLOC) && !nfns)
		p->modes &= ~HP_MODE_TIMING;
}

int hp_proc_functions_from_fgroups(const struct hp_rregion *r, struct hp_symbolizer *sym,
				   int want_lines, struct hp_fgroups *fg, struct hp_proc *p)
{
	p->fns = hp_calloc_big(fg->nchanged, sizeof(*p->fns));
	if (!p->fns)
		return -ENOMEM;
	for (size_t k = 0; k < fg->nchanged; k++) {
		struct hp_fgroup *g = &fg->g[fg->changed[k]];
		struct hp_fn_row *row = &p->fns[p->nfns++];
		fill_name(r, sym, want_lines, fg, fg->changed[k], row);
		fill_counters(r, g, &fg->sums[k], row, NULL);
		main_wall(r, row, fg);
	}
	if (fg->main_total_ns)
		p->wall_ns = fg->main_total_ns;
	hp_proc_disambiguate(p);
	timing_mode(r, p, p->nfns);
	return 0;
}

int hp_proc_update_functions(const struct hp_rregion *r, struct hp_fgroups *fg, struct hp_proc *p,
			     int (*fn)(size_t group, const struct hp_fn_row *row, void *arg),
			     void *arg)
{
	struct hp_hbucket *buf = malloc(HP_HIST_BUCKETS * sizeof(*buf));
	int rc = buf ? 0 : -ENOMEM;
	for (size_t k = 0; rc == 0 && k < fg->nchanged; k++) {
		struct hp_fn_row row;
		memset(&row, 0, sizeof(row));
		fill_counters(r, &fg->g[fg->changed[k]], &fg->sums[k], &row, buf);
		main_wall(r, &row, fg);
		rc = fn(fg->changed[k], &row, arg);
	}
	free(buf);
	if (fg->main_total_ns)
		p->wall_ns = fg->main_total_ns;
	timing_mode(r, p, fg->ng);
	return rc;
}

static int build_threads(const struct hp_rregion *r, struct hp_symbolizer *sym, struct hp_proc *p)
{
	uint32_t n = hp_rregion_rows(r, HP_T_THREADS);
	p->threads = calloc(n ? n : 1, sizeof(*p->threads));
	if (!p->threads)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_thread_rec *t = hp_rregion_row(r, HP_T_THREADS, i);
		int tid = t ? __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE) : 0;
		if (!tid)
			continue;
		struct hp_thread_row *tr = &p->threads[p->nthreads++];
		char name[HP_THREAD_NAME_MAX + 1];
		memcpy(name, t->name, HP_THREAD_NAME_MAX);
		name[HP_THREAD_NAME_MAX] = 0;
		if (t->state == HP_THREAD_FOLDED) /* tid -1: the threads that ended, summed */
			snprintf(name, sizeof(name), "(%llu ended threads)",
				 (unsigned long long)r->h->threads_folded);
		tr->tid = tid;
		tr->name = strdup(name);
		tr->start_routine = t->start_routine
					    ? hp_region_symbol(r, sym, t->start_routine, NULL, NULL)
					    : NULL;
		tr->running = t->state != HP_THREAD_EXITED && t->state != HP_THREAD_FOLDED;
		tr->start_ns = t->start_mono_ns ? hp_ns_diff(t->start_mono_ns, r->h->start_mono_ns)
						: 0;
		tr->end_ns = t->end_mono_ns ? hp_ns_diff(t->end_mono_ns, r->h->start_mono_ns) : 0;
		tr->cpu_user_ns = t->cpu_user_ns;
		tr->cpu_sys_ns = t->cpu_sys_ns;
		tr->alloc_count = t->alloc_count;
		tr->alloc_bytes = t->alloc_bytes;
		tr->free_count = t->free_count;
		tr->free_bytes = t->free_bytes;
		tr->lock_wait_ns = to_ns(r, t->lock_wait_ticks);
		tr->io_block_ns = to_ns(r, t->io_block_ticks);
		tr->calls = t->calls;
	}
	return 0;
}

/* Merge the per-thread rows (when `parts` has HP_PART_FUNCS), then the function and thread
 * rows of the model. */
static int build_rows(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
		      int parts, struct hp_proc *p)
{
	struct hp_fgroups fg;
	int rc = 0;

	hp_fgroups_init(&fg);
	if (parts & HP_PART_FUNCS) {
		rc = hp_fgroups_scan(&fg, r) < 0 ? -ENOMEM : 0; /* all new: every group listed */
		if (rc == 0)
			rc = hp_proc_functions_from_fgroups(r, sym, want_lines, &fg, p);
	}
	if (rc == 0)
		rc = build_threads(r, sym, p);
	hp_fgroups_free(&fg);
	return rc;
}

/* Two rows with one name (statics in several files or modules): say which is which.
 * Rows are sorted by name through an index so equal names are neighbours: O(n log n), where
 * comparing every pair cost `hotpath console` 3% of a core per refresh at 2,000 functions.
 * Every row of a group is renamed (comparing pairwise renamed only the first). */
static int by_name(const void *a, const void *b)
{
	const struct hp_fn_row *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

void hp_proc_disambiguate(struct hp_proc *p)
{
	size_t n = p->nfns;
	struct hp_fn_row **v = n > 1 ? malloc(n * sizeof(*v)) : NULL;
	unsigned char *dup = v ? calloc(n, 1) : NULL;
	if (!dup) {
		free(v);
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = &p->fns[i];
	qsort(v, n, sizeof(*v), by_name);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v[i - 1]->name, v[i]->name))
			dup[i - 1] = dup[i] = 1;
	for (size_t i = 0; i < n; i++) {
		struct hp_fn_row *r = v[i];
		const char *where = r->file ? r->file : r->module;
		if (!dup[i] || !where)
			continue;
		const char *base = strrchr(where, '/');
		base = base ? base + 1 : where;
		char *nn = NULL;
		if (asprintf(&nn, "%s (%s)", r->name, base) > 0) {
			free(r->name);
			r->name = nn;
		}
	}
	free(dup);
	free(v);
}

int hp_proc_from_region(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			struct hp_proc *out)
{
	return hp_proc_from_region_parts(r, sym, want_lines, HP_PART_ALL, out);
}

int hp_proc_from_region_parts(const struct hp_rregion *r, struct hp_symbolizer *sym, int want_lines,
			      int parts, struct hp_proc *out)
{
	memset(out, 0, sizeof(*out));
	fill_header(r, out);
	if (build_rows(r, sym, want_lines, parts, out) < 0)
		return -ENOMEM;
	if ((parts & HP_PART_TREE) && hp_tree_from_region(r, sym, out) < 0) /* region_tree.c */
		return -ENOMEM;
	if (parts & HP_PART_FLOW) /* memory totals in alloc mode (region_mem.c) */
		hp_mem_from_region(r, sym, (parts & HP_PART_FUNCS) != 0, out);
	if ((parts & HP_PART_STACKS) &&
	    hp_astacks_from_region(r, sym, want_lines, out) < 0) /* region_astacks.c */
		return -ENOMEM;
	if (parts & HP_PART_PATCH)
		hp_patch_from_region(r, out); /* patched functions (region_patch.c) */
	if ((parts & HP_PART_STACKS) &&
	    hp_cpu_from_region(r, sym, want_lines, out) < 0) /* CPU samples (region_cpu.c) */
		return -ENOMEM;
	if ((parts & HP_PART_FLOW) && hp_flow_from_region(r, sym, want_lines, out) <
					      0) /* channels, locks, io (region_flow.c) */
		return -ENOMEM;
	if (r->h->flags & HP_FLAG_OWN_MALLOC)
		hp_proc_add_note(
			out, "the executable defines its own malloc: its allocations are not seen");
	return 0;
}
