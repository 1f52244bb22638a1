/* report_json_write.c - the report as the JSON document described in docs/json.md: the process
 * object, its functions and threads, and the sections' members (report_mem.c, report_flow_json.c,
 * report_patch.c). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hp/region.h"
#include "json.h"
#include "report_cpu.h"
#include "report_flow.h"
#include "report_int.h"
#include "report_mem.h"
#include "report_patch.h"
#include "report_tree.h"
#include "textfmt.h"

#ifndef HP_VERSION
#define HP_VERSION "unknown"
#endif

static const char *kind_name(int kind)
{
	switch (kind) {
	case HP_FN_INSTRUMENTED: return "instrumented";
	case HP_FN_PATCHED: return "patched";
	case HP_FN_MAIN_WRAPPER: return "main";
	}
	return NULL;
}

/* Histogram bounds as integers; the open last bucket can exceed int64, then a whole double. */
static void jw_round(struct hp_jw *w, double v)
{
	if (v >= 0 && v < 9.2e18)
		hp_jw_uint(w, (uint64_t)llround(v));
	else
		hp_jw_double(w, round(v), 0);
}

static void json_fn(struct hp_jw *w, const struct hp_fn_row *r, const struct hp_report_opts *o)
{
	char buf[64], num[32];

	hp_jw_obj_begin(w);
	hp_jw_kstr(w, "name", r->name);
	hp_jw_kstr(w, "module", r->module);
	hp_jw_kstr(w, "file", r->file);
	hp_jw_kint_if(w, "line", r->line > 0, r->line);
	snprintf(buf, sizeof(buf), "0x%" PRIx64, r->addr);
	hp_jw_kstr(w, "address", buf);
	hp_jw_kstr(w, "kind", kind_name(r->kind));
	hp_jw_kuint(w, "calls", r->calls);
	hp_jw_kuint(w, "completed", r->completed);
	hp_jw_kuint(w, "total_ns", r->total_ns);
	hp_jw_kuint(w, "self_ns", r->self_ns);
	hp_jw_kuint_if(w, "avg_ns", r->completed, hp_fn_avg_ns(r));
	hp_jw_kuint_if(w, "min_ns", r->completed, r->min_ns);
	hp_jw_kuint_if(w, "max_ns", r->completed, r->max_ns);
	for (int i = 0; i < o->npcts; i++) {
		double v = hp_fn_percentile(r, o->pcts[i], o);
		hp_fmt_pct(num, sizeof(num), o->pcts[i], '_');
		snprintf(buf, sizeof(buf), "p%s_ns", num);
		hp_jw_key(w, buf);
		if (isnan(v))
			hp_jw_null(w);
		else
			jw_round(w, v);
	}
	hp_jw_key(w, "percent_total");
	hp_jw_double(w, r->percent_total, 2);
	hp_jw_kuint(w, "alloc_count", r->alloc_count);
	hp_jw_kuint(w, "alloc_bytes", r->alloc_bytes);
	hp_jw_kuint(w, "free_count", r->free_count);
	hp_jw_kuint(w, "free_bytes", r->free_bytes);
	hp_jw_kuint_if(w, "cpu_ns", r->has_cpu, r->cpu_ns); /* sampled CPU time (docs/cpu.md) */
	hp_jw_key(w, "histogram");
	hp_jw_arr_begin(w);
	for (size_t i = 0; r->hist && i < r->nhist; i++) {
		int pretty = w->pretty;
		hp_jw_arr_begin(w);
		w->pretty = 0; /* one bucket per line, not one number */
		jw_round(w, r->hist[i].lo_ns);
		jw_round(w, r->hist[i].hi_ns);
		hp_jw_uint(w, r->hist[i].count);
		hp_jw_arr_end(w);
		w->pretty = pretty;
	}
	hp_jw_arr_end(w);
	hp_jw_obj_end(w);
}

