/* test_json.c - unit tests of tools/report/json.c: the parser (values, escapes, big numbers, every
 * error and its position, nesting bound) and the writer (layout, escaping, numbers, round trip). */
#include <check.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/report/json.h"

static char err[256];

static struct hp_json *parse(const char *text)
{
	struct hp_json *j = hp_json_parse(text, strlen(text), err, sizeof(err));

	ck_assert_msg(j != NULL, "parse of '%s' failed: %s", text, err);
	return j;
}

/* ---- values ---- */

START_TEST(test_literals)
{
	struct hp_json *j = parse(" [null, true, false] ");

	ck_assert_int_eq(j->type, HP_JSON_ARRAY);
	ck_assert_uint_eq(j->len, 3);
	ck_assert_int_eq(j->items[0]->type, HP_JSON_NULL);
	ck_assert_int_eq(j->items[1]->type, HP_JSON_BOOL);
	ck_assert_int_eq(j->items[1]->boolean, 1);
	ck_assert_int_eq(j->items[2]->boolean, 0);
	hp_json_free(j);
	j = parse("\t\r\n{}\n");
	ck_assert_int_eq(j->type, HP_JSON_OBJECT);
	ck_assert_uint_eq(j->len, 0);
	hp_json_free(j);
}
END_TEST

START_TEST(test_numbers)
{
	static const struct {
		const char *text;
		int is_int;
		int64_t integer;
		double number;
	} cases[] = {
		{"0", 1, 0, 0},
		{"42", 1, 42, 42},
		{"-17", 1, -17, -17},
		{"9223372036854775807", 1, INT64_MAX, 9223372036854775807.0},
		{"-9223372036854775808", 1, INT64_MIN, -9223372036854775808.0},
		{"9007199254740993", 1, 9007199254740993LL, 9007199254740992.0},
		{"9223372036854775808", 0, 0, 9223372036854775808.0},
		{"-9223372036854775809", 0, 0, -9223372036854775808.0},
		{"18446744073709551615", 0, 0, 18446744073709551615.0},
		{"1.5", 0, 0, 1.5},
		{"1e3", 0, 0, 1000},
		{"1.0", 0, 0, 1},
		{"-1.25E-2", 0, 0, -0.0125},
		{"2E+2", 0, 0, 200},
		{"0.1", 0, 0, 0.1},
		{"1e-400", 0, 0, 0},
		{"123456789012345678901234567890", 0, 0, 1.2345678901234568e29},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hp_json *j = parse(cases[i].text);

		ck_assert_int_eq(j->type, HP_JSON_NUMBER);
		ck_assert_msg(j->is_int == cases[i].is_int, "%s: is_int %d", cases[i].text,
			      j->is_int);
		if (j->is_int)
			ck_assert_msg(j->integer == cases[i].integer, "%s: integer %lld",
				      cases[i].text, (long long)j->integer);
		ck_assert_msg(j->number == cases[i].number, "%s: number %.17g", cases[i].text,
			      j->number);
		hp_json_free(j);
	}
}
END_TEST

START_TEST(test_negative_zero)
{
	struct hp_json *j = parse("-0");

	ck_assert_int_eq(j->is_int, 1);
	ck_assert_int_eq(j->integer, 0);
	ck_assert(signbit(j->number));
	hp_json_free(j);
}
END_TEST

/* The input need not be NUL-terminated: nothing past len is read. */
START_TEST(test_length_bound)
{
	const char text[] = "123456";
	struct hp_json *j = hp_json_parse(text, 3, err, sizeof(err));

	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(j->integer, 123);
	hp_json_free(j);
	j = hp_json_parse("1.5", 2, err, sizeof(err));
	ck_assert_ptr_null(j);
	ck_assert_str_eq(err, "line 1, column 3: expected a digit after '.', got end of input");
	j = hp_json_parse("\"ab\"", 3, err, sizeof(err));
	ck_assert_ptr_null(j);
	ck_assert_str_eq(err,
			 "line 1, column 4: expected '\"' to close the string, got end of input");
	j = hp_json_parse("true", 3, err, sizeof(err));
	ck_assert_ptr_null(j);
	j = hp_json_parse(NULL, 0, err, sizeof(err));
	ck_assert_ptr_null(j);
	ck_assert_str_eq(err, "line 1, column 1: expected a value, got end of input");
}
END_TEST

