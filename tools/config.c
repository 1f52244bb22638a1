/* config.c - the hotpath.conf parser (INI-style lines to items) and the setting value parsers.
 * The syntax is described in config.h; every error names `path:line:` and what was expected. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strtod_l */
#endif
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/report/json.h"

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Letters, digits, _ - . : the characters of keys and section names. */
static int is_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
	       c == '-' || c == '.';
}

static const char *skip_space(const char *p, const char *e)
{
	while (p < e && is_space(*p))
		p++;
	return p;
}

static const char *trim_end(const char *p, const char *e)
{
	while (e > p && is_space(e[-1]))
		e--;
	return e;
}

static int valid_name(const char *p, const char *e)
{
	if (p == e)
		return 0;
	for (; p < e; p++)
		if (!is_name_char(*p))
			return 0;
	return 1;
}

/* ---- the file parser ---- */

#define NAME_CHARS "letters, digits, '_', '-' or '.'"
#define UNTERMINATED "expected a closing '\"' in the value of key '%s' (unterminated quote)"

struct conf_parser {
	const char *path;
	int line;
	char *err;
	size_t errlen;
	char *section;
	struct hp_conf *out;
	size_t cap;
};

/* Sets "path:line: <message>"; returns -EINVAL. */
static int __attribute__((format(printf, 2, 3)))
syntax(struct conf_parser *cp, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!cp->err || !cp->errlen)
		return -EINVAL;
	n = snprintf(cp->err, cp->errlen, "%s:%d: ", cp->path, cp->line);
	if (n < 0 || (size_t)n >= cp->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(cp->err + n, cp->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int oom(struct conf_parser *cp)
{
	syntax(cp, "out of memory");
	return -ENOMEM;
}

static int parse_section(struct conf_parser *cp, const char *p, const char *e)
{
	const char *close = memchr(p, ']', (size_t)(e - p));
	const char *name, *name_end, *rest;
	char *section;

	if (!close)
		return syntax(cp, "expected ']' to close section header");
	name = skip_space(p + 1, close);
	name_end = trim_end(name, close);
	if (name == name_end)
		return syntax(cp, "expected a section name between '[' and ']'");
	if (!valid_name(name, name_end))
		return syntax(cp, "expected a section name of " NAME_CHARS ", got '%.*s'",
			      (int)(name_end - name), name);
	rest = skip_space(close + 1, e);
	if (rest < e && *rest != '#' && *rest != ';')
		return syntax(cp, "expected end of line after section header, got '%.*s'",
			      (int)(trim_end(rest, e) - rest), rest);
	if (!(section = strndup(name, (size_t)(name_end - name))))
		return oom(cp);
	free(cp->section);
	cp->section = section;
	return 0;
}

/* A value in double quotes, p at the opening quote; decodes \" \\ \n \t into a new string. */
static int parse_quoted(struct conf_parser *cp, const char *key, const char *p, const char *e,
			char **value)
{
	char *buf = malloc((size_t)(e - p) + 1), *o = buf;
	const char *rest;

	if (!buf)
		return oom(cp);
	for (p++; p < e && *p != '"'; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		if (++p == e)
			break;
		switch (*p) {
		case '"':
		case '\\': *o++ = *p; break;
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		default:
			free(buf);
			return syntax(cp,
				      "expected \\\" \\\\ \\n or \\t in the value of key '%s',"
				      " got '\\%c'",
				      key, *p);
		}
	}
	if (p >= e) {
		free(buf);
		return syntax(cp, UNTERMINATED, key);
	}
	*o = '\0';
	rest = skip_space(p + 1, e);
	if (rest < e && *rest != '#') {
		free(buf);
		return syntax(cp,
			      "expected end of line after the quoted value of key '%s',"
			      " got '%.*s'",
			      key, (int)(trim_end(rest, e) - rest), rest);
	}
	*value = buf;
	return 0;
}

/* An unquoted value from p (after '=' and spaces): up to a '#' that follows a space and is not
 * inside double quotes, trimmed. The quotes themselves are kept. */
static int parse_plain(struct conf_parser *cp, const char *key, const char *p, const char *e,
		       char **value)
{
	const char *q, *end = e;
	int quoted = 0;

	for (q = p; q < e; q++) {
		if (*q == '"') {
			quoted = !quoted;
		} else if (*q == '#' && !quoted && is_space(q[-1])) {
			end = q;
			break;
		}
	}
	if (quoted)
		return syntax(cp, UNTERMINATED, key);
	end = trim_end(p, end);
	if (!(*value = strndup(p, (size_t)(end - p))))
		return oom(cp);
	return 0;
}

static int add_item(struct conf_parser *cp, char *key, char *value)
{
	struct hp_conf *c = cp->out;
	struct hp_conf_item *it;

	if (c->n == cp->cap) {
		size_t ncap = cp->cap ? cp->cap * 2 : 16;
		struct hp_conf_item *items = realloc(c->items, ncap * sizeof(*items));

		if (!items)
			goto fail;
		c->items = items;
		cp->cap = ncap;
	}
	it = &c->items[c->n];
	if (!(it->section = strdup(cp->section)))
		goto fail;
	it->key = key;
	it->value = value;
	it->line = cp->line;
	c->n++;
	return 0;
fail:
	free(key);
	free(value);
	return oom(cp);
}

static int parse_assignment(struct conf_parser *cp, const char *p, const char *e)
{
	const char *q = p, *v;
	char *key, *value = NULL;
	int rc;

	while (q < e && *q != '=' && !is_space(*q))
		q++;
	if (q == p)
		return syntax(cp, "expected a key before '='");
	if (!valid_name(p, q))
		return syntax(cp, "expected a key of " NAME_CHARS ", got '%.*s'", (int)(q - p), p);
	if (!(key = strndup(p, (size_t)(q - p))))
		return oom(cp);
	q = skip_space(q, e);
	if (q == e || *q != '=') {
		rc = syntax(cp, "expected '=' after key '%s'", key);
		free(key);
		return rc;
	}
	v = skip_space(q + 1, e);
	if (v < e && *v == '"')
		rc = parse_quoted(cp, key, v, e, &value);
	else
		rc = parse_plain(cp, key, v, e, &value);
	if (rc) {
		free(key);
		return rc;
	}
	return add_item(cp, key, value);
}

/* In [budget]: "FUNCTION.FIELD <= N" (docs/ci.md), an item with key FUNCTION.FIELD and value N.
 * The function part is any text without spaces (C++ names, "lib.so:f"); the last "<=" splits. */
static int parse_budget(struct conf_parser *cp, const char *p, const char *e)
{
	const char *op = NULL;
	for (const char *q = p; q + 1 < e; q++)
		if (q[0] == '<' && q[1] == '=')
			op = q;
	if (!op)
		return syntax(cp, "expected FUNCTION.FIELD <= N in [budget], got '%.*s'",
			      (int)(e - p), p);
	const char *ke = trim_end(p, op), *v = skip_space(op + 2, e), *ve = trim_end(v, e);
	const char *dot = NULL;
	for (const char *q = p; q < ke; q++) {
		if (is_space(*q) || (unsigned char)*q < 0x20 || *q == 0x7f)
			return syntax(cp,
				      "expected FUNCTION.FIELD without spaces or control characters "
				      "before '<='");
		if (*q == '.')
			dot = q;
	}
	if (!dot || dot == p || dot + 1 == ke)
		return syntax(
			cp,
			"expected FUNCTION.FIELD before '<=' (e.g. parse_row.alloc_count), got '%.*s'",
			(int)(ke - p), p);
	if (v == ve)
		return syntax(cp, "expected a number after '<='");
	char *key = strndup(p, (size_t)(ke - p)), *value = strndup(v, (size_t)(ve - v));
	if (!key || !value) {
		free(key);
		free(value);
		return oom(cp);
	}
	return add_item(cp, key, value);
}

static int parse_line(struct conf_parser *cp, const char *p, const char *e)
{
	if (memchr(p, '\0', (size_t)(e - p)))
		return syntax(cp, "expected text, got a NUL byte");
	p = skip_space(p, e);
	if (p == e || *p == '#' || *p == ';')
		return 0;
	if (*p == '[')
		return parse_section(cp, p, e);
	if (cp->section && !strcmp(cp->section, "budget"))
		return parse_budget(cp, p, trim_end(p, e));
	return parse_assignment(cp, p, e);
}

int hp_conf_parse(const char *path, const char *text, size_t len, struct hp_conf *out, char *err,
		  size_t errlen)
{
	struct conf_parser cp = {.path = path ? path : "(config)",
				 .err = err,
				 .errlen = errlen,
				 .out = out};
	const char *p = text ? text : "", *end = p + (text ? len : 0);
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (!(out->path = strdup(cp.path)) || !(cp.section = strdup("")))
		goto nomem;
	if (end - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3)) /* a UTF-8 byte-order mark */
		p += 3;
	for (cp.line = 1; p < end; cp.line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		if ((rc = parse_line(&cp, p, eol)))
			goto out;
		p = eol < end ? eol + 1 : end;
	}
	goto out;
nomem:
	rc = oom(&cp);
out:
	free(cp.section);
	if (rc)
		hp_conf_free(out);
	return rc;
}

static int load_file(FILE *f, const char *path, struct hp_conf *out, char *err, size_t errlen);

int hp_conf_load(const char *path, struct hp_conf *out, char *err, size_t errlen)
{
	return load_file(fopen(path, "re"), path, out, err, errlen);
}

int hp_conf_load_fd(int fd, const char *path, struct hp_conf *out, char *err, size_t errlen)
{
	FILE *f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return load_file(f, path, out, err, errlen);
}

static int load_file(FILE *f, const char *path, struct hp_conf *out, char *err, size_t errlen)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0, got;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!f) {
		rc = -errno;
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if (!(nbuf = realloc(buf, cap))) {
				rc = -ENOMEM;
				set_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
				goto out;
			}
			buf = nbuf;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = errno ? -errno : -EIO;
		set_err(err, errlen, "%s: %s", path, strerror(-rc));
		goto out;
	}
	rc = hp_conf_parse(path, buf, len, out, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

void hp_conf_free(struct hp_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].section);
		free(c->items[i].key);
		free(c->items[i].value);
	}
	free(c->items);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

