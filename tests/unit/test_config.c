/* test_config.c - unit tests of tools/config.c: the hotpath.conf syntax (sections, comments,
 * quotes, line numbers), every syntax error with its exact text, and the value parsers. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/config.h"

static char err[256];

static void parse_ok(const char *text, struct hp_conf *c)
{
	int rc = hp_conf_parse("hotpath.conf", text, strlen(text), c, err, sizeof(err));

	ck_assert_msg(rc == 0, "parse failed (%d): %s", rc, err);
}

static void check_item(const struct hp_conf *c, size_t i, const char *section, const char *key,
		       const char *value, int line)
{
	ck_assert_msg(i < c->n, "item %zu of %zu", i, c->n);
	ck_assert_str_eq(c->items[i].section, section);
	ck_assert_str_eq(c->items[i].key, key);
	ck_assert_str_eq(c->items[i].value, value);
	ck_assert_int_eq(c->items[i].line, line);
}

START_TEST(test_sections_and_comments)
{
	struct hp_conf c;

	parse_ok("# hotpath settings\n"
		 "top = 1\n"
		 "\n"
		 "; another comment\n"
		 "   # indented comment\n"
		 "[run]\n"
		 "limit = 20\n"
		 "  output=report.json  \n"
		 "[ report.tui-2_x ]  # trailing comment\n"
		 "percentiles = 50,95,99.9\n"
		 "[run]\n"
		 "limit = 30\n",
		 &c);
	ck_assert_str_eq(c.path, "hotpath.conf");
	ck_assert_uint_eq(c.n, 5);
	check_item(&c, 0, "", "top", "1", 2);
	check_item(&c, 1, "run", "limit", "20", 7);
	check_item(&c, 2, "run", "output", "report.json", 8);
	check_item(&c, 3, "report.tui-2_x", "percentiles", "50,95,99.9", 10);
	check_item(&c, 4, "run", "limit", "30", 12);
	hp_conf_free(&c);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_ptr_null(c.items);
}
END_TEST

START_TEST(test_values)
{
	struct hp_conf c;

	parse_ok("a = value # a comment\n"
		 "b = color#1\n"
		 "c =\n"
		 "d = # only a comment\n"
		 "e = \"quoted # not a comment\"  # a comment\n"
		 "f = \"esc \\\" \\\\ \\n \\t end\"\n"
		 "g = \"  padded  \"\n"
		 "h = say \"a # b\" now # gone\n"
		 "i = \"\"\n"
		 "j = x = y\n"
		 "k = tab\tinside\t\n",
		 &c);
	ck_assert_uint_eq(c.n, 11);
	check_item(&c, 0, "", "a", "value", 1);
	check_item(&c, 1, "", "b", "color#1", 2);
	check_item(&c, 2, "", "c", "", 3);
	check_item(&c, 3, "", "d", "", 4);
	check_item(&c, 4, "", "e", "quoted # not a comment", 5);
	check_item(&c, 5, "", "f", "esc \" \\ \n \t end", 6);
	check_item(&c, 6, "", "g", "  padded  ", 7);
	check_item(&c, 7, "", "h", "say \"a # b\" now", 8);
	check_item(&c, 8, "", "i", "", 9);
	check_item(&c, 9, "", "j", "x = y", 10);
	check_item(&c, 10, "", "k", "tab\tinside", 11);
	hp_conf_free(&c);
}
END_TEST

START_TEST(test_line_endings)
{
	struct hp_conf c;

	parse_ok("\xef\xbb\xbf[s]\r\nk = v\r\n\r\nl = \"w\"\r\nlast = no newline", &c);
	ck_assert_uint_eq(c.n, 3);
	check_item(&c, 0, "s", "k", "v", 2);
	check_item(&c, 1, "s", "l", "w", 4);
	check_item(&c, 2, "s", "last", "no newline", 5);
	hp_conf_free(&c);

	parse_ok("", &c);
	ck_assert_uint_eq(c.n, 0);
	hp_conf_free(&c);

	/* Only len bytes are read. */
	ck_assert_int_eq(hp_conf_parse("x.conf", "k = 12345", 5, &c, err, sizeof(err)), 0);
	check_item(&c, 0, "", "k", "1", 1);
	hp_conf_free(&c);
}
END_TEST

#define NAME_CHARS "letters, digits, '_', '-' or '.'"
#define UNTERMINATED "expected a closing '\"' in the value of key 'name' (unterminated quote)"