START_TEST(test_escapes)
{
	struct hp_json *j = parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"");

	ck_assert_int_eq(j->type, HP_JSON_STRING);
	ck_assert_str_eq(j->string, "q\" b\\ s/ \b\f\n\r\t");
	ck_assert_uint_eq(j->len, strlen(j->string));
	hp_json_free(j);

	j = parse("\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"");
	ck_assert_str_eq(j->string, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	ck_assert_uint_eq(j->len, 10);
	hp_json_free(j);

	j = parse("\"a\\u0000b\"");
	ck_assert_uint_eq(j->len, 3);
	ck_assert(memcmp(j->string, "a\0b", 4) == 0);
	hp_json_free(j);

	/* Raw UTF-8 passes through, up to U+10FFFF. */
	j = parse("\"\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf\x7f\"");
	ck_assert_str_eq(j->string, "\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf\x7f");
	hp_json_free(j);
}
END_TEST

START_TEST(test_objects)
{
	struct hp_json *j = parse("{\"a\": 1, \"b\": {\"c\": [1, \"x\"]}, \"a\": 2, \"s\": \"v\","
				  " \"f\": 2.9, \"t\": true}");
	const struct hp_json *b;

	ck_assert_uint_eq(j->len, 6);
	ck_assert_str_eq(j->keys[0], "a");
	ck_assert_str_eq(j->keys[5], "t");
	ck_assert_int_eq(hp_json_int(hp_json_get(j, "a"), -1), 1); /* the first duplicate wins */
	b = hp_json_get(j, "b");
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(hp_json_get(b, "c")->len, 2);
	ck_assert_ptr_null(hp_json_get(j, "missing"));
	ck_assert_ptr_null(hp_json_get(hp_json_get(j, "a"), "x"));
	ck_assert_ptr_null(hp_json_get(NULL, "a"));
	ck_assert_str_eq(hp_json_str(hp_json_get(j, "s"), "def"), "v");
	ck_assert_str_eq(hp_json_str(hp_json_get(j, "a"), "def"), "def");
	ck_assert_int_eq(hp_json_int(hp_json_get(j, "f"), -1), 2);
	ck_assert_int_eq(hp_json_int(hp_json_get(j, "s"), -1), -1);
	ck_assert_int_eq(hp_json_int(NULL, 7), 7);
	ck_assert_double_eq(hp_json_num(hp_json_get(j, "f"), 0), 2.9);
	ck_assert_double_eq(hp_json_num(hp_json_get(j, "t"), 0.5), 0.5);
	ck_assert_int_eq(hp_json_bool(hp_json_get(j, "t"), 0), 1);
	ck_assert_int_eq(hp_json_bool(hp_json_get(j, "a"), 5), 5);
	hp_json_free(j);
}
END_TEST

START_TEST(test_int_truncation_saturates)
{
	struct hp_json *j = parse("[-2.9, 1e300, -1e300, 18446744073709551615]");

	ck_assert_int_eq(hp_json_int(j->items[0], 0), -2);
	ck_assert(hp_json_int(j->items[1], 0) == INT64_MAX);
	ck_assert(hp_json_int(j->items[2], 0) == INT64_MIN);
	ck_assert(hp_json_int(j->items[3], 0) == INT64_MAX);
	hp_json_free(j);
}
END_TEST

/* ---- errors ---- */

#define RAW_CONTROL "instead of a raw control character in a string"
#define BAD_ESCAPE "expected one of \" \\ / b f n r t u after '\\'"

static const struct {
	const char *text;
	const char *err;
} bad[] = {
	{"", "line 1, column 1: expected a value, got end of input"},
	{"   ", "line 1, column 4: expected a value, got end of input"},
	{"[1,]", "line 1, column 4: expected a value, got ']'"},
	{"[1 2]", "line 1, column 4: expected ',' or ']' after an array item, got '2'"},
	{"[1", "line 1, column 3: expected ',' or ']' after an array item, got end of input"},
	{"{\"a\" 1}", "line 1, column 6: expected ':' after an object key, got '1'"},
	{"{\"a\":1,}", "line 1, column 8: expected a string key, got '}'"},
	{"{a:1}", "line 1, column 2: expected a string key or '}', got 'a'"},
	{"{\"a\":1 \"b\":2}",
	 "line 1, column 8: expected ',' or '}' after an object member, got '\"'"},
	{"{\"a\":}", "line 1, column 6: expected a value, got '}'"},
	{"\"abc", "line 1, column 5: expected '\"' to close the string, got end of input"},
	{"\"a\x01\"", "line 1, column 3: expected \\u0001 " RAW_CONTROL},
	{"\"a\nb\"", "line 1, column 3: expected \\u000a " RAW_CONTROL},
	{"\"\\x\"", "line 1, column 3: " BAD_ESCAPE ", got 'x'"},
	{"\"\\", "line 1, column 3: " BAD_ESCAPE ", got end of input"},
	{"\"\\u12G4\"", "line 1, column 4: expected 4 hex digits after '\\u'"},
	{"\"\\u12", "line 1, column 4: expected 4 hex digits after '\\u'"},
	{"\"\\ud83d\"",
	 "line 1, column 8: expected a low surrogate escape (\\uDC00-\\uDFFF) after \\uD83D"},
	{"\"\\ud83dx\\ude00\"",
	 "line 1, column 8: expected a low surrogate escape (\\uDC00-\\uDFFF) after \\uD83D"},
	{"\"\\ud83d\\u0041\"",
	 "line 1, column 8: expected a low surrogate escape (\\uDC00-\\uDFFF) after \\uD83D"},
	{"\"\\ud83d\\ud83d\"",
	 "line 1, column 8: expected a low surrogate escape (\\uDC00-\\uDFFF) after \\uD83D"},
	{"\"\\ude00\"", "line 1, column 2: expected a high surrogate before \\uDE00"},
	{"\"\xff\"", "line 1, column 2: expected valid UTF-8 in a string, got byte 0xff"},
	{"\"\xc0\xaf\"", "line 1, column 2: expected valid UTF-8 in a string, got byte 0xc0"},
	{"\"\xed\xa0\x80\"", "line 1, column 2: expected valid UTF-8 in a string, got byte 0xed"},
	{"\"\xf4\x90\x80\x80\"",
	 "line 1, column 2: expected valid UTF-8 in a string, got byte 0xf4"},
	{"\"\xe2\x82\"", "line 1, column 2: expected valid UTF-8 in a string, got byte 0xe2"},
	{"01", "line 1, column 2: expected no leading zeros in a number"},
	{"-01", "line 1, column 3: expected no leading zeros in a number"},
	{"-", "line 1, column 2: expected a digit after '-', got end of input"},
	{"-a", "line 1, column 2: expected a digit after '-', got 'a'"},
	{"1.", "line 1, column 3: expected a digit after '.', got end of input"},
	{"1.e5", "line 1, column 3: expected a digit after '.', got 'e'"},
	{"1e", "line 1, column 3: expected a digit in the exponent, got end of input"},
	{"1e+", "line 1, column 4: expected a digit in the exponent, got end of input"},
	{".5", "line 1, column 1: expected a value, got '.'"},
	{"+1", "line 1, column 1: expected a value, got '+'"},
	{"NaN", "line 1, column 1: expected a value, got 'N'"},
	{"Infinity", "line 1, column 1: expected a value, got 'I'"},
	{"[1e400]", "line 1, column 2: expected a number within the range of a double"},
	{"-1e400", "line 1, column 1: expected a number within the range of a double"},
	{"tru", "line 1, column 1: expected 'true'"},
	{"[fals]", "line 1, column 2: expected 'false'"},
	{"nul", "line 1, column 1: expected 'null'"},
	{"truex", "line 1, column 5: expected end of input after the value, got 'x'"},
	{"1 2", "line 1, column 3: expected end of input after the value, got '2'"},
	{"{} {}", "line 1, column 4: expected end of input after the value, got '{'"},
	{"[\"\xc3\xa9\", x]", "line 1, column 7: expected a value, got 'x'"},
	{"{\n  \"a\": 1,\n  \"b\": x\n}", "line 3, column 8: expected a value, got 'x'"},
	{"[1,\r\n\r\n  }", "line 3, column 3: expected a value, got '}'"},
};

START_TEST(test_errors)
{
	struct hp_json *j;

	memset(err, 'x', sizeof(err));
	j = hp_json_parse(bad[_i].text, strlen(bad[_i].text), err, sizeof(err));
	ck_assert_msg(j == NULL, "case %d parsed", _i);
	ck_assert_str_eq(err, bad[_i].err);
}
END_TEST

START_TEST(test_error_buffer)
{
	char small[12];

	ck_assert_ptr_null(hp_json_parse("[", 1, small, sizeof(small)));
	ck_assert_str_eq(small, "line 1, col");
	ck_assert_ptr_null(hp_json_parse("[", 1, NULL, 0));
	ck_assert_ptr_null(hp_json_parse("\0", 1, err, sizeof(err)));
	ck_assert_str_eq(err, "line 1, column 1: expected a value, got byte 0x00");
	ck_assert_ptr_null(hp_json_parse("[1]\0", 4, err, sizeof(err)));
	ck_assert_str_eq(err,
			 "line 1, column 4: expected end of input after the value, got byte 0x00");
}
END_TEST

/* depth times `open`, then `inner`, then depth times `close`. */
static char *nested(int depth, const char *open, const char *inner, const char *close)
{
	size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
	char *s = malloc((size_t)depth * (lo + lc) + li + 1), *p = s;

	for (int i = 0; i < depth; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, inner, li);
	p += li;
	for (int i = 0; i < depth; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

START_TEST(test_depth)
{
	char *ok = nested(512, "[", "", "]"), *deep = nested(513, "[", "", "]");
	char *okobj = nested(512, "{\"k\":", "1", "}");
	char *deepobj = nested(513, "{\"k\":", "1", "}");
	struct hp_json *j;

	j = hp_json_parse(ok, strlen(ok), err, sizeof(err));
	ck_assert_msg(j != NULL, "%s", err);
	hp_json_free(j);
	ck_assert_ptr_null(hp_json_parse(deep, strlen(deep), err, sizeof(err)));
	ck_assert_str_eq(err, "line 1, column 513: expected nesting depth at most 512");
	j = hp_json_parse(okobj, strlen(okobj), err, sizeof(err));
	ck_assert_msg(j != NULL, "%s", err);
	hp_json_free(j);
	ck_assert_ptr_null(hp_json_parse(deepobj, strlen(deepobj), err, sizeof(err)));
	ck_assert_str_eq(err, "line 1, column 2561: expected nesting depth at most 512");
	/* Unbalanced deep input fails on depth, not on the stack. */
	free(deep);
	deep = malloc(100001);
	memset(deep, '[', 100000);
	ck_assert_ptr_null(hp_json_parse(deep, 100000, err, sizeof(err)));
	free(ok);
	free(deep);
	free(okobj);
	free(deepobj);
}
END_TEST

/* ---- writer ---- */

struct membuf {
	char *data;
	size_t size;
	FILE *f;
};

static void mem_open(struct membuf *m)
{
	m->data = NULL;
	m->size = 0;
	m->f = open_memstream(&m->data, &m->size);
	ck_assert_ptr_nonnull(m->f);
}

static char *mem_close(struct membuf *m)
{
	fclose(m->f);
	return m->data;
}

static void write_doc(struct hp_jw *w)
{
	hp_jw_obj_begin(w);
	hp_jw_key(w, "name");
	hp_jw_str(w, "x");
	hp_jw_key(w, "n");
	hp_jw_int(w, 3);
	hp_jw_key(w, "list");
	hp_jw_arr_begin(w);
	hp_jw_int(w, 1);
	hp_jw_double(w, 2.5, 1);
	hp_jw_arr_end(w);
	hp_jw_key(w, "empty");
	hp_jw_obj_begin(w);
	hp_jw_obj_end(w);
	hp_jw_key(w, "e2");
	hp_jw_arr_begin(w);
	hp_jw_arr_end(w);
	hp_jw_key(w, "nested");
	hp_jw_obj_begin(w);
	hp_jw_key(w, "a");
	hp_jw_null(w);
	hp_jw_key(w, "b");
	hp_jw_bool(w, 1);
	hp_jw_obj_end(w);
	hp_jw_obj_end(w);
	ck_assert_int_eq(hp_jw_finish(w), 0);
}

START_TEST(test_writer_pretty)
{
	struct membuf m;
	struct hp_jw w;
	char *out;

	mem_open(&m);
	hp_jw_init(&w, m.f, 1);
	write_doc(&w);
	out = mem_close(&m);
	ck_assert_str_eq(out, "{\n"
			      "  \"name\": \"x\",\n"
			      "  \"n\": 3,\n"
			      "  \"list\": [\n"
			      "    1,\n"
			      "    2.5\n"
			      "  ],\n"
			      "  \"empty\": {},\n"
			      "  \"e2\": [],\n"
			      "  \"nested\": {\n"
			      "    \"a\": null,\n"
			      "    \"b\": true\n"
			      "  }\n"
			      "}\n");
	free(out);
}
END_TEST

START_TEST(test_writer_compact)
{
	struct membuf m;
	struct hp_jw w;
	char *out;

	mem_open(&m);
	hp_jw_init(&w, m.f, 0);
	write_doc(&w);
	out = mem_close(&m);
	ck_assert_str_eq(out, "{\"name\":\"x\",\"n\":3,\"list\":[1,2.5],\"empty\":{},\"e2\":[],"
			      "\"nested\":{\"a\":null,\"b\":true}}\n");
	free(out);
}
END_TEST

START_TEST(test_writer_numbers)
{
	struct membuf m;
	struct hp_jw w;
	char *out;

	mem_open(&m);
	hp_jw_init(&w, m.f, 0);
	hp_jw_arr_begin(&w);
	hp_jw_double(&w, 80.9412, 2);
	hp_jw_double(&w, 1.0, 0);
	hp_jw_double(&w, 2.0, 3);
	hp_jw_double(&w, -0.001, 2);
	hp_jw_double(&w, -1.5, 1);
	hp_jw_double(&w, NAN, 2);
	hp_jw_double(&w, INFINITY, 2);
	hp_jw_double(&w, -INFINITY, 2);
	hp_jw_int(&w, INT64_MIN);
	hp_jw_uint(&w, UINT64_MAX);
	hp_jw_bool(&w, 0);
	hp_jw_arr_end(&w);
	ck_assert_int_eq(hp_jw_finish(&w), 0);
	out = mem_close(&m);
	ck_assert_str_eq(out, "[80.94,1,2.000,0.00,-1.5,null,null,null,-9223372036854775808,"
			      "18446744073709551615,false]\n");
	free(out);
}
END_TEST

#define FFFD "\xef\xbf\xbd"

START_TEST(test_writer_escaping)
{
	struct membuf m;
	struct hp_jw w;
	char *out;

	mem_open(&m);
	hp_jw_init(&w, m.f, 0);
	hp_jw_obj_begin(&w);
	hp_jw_key(&w, "k\"\\");
	hp_jw_str(&w, "a\"b\\c\n\t\r\b\f\x01\x1f/\xc3\xa9");
	hp_jw_key(&w, "bad");
	hp_jw_str(&w, "x\xffy\xc3z\xed\xa0\x80");
	hp_jw_key(&w, "nul");
	hp_jw_strn(&w, "a\0b", 3);
	hp_jw_key(&w, "null");
	hp_jw_str(&w, NULL);
	hp_jw_obj_end(&w);
	ck_assert_int_eq(hp_jw_finish(&w), 0);
	out = mem_close(&m);
	ck_assert_str_eq(out, "{\"k\\\"\\\\\":"
			      "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f/\xc3\xa9\","
			      "\"bad\":\"x" FFFD "y" FFFD "z" FFFD FFFD FFFD "\","
			      "\"nul\":\"a\\u0000b\",\"null\":null}\n");
	free(out);
}
END_TEST

START_TEST(test_writer_top_level_values)
{
	struct membuf m;
	struct hp_jw w;
	char *out;

	mem_open(&m);
	hp_jw_init(&w, m.f, 1);
	hp_jw_int(&w, 1);
	hp_jw_str(&w, "two");
	ck_assert_int_eq(hp_jw_finish(&w), 0);
	out = mem_close(&m);
	ck_assert_str_eq(out, "1\n\"two\"\n");
	free(out);
}
END_TEST

/* Deeper than hp_jw.first[] holds: commas stay right. */
START_TEST(test_writer_deep)
{
	enum { DEPTH = 300 };
	struct membuf m;
	struct hp_jw w;
	char *out, *want = malloc(DEPTH * 5 + 2), *p = want;

	mem_open(&m);
	hp_jw_init(&w, m.f, 0);
	for (int i = 0; i < DEPTH; i++) {
		hp_jw_arr_begin(&w);
		hp_jw_arr_begin(&w);
		hp_jw_arr_end(&w);
		memcpy(p, "[[],", 4);
		p += 4;
	}
	hp_jw_int(&w, 0);
	*p++ = '0';
	for (int i = 0; i < DEPTH; i++) {
		hp_jw_arr_end(&w);
		*p++ = ']';
	}
	*p = '\0';
	hp_jw_finish(&w);
	out = mem_close(&m);
	ck_assert_uint_eq(strlen(out), strlen(want) + 1);
	ck_assert(strncmp(out, want, strlen(want)) == 0);
	free(out);
	free(want);
}
END_TEST

START_TEST(test_writer_io_error)
{
	FILE *f = fopen("/dev/full", "w");
	struct hp_jw w;

	if (!f)
		return; /* no /dev/full in this environment */
	hp_jw_init(&w, f, 0);
	hp_jw_str(&w, "data that cannot be written");
	ck_assert_int_eq(hp_jw_finish(&w), -EIO);
	fclose(f);
}
END_TEST

/* Numbers go out and come back with a '.' whatever LC_NUMERIC says (when such a locale exists). */
START_TEST(test_locale_independent)
{
	static const char *const comma_locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "fr_FR"};
	struct membuf m;
	struct hp_jw w;
	struct hp_json *j;
	char *out;

	for (size_t i = 0; i < 4; i++)
		if (setlocale(LC_NUMERIC, comma_locales[i]))
			break;
	mem_open(&m);
	hp_jw_init(&w, m.f, 0);
	hp_jw_double(&w, 3.25, 2);
	hp_jw_finish(&w);
	out = mem_close(&m);
	ck_assert_str_eq(out, "3.25\n");
	free(out);
	j = parse("3.25");
	ck_assert_double_eq(j->number, 3.25);
	hp_json_free(j);
	setlocale(LC_NUMERIC, "C");
}
END_TEST

START_TEST(test_round_trip)
{
	static const char *const strings[] = {"",
					      "plain",
					      "quote\" back\\ slash/",
					      "ctl \x01\x02\x1f\x7f",
					      "tab\tnl\ncr\r",
					      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"};
	static const int64_t ints[] = {0, 1, -1, INT64_MAX, INT64_MIN, 9007199254740993LL};
	static const double doubles[] = {0.5, -123.456, 1e-3, 12345678.9};

	for (int pretty = 0; pretty < 2; pretty++) {
		struct membuf m;
		struct hp_jw w;
		struct hp_json *j;
		const struct hp_json *a;
		char *out;
		size_t i;

		mem_open(&m);
		hp_jw_init(&w, m.f, pretty);
		hp_jw_obj_begin(&w);
		hp_jw_key(&w, "strings");
		hp_jw_arr_begin(&w);
		for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
			hp_jw_str(&w, strings[i]);
		hp_jw_strn(&w, "n\0ul", 4);
		hp_jw_arr_end(&w);
		hp_jw_key(&w, "ints");
		hp_jw_arr_begin(&w);
		for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
			hp_jw_int(&w, ints[i]);
		hp_jw_uint(&w, UINT64_MAX);
		hp_jw_arr_end(&w);
		hp_jw_key(&w, "doubles");
		hp_jw_arr_begin(&w);
		for (i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++)
			hp_jw_double(&w, doubles[i], 6);
		hp_jw_arr_end(&w);
		hp_jw_key(&w, "deep");
		for (i = 0; i < 100; i++)
			hp_jw_arr_begin(&w);
		for (i = 0; i < 100; i++)
			hp_jw_arr_end(&w);
		hp_jw_key(&w, "flag");
		hp_jw_bool(&w, 1);
		hp_jw_obj_end(&w);
		ck_assert_int_eq(hp_jw_finish(&w), 0);
		out = mem_close(&m);

		j = hp_json_parse(out, strlen(out), err, sizeof(err));
		ck_assert_msg(j != NULL, "%s in:\n%s", err, out);
		a = hp_json_get(j, "strings");
		for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
			ck_assert_str_eq(hp_json_str(a->items[i], NULL), strings[i]);
		ck_assert_uint_eq(a->items[i]->len, 4);
		ck_assert(memcmp(a->items[i]->string, "n\0ul", 4) == 0);
		a = hp_json_get(j, "ints");
		for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
			ck_assert_int_eq(a->items[i]->is_int, 1);
			ck_assert(a->items[i]->integer == ints[i]);
		}
		ck_assert_int_eq(a->items[i]->is_int, 0);
		ck_assert_double_eq(a->items[i]->number, 18446744073709551615.0);
		a = hp_json_get(j, "doubles");
		for (i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++)
			ck_assert_double_eq_tol(a->items[i]->number, doubles[i], 1e-9);
		ck_assert_int_eq(hp_json_bool(hp_json_get(j, "flag"), 0), 1);
		hp_json_free(j);
		free(out);
	}
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *parser = tcase_create("parser");
	TCase *errors = tcase_create("errors");
	TCase *writer = tcase_create("writer");

	tcase_add_test(parser, test_literals);
	tcase_add_test(parser, test_numbers);
	tcase_add_test(parser, test_negative_zero);
	tcase_add_test(parser, test_length_bound);
	tcase_add_test(parser, test_escapes);
	tcase_add_test(parser, test_objects);
	tcase_add_test(parser, test_int_truncation_saturates);
	tcase_add_loop_test(errors, test_errors, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(errors, test_error_buffer);
	tcase_add_test(errors, test_depth);
	tcase_add_test(writer, test_writer_pretty);
	tcase_add_test(writer, test_writer_compact);
	tcase_add_test(writer, test_writer_numbers);
	tcase_add_test(writer, test_writer_escaping);
	tcase_add_test(writer, test_writer_top_level_values);
	tcase_add_test(writer, test_writer_deep);
	tcase_add_test(writer, test_writer_io_error);
	tcase_add_test(writer, test_locale_independent);
	tcase_add_test(writer, test_round_trip);
	suite_add_tcase(s, parser);
	suite_add_tcase(s, errors);
	suite_add_tcase(s, writer);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());

	srunner_run_all(sr, CK_VERBOSE);
	return srunner_ntests_failed(sr) ? 1 : 0;
}
