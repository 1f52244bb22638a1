/* patch_scan.h - which functions a --functions pattern list selects in a program (and, for
 * module-qualified patterns, in the libraries it loads), and whether each can be patched: the
 * analysis libhotpath.so runs at start-up, done ahead by the launcher (patch_plan.c) and shown
 * by `hotpath list-functions` (list_functions.c). */
#ifndef HP_PATCH_SCAN_H
#define HP_PATCH_SCAN_H

#include <stddef.h>
#include <stdint.h>

struct lf_module;
struct hp_plan_rec;

struct hp_patch_scan {
	const char *patterns;
	struct lf_module *m;
	uint64_t handle; /* the disassembler: hp_arch_open / hp_arch_close around the scan */
	unsigned selected, ok;
	/* Plan mode (hp_patch_plan_prepare): collect records instead of printing. */
	int quiet;
	uint64_t key; /* hp_plan_key of the module being read */
	struct hp_plan_rec *recs;
	size_t nrecs, cap;
};

/* Open the disassembler into st->handle (0, or -1), and close it. */
int hp_patch_scan_open(struct hp_patch_scan *st);
void hp_patch_scan_close(struct hp_patch_scan *st);

/* Scan PROG, and the libraries it loads when a pattern names a module: every selected function
 * is printed ("patchable"/"refused" and why) or, with st->quiet, added to st->recs. Counts go
 * to st->selected and st->ok. Returns 0, or -1 after printing why PROG could not be read. */
int hp_patch_scan(struct hp_patch_scan *st, const char *prog);

#endif