static const struct {
	const char *text;
	const char *err;
} bad[] = {
	{"limit 5", "hotpath.conf:1: expected '=' after key 'limit'"},
	{"# c\n\nlimit\n", "hotpath.conf:3: expected '=' after key 'limit'"},
	{"lim it = 5", "hotpath.conf:1: expected '=' after key 'lim'"},
	{"[run]\na = 1\n\n\n[report\n", "hotpath.conf:5: expected ']' to close section header"},
	{"[]", "hotpath.conf:1: expected a section name between '[' and ']'"},
	{"[  ]", "hotpath.conf:1: expected a section name between '[' and ']'"},
	{"[a b]", "hotpath.conf:1: expected a section name of " NAME_CHARS ", got 'a b'"},
	{"[r$n]", "hotpath.conf:1: expected a section name of " NAME_CHARS ", got 'r$n'"},
	{"[run] x y", "hotpath.conf:1: expected end of line after section header, got 'x y'"},
	{"= 5", "hotpath.conf:1: expected a key before '='"},
	{"li$mit = 5", "hotpath.conf:1: expected a key of " NAME_CHARS ", got 'li$mit'"},
	{"\"key\" = 5", "hotpath.conf:1: expected a key of " NAME_CHARS ", got '\"key\"'"},
	{"k\xc3\xa9y = 5", "hotpath.conf:1: expected a key of " NAME_CHARS ", got 'k\xc3\xa9y'"},
	{"a = 1\nname = \"abc\n", "hotpath.conf:2: " UNTERMINATED},
	{"name = \"abc\\\"", "hotpath.conf:1: " UNTERMINATED},
	{"name = a \"b # c", "hotpath.conf:1: " UNTERMINATED},
	{"name = \"a\\qb\"",
	 "hotpath.conf:1: expected \\\" \\\\ \\n or \\t in the value of key 'name', got '\\q'"},
	{"name = \"a\" b",
	 "hotpath.conf:1: expected end of line after the quoted value of key 'name', got 'b'"},
};

START_TEST(test_errors)
{
	struct hp_conf c;
	int rc;

	memset(err, 'x', sizeof(err));
	rc = hp_conf_parse("hotpath.conf", bad[_i].text, strlen(bad[_i].text), &c, err,
			   sizeof(err));
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_str_eq(err, bad[_i].err);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_ptr_null(c.items);
	ck_assert_ptr_null(c.path);
}
END_TEST

