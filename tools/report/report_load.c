/* report_load.c - the typed getters every section of the JSON report loader uses
 * (report_load.h): a member of the documented type or an error that names it by path. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_load.h"

int hp_load_fail(struct hp_loader *l, const char *key, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (l->err && l->errlen)
		snprintf(l->err, l->errlen, "%s%s%s: %s", l->path,
			 l->path[0] && key[0] && key[0] != '[' ? "." : "", key, what);
	return -EINVAL;
}

int hp_load_nomem(struct hp_loader *l)
{
	if (l->err && l->errlen)
		snprintf(l->err, l->errlen, "out of memory");
	return -ENOMEM;
}

/* Descend into `key` (a member name or "[i]"); returns the old length for path_pop. */
size_t hp_load_push(struct hp_loader *l, const char *fmt, ...)
{
	size_t len = strlen(l->path);
	va_list ap;

	if (len && fmt[0] != '[' && len + 1 < sizeof(l->path))
		strcat(l->path, ".");
	va_start(ap, fmt);
	size_t at = strlen(l->path);
	vsnprintf(l->path + at, sizeof(l->path) - at, fmt, ap);
	va_end(ap);
	return len;
}

void hp_load_pop(struct hp_loader *l, size_t len)
{
	l->path[len] = 0;
}

/* Present and not null: 1; absent or null (when allowed): 0; wrong: -EINVAL. */
int hp_load_member(struct hp_loader *l, const struct hp_json *o, const char *key, int nullable,
		   enum hp_json_type type, const char *what, const struct hp_json **out)
{
	const struct hp_json *j = hp_json_get(o, key);

	*out = j;
	if (!j || (nullable && j->type == HP_JSON_NULL))
		return 0;
	if (j->type != type)
		return hp_load_fail(l, key, "expected %s", what);
	return 1;
}

/* An integer in [min, max]; integral doubles beyond int64 count for the uint64 range. */
int hp_load_int(struct hp_loader *l, const struct hp_json *o, const char *key, int nullable,
		double min, double max, int64_t *i64, uint64_t *u64)
{
	const struct hp_json *j;
	int rc = hp_load_member(l, o, key, nullable, HP_JSON_NUMBER, "a number", &j);

	if (rc <= 0)
		return rc;
	if (j->is_int) {
		if ((double)j->integer < min || (double)j->integer > max)
			goto range;
		if (i64)
			*i64 = j->integer;
		if (u64)
			*u64 = (uint64_t)j->integer;
		return 1;
	}
	/* Here |number| >= 2^63 (or it has a fraction): only the top of the uint64 range can hold
	 * it, as the nearest double; 2^64 is how UINT64_MAX reads back, so it saturates. */
	if (j->number != floor(j->number) || j->number < min || j->number > max ||
	    j->number > 18446744073709551616.0 || !u64)
		goto range;
	*u64 = j->number >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)j->number;
	return 1;
range:
	if (min == 0)
		return hp_load_fail(l, key, "expected a non-negative integer");
	return hp_load_fail(l, key, "expected an integer between %.0f and %.0f", min, max);
}

int hp_load_u64(struct hp_loader *l, const struct hp_json *o, const char *key, uint64_t *out)
{
	int rc = hp_load_int(l, o, key, 0, 0, 18446744073709551615.0, NULL, out);
	return rc < 0 ? rc : 0;
}

/* Nullable variants return 1 when a value was stored. */
int hp_load_u64_or_null(struct hp_loader *l, const struct hp_json *o, const char *key,
			uint64_t *out)
{
	return hp_load_int(l, o, key, 1, 0, 18446744073709551615.0, NULL, out);
}

int hp_load_i64(struct hp_loader *l, const struct hp_json *o, const char *key, int nullable,
		int64_t *out)
{
	return hp_load_int(l, o, key, nullable, -9223372036854775808.0, 9223372036854775807.0, out,
			   NULL);
}

int hp_load_int32(struct hp_loader *l, const struct hp_json *o, const char *key, int nullable,
		  int *out)
{
	int64_t v;
	int rc = hp_load_int(l, o, key, nullable, -2147483648.0, 2147483647.0, &v, NULL);

	if (rc > 0)
		*out = (int)v;
	return rc;
}