static void json_thread(struct hp_jw *w, const struct hp_thread_row *t)
{
	hp_jw_obj_begin(w);
	hp_jw_kint(w, "tid", t->tid);
	hp_jw_kstr(w, "name", t->name);
	hp_jw_kstr(w, "start_routine", t->start_routine);
	hp_jw_kstr(w, "state", t->running ? "running" : "exited");
	hp_jw_kint(w, "start_ns", t->start_ns);
	hp_jw_kint_if(w, "end_ns", !t->running, t->end_ns);
	hp_jw_kuint(w, "cpu_user_ns", t->cpu_user_ns);
	hp_jw_kuint(w, "cpu_sys_ns", t->cpu_sys_ns);
	hp_jw_kuint(w, "cpu_ns", t->cpu_ns);
	hp_jw_kuint(w, "cpu_samples", t->cpu_samples);
	hp_jw_kuint(w, "calls", t->calls);
	hp_jw_kuint(w, "alloc_count", t->alloc_count);
	hp_jw_kuint(w, "alloc_bytes", t->alloc_bytes);
	hp_jw_kuint(w, "free_count", t->free_count);
	hp_jw_kuint(w, "free_bytes", t->free_bytes);
	hp_jw_kuint(w, "lock_wait_ns", t->lock_wait_ns);
	hp_jw_kuint(w, "io_block_ns", t->io_block_ns);
	hp_jw_kuint(w, "blocked_ns", t->lock_wait_ns + t->io_block_ns);
	hp_jw_kuint(w, "waiting_ns", t->waiting_ns);
	hp_jw_kstr(w, "waiting_on", t->waiting_on);
	hp_jw_obj_end(w);
}

static void json_proc(struct hp_jw *w, const struct hp_proc *p, const struct hp_report_opts *o,
		      int top)
{
	hp_jw_obj_begin(w);
	if (top) {
		hp_jw_kstr(w, "hotpath_version", HP_VERSION);
		hp_jw_kint(w, "schema_version", HP_REPORT_SCHEMA);
	}
	hp_jw_kstr(w, "hotpath_profiling_mode", hp_profiling_mode(p->modes));
	hp_jw_kint(w, "pid", p->pid);
	hp_jw_kint(w, "ppid", p->ppid);
	hp_jw_key(w, "command");
	hp_jw_arr_begin(w);
	for (int i = 0; p->argv && i < p->argc; i++)
		hp_jw_str(w, p->argv[i]);
	hp_jw_arr_end(w);
	hp_jw_kstr(w, "exe", p->exe);
	hp_jw_kstr(w, "state", hp_proc_state_name(p->state));
	hp_jw_kint_if(w, "exit_status", p->state == HP_PS_EXITED, p->exit_status);
	hp_jw_kint_if(w, "term_signal", p->state == HP_PS_SIGNALED, p->term_signal);
	hp_jw_kint(w, "start_time_unix_ns", p->start_unix_ns);
	hp_jw_kuint(w, "wall_ns", p->wall_ns);
	hp_jw_key(w, "percentiles");
	int pretty = w->pretty;
	hp_jw_arr_begin(w);
	w->pretty = 0; /* on one line */
	for (int i = 0; i < o->npcts; i++)
		hp_jw_double(w, o->pcts[i], hp_pct_decimals(o->pcts[i]));
	hp_jw_arr_end(w);
	w->pretty = pretty;
	hp_jw_key(w, "functions");
	hp_jw_arr_begin(w);
	for (size_t i = 0; p->fns && i < p->nfns; i++)
		json_fn(w, &p->fns[i], o);
	hp_jw_arr_end(w);
	hp_jw_kuint(w, "functions_total", p->nfns_total > p->nfns ? p->nfns_total : p->nfns);
	hp_jw_key(w, "threads");
	hp_jw_arr_begin(w);
	for (size_t i = 0; p->threads && i < p->nthreads; i++)
		json_thread(w, &p->threads[i]);
	hp_jw_arr_end(w);
	hp_mem_json(w, p); /* "memory": totals, in alloc mode only */
	hp_jw_kuint(w, "dropped", p->dropped);
	hp_jw_kuint(w, "depth_overflow", p->depth_overflow);
	hp_jw_kuint(w, "unmatched_exits", p->unmatched_exits);
	hp_jw_key(w, "notes");
	hp_jw_arr_begin(w);
	for (size_t i = 0; p->notes && i < p->nnotes; i++)
		hp_jw_str(w, p->notes[i]);
	hp_jw_arr_end(w);
	hp_flow_json(w, p);  /* "channels", "locks", "io" (report_flow_json.c) */
	hp_patch_json(w, p); /* "patch": selected/patched/refused, or null (report_patch.c) */
	hp_cpu_json(w, p);   /* "cpu": samples, functions, stacks, or null (report_cpu.c) */
	hp_tree_json(w, p);  /* "call_tree", "tree_dropped" (report_tree.c) */
	if (top) {
		hp_jw_key(w, "children");
		hp_jw_arr_begin(w);
		for (size_t i = 0; p->children && i < p->nchildren; i++)
			json_proc(w, &p->children[i], o, 0);
		hp_jw_arr_end(w);
	}
	hp_jw_obj_end(w);
}

void hp_report_json(struct hp_jw *w, const struct hp_proc *p, const struct hp_report_opts *o)
{
	json_proc(w, p, o, 1);
}
