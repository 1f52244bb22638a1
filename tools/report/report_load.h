/* report_load.h - the one way the JSON report loader reads a member: typed getters that accept
 * the documented type (or absence, or null where the schema allows it) and otherwise fail with
 * an error naming the member by path ("children[0].functions[3].calls: expected a number").
 * Every section's loader (report_json.c, report_mem.c, report_flow_json.c, report_patch.c)
 * goes through them; none turns a wrong type into a default. */
#ifndef HP_REPORT_LOAD_H
#define HP_REPORT_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "tools/region/model.h"
#include "tools/report/json.h"

struct hp_loader {
	char *err;
	size_t errlen;
	char path[256]; /* where we are: "" at the top, "children[0].functions[3]" deeper */
	const struct hp_proc *proc; /* whose functions are being loaded (its pcts_saved) */
};

/* "<path>.<key>: <what>" into l->err; returns -EINVAL. */
int hp_load_fail(struct hp_loader *l, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int hp_load_nomem(struct hp_loader *l); /* "out of memory", -ENOMEM */
/* Descend into `key` (a member name or "[i]"); returns the old length for hp_load_pop. */
size_t hp_load_push(struct hp_loader *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void hp_load_pop(struct hp_loader *l, size_t len);

/* The getters return 1 when a value was stored, 0 when the member is absent (or null where
 * `nullable` or the getter allows it: *out is then untouched), -EINVAL when it has another
 * type or is out of range, -ENOMEM. hp_load_u64 returns 0 for a stored value too. */
/* Present and not null: 1 with *out; absent or null (when allowed): 0; wrong type: -EINVAL. */
int hp_load_member(struct hp_loader *l, const struct hp_json *o, const char *key, int nullable,
		   enum hp_json_type type, const char *what, const struct hp_json **out);
/* An integer in [min, max]; integral doubles beyond int64 count for the uint64 range. */
int hp_load_int(struct hp_loader *l, const struct hp_json *o, const char *key, int nullable,
		double min, double max, int64_t *i64, uint64_t *u64);
int hp_load_u64(struct hp_loader *l, const struct hp_json *o, const char *key, uint64_t *out);
int hp_load_u64_or_null(struct hp_loader *l, const struct hp_json *o, const char *key,
			uint64_t *out);
int hp_load_i64(struct hp_loader *l, const struct hp_json *o, const char *key, int nullable,
		int64_t *out);
int hp_load_int32(struct hp_loader *l, const struct hp_json *o, const char *key, int nullable,
		  int *out);
int hp_load_num(struct hp_loader *l, const struct hp_json *o, const char *key, int nullable,
		double *out);
int hp_load_bool(struct hp_loader *l, const struct hp_json *o, const char *key, int *out);
/* A string (or null): *out is a copy, NULL when absent or null. */
int hp_load_str(struct hp_loader *l, const struct hp_json *o, const char *key, char **out);
/* "0x…" (or null) as a number: an address. */
int hp_load_hex(struct hp_loader *l, const struct hp_json *o, const char *key, uint64_t *out);
/* An enumerated string: its index in `names` (NULL entries never match), or -EINVAL for
 * another string. Absent or null keeps *out. */
int hp_load_enum(struct hp_loader *l, const struct hp_json *o, const char *key,
		 const char *const *names, int n, int *out);
int hp_load_array(struct hp_loader *l, const struct hp_json *o, const char *key,
		  const struct hp_json **out);
/* An object or null; `what` names the expected type in the error ("an object"). */
int hp_load_object(struct hp_loader *l, const struct hp_json *o, const char *key, const char *what,
		   const struct hp_json **out);
/* Every element of an array of strings, as copies (*out has a NULL after the last). */
int hp_load_strings(struct hp_loader *l, const struct hp_json *o, const char *key, char ***out,
		    size_t *n);

/* Array `key` of objects into a new array of `size`-byte elements: `each` fills element i
 * (counted in *n before it is filled, so that a failure frees what was loaded). Absent, null
 * or empty: *arr stays NULL. Returns 0 or the first error. */
typedef int (*hp_load_elem_fn)(struct hp_loader *l, const struct hp_json *o, void *elem);
int hp_load_objects(struct hp_loader *l, const struct hp_json *o, const char *key, size_t size,
		    hp_load_elem_fn each, void **arr, size_t *n);

/* The sections' loaders, called by report_json.c on each process object `o`; each is a no-op
 * when its members are absent (an older report). */
int hp_mem_from_json(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p);
int hp_flow_from_json(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p);
int hp_patch_from_json(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p);
int hp_cpu_from_json(struct hp_loader *l, const struct hp_json *o, struct hp_proc *p);

#endif