int hp_load_num(struct hp_loader *l, const struct hp_json *o, const char *key, int nullable,
		double *out)
{
	const struct hp_json *j;
	int rc = hp_load_member(l, o, key, nullable, HP_JSON_NUMBER, "a number", &j);

	if (rc > 0)
		*out = j->number;
	return rc;
}

/* A string (or null): *out is a copy, NULL when absent or null. */
int hp_load_str(struct hp_loader *l, const struct hp_json *o, const char *key, char **out)
{
	const struct hp_json *j;
	int rc = hp_load_member(l, o, key, 1, HP_JSON_STRING, "a string or null", &j);

	if (rc <= 0)
		return rc;
	*out = strdup(j->string);
	return *out ? 1 : hp_load_nomem(l);
}

/* An enumerated string: its index in `names`, or -EINVAL. Absent or null keeps *out. */
int hp_load_enum(struct hp_loader *l, const struct hp_json *o, const char *key,
		 const char *const *names, int n, int *out)
{
	const struct hp_json *j;
	int rc = hp_load_member(l, o, key, 1, HP_JSON_STRING, "a string", &j);

	if (rc <= 0)
		return rc;
	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], j->string)) {
			*out = i;
			return 1;
		}
	return hp_load_fail(l, key, "unknown value \"%s\"", j->string);
}

int hp_load_array(struct hp_loader *l, const struct hp_json *o, const char *key,
		  const struct hp_json **out)
{
	return hp_load_member(l, o, key, 1, HP_JSON_ARRAY, "an array", out);
}

/* Every element of an array of strings, as copies (*out has a NULL after the last). */
int hp_load_strings(struct hp_loader *l, const struct hp_json *o, const char *key, char ***out,
		    size_t *n)
{
	const struct hp_json *a;
	int rc = hp_load_array(l, o, key, &a);

	if (rc <= 0)
		return rc;
	*out = calloc(a->len + 1, sizeof(char *));
	if (!*out)
		return hp_load_nomem(l);
	for (size_t i = 0; i < a->len; i++) {
		if (a->items[i]->type != HP_JSON_STRING) {
			char k[80];
			snprintf(k, sizeof(k), "%s[%zu]", key, i);
			return hp_load_fail(l, k, "expected a string");
		}
		(*out)[i] = strdup(a->items[i]->string);
		if (!(*out)[i])
			return hp_load_nomem(l);
		(*n)++;
	}
	return 1;
}

int hp_load_objects(struct hp_loader *l, const struct hp_json *o, const char *key, size_t size,
		    hp_load_elem_fn each, void **arr, size_t *n)
{
	const struct hp_json *a;
	int rc = hp_load_array(l, o, key, &a);

	if (rc <= 0 || !a->len)
		return rc;
	*arr = calloc(a->len, size);
	if (!*arr)
		return hp_load_nomem(l);
	for (size_t i = 0; i < a->len; i++) {
		char k[80];
		snprintf(k, sizeof(k), "%s[%zu]", key, i);
		if (a->items[i]->type != HP_JSON_OBJECT)
			return hp_load_fail(l, k, "expected an object");
		size_t at = hp_load_push(l, "%s", k);
		(*n)++;
		rc = each(l, a->items[i], (char *)*arr + i * size);
		if (rc < 0)
			return rc;
		hp_load_pop(l, at);
	}
	return 0;
}

int hp_load_bool(struct hp_loader *l, const struct hp_json *o, const char *key, int *out)
{
	const struct hp_json *j;
	int rc = hp_load_member(l, o, key, 1, HP_JSON_BOOL, "true, false or null", &j);

	if (rc > 0)
		*out = j->boolean;
	return rc;
}

int hp_load_object(struct hp_loader *l, const struct hp_json *o, const char *key, const char *what,
		   const struct hp_json **out)
{
	return hp_load_member(l, o, key, 1, HP_JSON_OBJECT, what, out);
}

int hp_load_hex(struct hp_loader *l, const struct hp_json *o, const char *key, uint64_t *out)
{
	const struct hp_json *j;
	int rc = hp_load_member(l, o, key, 1, HP_JSON_STRING, "a string like \"0x401136\"", &j);
	char *end;

	if (rc <= 0)
		return rc;
	errno = 0;
	*out = strtoull(j->string, &end, 16);
	if (strncmp(j->string, "0x", 2) || *end || errno || end == j->string + 2)
		return hp_load_fail(l, key, "expected a string like \"0x401136\"");
	return 1;
}
