/* fuzz_json.c - libFuzzer target for hp_json_parse (saved reports are untrusted input).
 * Parses the input; a parsed tree is written back with the writer, compactly and pretty, and
 * must parse again to the same tree. The raw input also goes through the string escaper, whose
 * output must parse back to valid UTF-8. Built and run by tests/fuzz/build.sh.
 * FUZZ_SOURCES: tools/report/json.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/report/json.h"

static void write_tree(struct hp_jw *w, const struct hp_json *j)
{
	switch (j->type) {
	case HP_JSON_NULL: hp_jw_null(w); break;
	case HP_JSON_BOOL: hp_jw_bool(w, j->boolean); break;
	case HP_JSON_NUMBER:
		if (j->is_int)
			hp_jw_int(w, j->integer);
		else
			hp_jw_double(w, j->number, 3);
		break;
	case HP_JSON_STRING: hp_jw_strn(w, j->string, j->len); break;
	case HP_JSON_ARRAY:
		hp_jw_arr_begin(w);
		for (size_t i = 0; i < j->len; i++)
			write_tree(w, j->items[i]);
		hp_jw_arr_end(w);
		break;
	case HP_JSON_OBJECT:
		hp_jw_obj_begin(w);
		for (size_t i = 0; i < j->len; i++) {
			hp_jw_key(w, j->keys[i]);
			write_tree(w, j->items[i]);
		}
		hp_jw_obj_end(w);
		break;
	}
}

/* Same shape, strings and integers (keys compare up to an embedded NUL, as the writer takes a
 * C string for them; non-integral numbers went out with 3 decimals). */
static int same_tree(const struct hp_json *a, const struct hp_json *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case HP_JSON_BOOL: return a->boolean == b->boolean;
	case HP_JSON_NUMBER: return a->is_int ? b->is_int && a->integer == b->integer : 1;
	case HP_JSON_STRING: return a->len == b->len && !memcmp(a->string, b->string, a->len);
	case HP_JSON_ARRAY:
	case HP_JSON_OBJECT:
		if (a->len != b->len)
			return 0;
		for (size_t i = 0; i < a->len; i++) {
			if (a->type == HP_JSON_OBJECT && strcmp(a->keys[i], b->keys[i]))
				return 0;
			if (!same_tree(a->items[i], b->items[i]))
				return 0;
		}
		return 1;
	default: return 1;
	}
}

static char *write_to_memory(const struct hp_json *j, const uint8_t *raw, size_t n, int pretty,
			     size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	struct hp_jw w;

	if (!f)
		abort();
	hp_jw_init(&w, f, pretty);
	if (j)
		write_tree(&w, j);
	else
		hp_jw_strn(&w, (const char *)raw, n);
	hp_jw_finish(&w);
	fclose(f);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct hp_json *j = hp_json_parse((const char *)data, size, err, sizeof(err));
	struct hp_json *again;
	size_t len;
	char *out;

	if (!j && strncmp(err, "line ", 5))
		abort(); /* every error names its position */
	for (int pretty = 0; j && pretty < 2; pretty++) {
		out = write_to_memory(j, NULL, 0, pretty, &len);
		again = hp_json_parse(out, len, err, sizeof(err));
		if (!again || !same_tree(j, again)) {
			fprintf(stderr, "round trip failed: %s\n%s\n",
				again ? "different tree" : err, out);
			abort();
		}
		hp_json_free(again);
		free(out);
	}
	if (j) {
		(void)hp_json_int(hp_json_get(j, "total_ns"), 0);
		(void)hp_json_str(hp_json_get(j, "name"), NULL);
	}
	hp_json_free(j);

	out = write_to_memory(NULL, data, size, 0, &len);
	again = hp_json_parse(out, len, err, sizeof(err));
	if (!again || again->type != HP_JSON_STRING) {
		fprintf(stderr, "escaped string does not parse: %s\n", err);
		abort();
	}
	hp_json_free(again);
	free(out);
	return 0;
}
