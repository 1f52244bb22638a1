/* json.h - a small JSON writer (streams to a FILE) and a DOM parser for saved reports.
 * Used by the readers only. Numbers keep int64 exactness when they are integral. */
#ifndef HP_JSON_H
#define HP_JSON_H

#include <stddef.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>

enum hp_json_type {
	HP_JSON_NULL,
	HP_JSON_BOOL,
	HP_JSON_NUMBER,
	HP_JSON_STRING,
	HP_JSON_ARRAY,
	HP_JSON_OBJECT
};

struct hp_json {
	enum hp_json_type type;
	int boolean;	 /* HP_JSON_BOOL */
	double number;	 /* HP_JSON_NUMBER */
	int is_int;	 /* the number was written without fraction/exponent and fits int64 */
	int64_t integer; /* valid when is_int */
	char *string;	 /* HP_JSON_STRING: NUL-terminated UTF-8 (embedded NUL escaped as \u0000
			       * is kept; len is the byte length) */
	size_t len;	 /* string bytes, or the number of items / members */
	struct hp_json **items; /* array items, or object member values */
	char **keys;		/* object member names (same order as in the text) */
};

/* Parse `len` bytes. Returns the root, or NULL with `err` = "line L, column C: <what was
 * expected>". Rejects trailing garbage, nesting deeper than 512, invalid UTF-8 escapes. */
struct hp_json *hp_json_parse(const char *text, size_t len, char *err, size_t errlen);
void hp_json_free(struct hp_json *j);

/* Member lookup (NULL when j is not an object or the key is absent) and typed accessors that
 * return `def` when j is NULL or of another type. */
const struct hp_json *hp_json_get(const struct hp_json *j, const char *key);
int64_t hp_json_int(const struct hp_json *j, int64_t def); /* also truncates non-int numbers */
double hp_json_num(const struct hp_json *j, double def);
const char *hp_json_str(const struct hp_json *j, const char *def);
int hp_json_bool(const struct hp_json *j, int def);

/* Writer. Commas, quoting, escaping (control characters, quotes, backslash; invalid UTF-8 as
 * U+FFFD) and, with pretty, two-space indentation are handled here. */
struct hp_jw {
	FILE *f;
	int pretty;
	int depth;
	unsigned char first[128]; /* per depth: nothing written yet at this level */
	int after_key;
};
void hp_jw_init(struct hp_jw *w, FILE *f, int pretty);
void hp_jw_obj_begin(struct hp_jw *w);
void hp_jw_obj_end(struct hp_jw *w);
void hp_jw_arr_begin(struct hp_jw *w);
void hp_jw_arr_end(struct hp_jw *w);
void hp_jw_key(struct hp_jw *w, const char *key);
void hp_jw_str(struct hp_jw *w, const char *s); /* NULL writes null */
void hp_jw_strn(struct hp_jw *w, const char *s, size_t n);
void hp_jw_int(struct hp_jw *w, int64_t v);
void hp_jw_uint(struct hp_jw *w, uint64_t v);
void hp_jw_double(struct hp_jw *w, double v, int decimals); /* non-finite writes null */
void hp_jw_bool(struct hp_jw *w, int v);
void hp_jw_null(struct hp_jw *w);
/* A key and its value in one call; the _if forms write null unless `have`. */
void hp_jw_kstr(struct hp_jw *w, const char *key, const char *s);
void hp_jw_kint(struct hp_jw *w, const char *key, int64_t v);
void hp_jw_kuint(struct hp_jw *w, const char *key, uint64_t v);
void hp_jw_kint_if(struct hp_jw *w, const char *key, int have, int64_t v);
void hp_jw_kuint_if(struct hp_jw *w, const char *key, int have, uint64_t v);
/* Ends the document (a newline); returns 0, or -EIO when the FILE had an error. */
int hp_jw_finish(struct hp_jw *w);

/* The "C" locale, made once, or (locale_t)0 when it could not be created (then the current one
 * is used): readers uselocale() it around number formatting and parsing. */
locale_t hp_c_locale(void);

#endif