/* ---- value parsers ---- */

int hp_parse_bool(const char *s, int *out, char *err, size_t errlen)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	s = s ? s : "";
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	set_err(err, errlen, "expected true or false, got '%s'", s);
	return -1;
}

int hp_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	uint64_t v = 0;
	const char *p;

	s = s ? s : "";
	for (p = s; is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			goto bad;
		v = v * 10 + d;
	}
	if (p == s || *p || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	if (max == UINT64_MAX)
		set_err(err, errlen, "expected a whole number of at least %" PRIu64 ", got '%s'",
			min, s);
	else
		set_err(err, errlen,
			"expected a whole number between %" PRIu64 " and %" PRIu64 ", got '%s'",
			min, max, s);
	return -1;
}

/* Parses "D+" or "D+.D+" in the C locale (the console may have set another decimal point). */
static int parse_decimal(const char *p, const char *e, double *out)
{
	const char *q = p;
	char buf[64];

	while (q < e && is_digit(*q))
		q++;
	if (q == p)
		return -1;
	if (q < e && *q == '.') {
		const char *frac = ++q;

		while (q < e && is_digit(*q))
			q++;
		if (q == frac)
			return -1;
	}
	if (q != e || (size_t)(e - p) >= sizeof(buf))
		return -1;
	memcpy(buf, p, (size_t)(e - p));
	buf[e - p] = '\0';
	locale_t c = hp_c_locale(); /* the one C locale, tools/report/json.c */
	*out = c ? strtod_l(buf, NULL, c) : strtod(buf, NULL);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The items of a comma-separated list, one by one, spaces around each trimmed. */
struct items {
	const char *next; /* NULL after the last item */
};

static size_t items_count(const char *s)
{
	size_t n = 1;
	for (; *s; s++)
		n += *s == ',';
	return n;
}

/* The next item in [*p, *e), possibly empty; 0 when there is none left. */
static int items_next(struct items *it, const char **p, const char **e)
{
	if (!it->next)
		return 0;
	const char *comma = strchr(it->next, ',');
	const char *end = comma ? comma : it->next + strlen(it->next);
	*p = skip_space(it->next, end);
	*e = trim_end(*p, end);
	it->next = comma ? comma + 1 : NULL;
	return 1;
}

#define PCT_EXPECTED "expected percentiles above 0 and up to 100 (like 50,95,99.9)"

int hp_parse_percentiles(const char *s, double *out, int max, int *n, char *err, size_t errlen)
{
	size_t count = 0, uniq = 0;
	const char *p, *e;
	double *vals;
	int rc = -1;

	s = s ? s : "";
	if (!(vals = malloc(items_count(s) * sizeof(*vals)))) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	for (struct items it = {s}; items_next(&it, &p, &e);) {
		if (p == e) {
			set_err(err, errlen, PCT_EXPECTED ", got an empty item in '%s'", s);
			goto out;
		}
		if (parse_decimal(p, e, &vals[count]) || !(vals[count] > 0 && vals[count] <= 100)) {
			set_err(err, errlen, PCT_EXPECTED ", got '%.*s'", (int)(e - p), p);
			goto out;
		}
		count++;
	}
	qsort(vals, count, sizeof(*vals), cmp_double);
	for (size_t i = 0; i < count; i++)
		if (!uniq || vals[i] != vals[uniq - 1])
			vals[uniq++] = vals[i];
	if (uniq > (size_t)(max < 0 ? 0 : max)) {
		set_err(err, errlen, "expected at most %d percentiles, got %zu in '%s'", max, uniq,
			s);
		goto out;
	}
	memcpy(out, vals, uniq * sizeof(*vals));
	*n = (int)uniq;
	rc = 0;
out:
	free(vals);
	return rc;
}

/* An empty (or all-space) string is the empty list: *out = NULL, *n = 0. */
int hp_parse_list(const char *s, char ***out, size_t *n, char *err, size_t errlen)
{
	size_t count = 0;
	const char *p, *e;
	char **list;

	*out = NULL;
	*n = 0;
	s = s ? s : "";
	if (!*skip_space(s, s + strlen(s)))
		return 0;
	if (!(list = calloc(items_count(s), sizeof(*list)))) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	for (struct items it = {s}; items_next(&it, &p, &e);) {
		if (p == e) {
			set_err(err, errlen,
				"expected a comma-separated list without empty items, got '%s'", s);
			goto fail;
		}
		if (!(list[count] = strndup(p, (size_t)(e - p)))) {
			set_err(err, errlen, "out of memory");
			goto fail;
		}
		count++;
	}
	*out = list;
	*n = count;
	return 0;
fail:
	hp_list_free(list, count);
	return -1;
}

void hp_list_free(char **list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}