START_TEST(test_error_details)
{
	struct hp_conf c;

	ck_assert_int_eq(hp_conf_parse("a.conf", "a = 1\nb = x\0y\n", 12, &c, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "a.conf:2: expected text, got a NUL byte");
	ck_assert_int_eq(hp_conf_parse(NULL, "oops", 4, &c, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "(config):1: expected '=' after key 'oops'");
	ck_assert_int_eq(hp_conf_parse("a.conf", "oops", 4, &c, NULL, 0), -EINVAL);
	ck_assert_int_eq(hp_conf_parse("a.conf", "oops", 4, &c, err, 9), -EINVAL);
	ck_assert_str_eq(err, "a.conf:1");
}
END_TEST

START_TEST(test_load)
{
	char path[] = "/tmp/hp-test-config-XXXXXX";
	int fd = mkstemp(path);
	struct hp_conf c;
	const char text[] = "[run]\nlimit = 7\n";

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
	close(fd);
	ck_assert_int_eq(hp_conf_load(path, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.path, path);
	check_item(&c, 0, "run", "limit", "7", 2);
	hp_conf_free(&c);
	unlink(path);

	ck_assert_int_eq(hp_conf_load("/nonexistent/hotpath.conf", &c, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "/nonexistent/hotpath.conf: No such file or directory");
	ck_assert_int_eq(hp_conf_load("/tmp", &c, err, sizeof(err)), -EISDIR);
	ck_assert_str_eq(err, "/tmp: Is a directory");
}
END_TEST

/* ---- value parsers ---- */

START_TEST(test_parse_bool)
{
	static const char *const yes[] = {"true", "TRUE", "yes", "Yes", "on", "1"};
	static const char *const no[] = {"false", "False", "no", "NO", "off", "0"};
	int v;

	for (size_t i = 0; i < 6; i++) {
		v = -1;
		ck_assert_int_eq(hp_parse_bool(yes[i], &v, err, sizeof(err)), 0);
		ck_assert_int_eq(v, 1);
		ck_assert_int_eq(hp_parse_bool(no[i], &v, err, sizeof(err)), 0);
		ck_assert_int_eq(v, 0);
	}
	ck_assert_int_eq(hp_parse_bool("maybe", &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "expected true or false, got 'maybe'");
	ck_assert_int_eq(hp_parse_bool("", &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "expected true or false, got ''");
	ck_assert_int_eq(hp_parse_bool("2", &v, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_parse_u64)
{
	uint64_t v;

	ck_assert_int_eq(hp_parse_u64("42", 1, 100, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(hp_parse_u64("1", 1, 100, &v, err, sizeof(err)), 0);
	ck_assert_int_eq(hp_parse_u64("100", 1, 100, &v, err, sizeof(err)), 0);
	ck_assert_int_eq(hp_parse_u64("18446744073709551615", 0, UINT64_MAX, &v, err, sizeof(err)),
			 0);
	ck_assert(v == UINT64_MAX);
	ck_assert_int_eq(hp_parse_u64("007", 0, 10, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 7);

	ck_assert_int_eq(hp_parse_u64("101", 1, 100, &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "expected a whole number between 1 and 100, got '101'");
	ck_assert_int_eq(hp_parse_u64("0", 1, 100, &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "expected a whole number between 1 and 100, got '0'");
	ck_assert_int_eq(hp_parse_u64("18446744073709551616", 0, UINT64_MAX, &v, err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "expected a whole number of at least 0, got '18446744073709551616'");
	ck_assert_int_eq(hp_parse_u64("-1", 0, 10, &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "expected a whole number between 0 and 10, got '-1'");
	ck_assert_int_eq(hp_parse_u64("", 0, 10, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(hp_parse_u64("12abc", 0, 100, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(hp_parse_u64("1.5", 0, 100, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(hp_parse_u64("+5", 0, 100, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(hp_parse_u64("5 ", 0, 100, &v, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_parse_percentiles)
{
	double p[8];
	int n = -1;

	ck_assert_int_eq(hp_parse_percentiles("50,95,99.9", p, 8, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_double_eq(p[0], 50);
	ck_assert_double_eq(p[1], 95);
	ck_assert_double_eq(p[2], 99.9);
	ck_assert_int_eq(hp_parse_percentiles(" 99.9 , 50,95,50,100,0.1", p, 8, &n, err,
					      sizeof(err)),
			 0);
	ck_assert_int_eq(n, 5);
	ck_assert_double_eq(p[0], 0.1);
	ck_assert_double_eq(p[1], 50);
	ck_assert_double_eq(p[2], 95);
	ck_assert_double_eq(p[3], 99.9);
	ck_assert_double_eq(p[4], 100);
	/* Duplicates do not count against max. */
	ck_assert_int_eq(hp_parse_percentiles("50,50,50", p, 1, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n, 1);
}
END_TEST

#define PCT "expected percentiles above 0 and up to 100 (like 50,95,99.9), got "

static const struct {
	const char *text;
	const char *err;
} bad_pct[] = {
	{"101", PCT "'101'"},
	{"50,0", PCT "'0'"},
	{"0.0", PCT "'0.0'"},
	{"-5", PCT "'-5'"},
	{"100.01", PCT "'100.01'"},
	{"abc", PCT "'abc'"},
	{"50, p99", PCT "'p99'"},
	{"1e2", PCT "'1e2'"},
	{"50.", PCT "'50.'"},
	{".5", PCT "'.5'"},
	{"nan", PCT "'nan'"},
	{"50 95", PCT "'50 95'"},
	{"50,,99", PCT "an empty item in '50,,99'"},
	{"50,", PCT "an empty item in '50,'"},
	{"", PCT "an empty item in ''"},
	{"1,2,3,4,5", "expected at most 4 percentiles, got 5 in '1,2,3,4,5'"},
};

START_TEST(test_parse_percentiles_errors)
{
	double p[4];
	int n = -1;

	ck_assert_int_eq(hp_parse_percentiles(bad_pct[_i].text, p, 4, &n, err, sizeof(err)), -1);
	ck_assert_str_eq(err, bad_pct[_i].err);
	ck_assert_int_eq(n, -1);
}
END_TEST

START_TEST(test_parse_list)
{
	char **list;
	size_t n;

	ck_assert_int_eq(hp_parse_list(" a, b c ,d", &list, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0], "a");
	ck_assert_str_eq(list[1], "b c");
	ck_assert_str_eq(list[2], "d");
	hp_list_free(list, n);
	ck_assert_int_eq(hp_parse_list("one", &list, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0], "one");
	hp_list_free(list, n);
	ck_assert_int_eq(hp_parse_list("", &list, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(list);
	hp_list_free(list, n);

	ck_assert_int_eq(hp_parse_list("a,,b", &list, &n, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "expected a comma-separated list without empty items, got 'a,,b'");
	ck_assert_ptr_null(list);
	ck_assert_int_eq(hp_parse_list("a, ", &list, &n, err, sizeof(err)), -1);
	ck_assert_int_eq(hp_parse_list(",a", &list, &n, err, sizeof(err)), -1);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *syntax = tcase_create("syntax");
	TCase *errors = tcase_create("errors");
	TCase *values = tcase_create("values");

	tcase_add_test(syntax, test_sections_and_comments);
	tcase_add_test(syntax, test_values);
	tcase_add_test(syntax, test_line_endings);
	tcase_add_test(syntax, test_load);
	tcase_add_loop_test(errors, test_errors, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(errors, test_error_details);
	tcase_add_test(values, test_parse_bool);
	tcase_add_test(values, test_parse_u64);
	tcase_add_test(values, test_parse_percentiles);
	tcase_add_loop_test(values, test_parse_percentiles_errors, 0,
			    (int)(sizeof(bad_pct) / sizeof(bad_pct[0])));
	tcase_add_test(values, test_parse_list);
	suite_add_tcase(s, syntax);
	suite_add_tcase(s, errors);
	suite_add_tcase(s, values);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());

	srunner_run_all(sr, CK_VERBOSE);
	return srunner_ntests_failed(sr) ? 1 : 0;
}
