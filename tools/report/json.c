/* json.c - JSON writer (streams to a FILE) and a bounded DOM parser for saved reports.
 *
 * The parser reads untrusted files: every read is checked against the end of the input, nesting
 * is bounded, strings must be valid UTF-8 without raw control characters, and numbers follow
 * RFC 8259. Numbers are converted in the C locale, whatever the console set with setlocale(). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strtod_l */
#endif
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define HP_JSON_MAX_DEPTH 512

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

locale_t hp_c_locale(void)
{
	pthread_once(&c_locale_once, c_locale_init);
	return c_locale;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Length of the valid UTF-8 sequence at s (at most `avail` bytes), 0 when it is invalid:
 * truncated, overlong, a surrogate, or above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* ---- parser ---- */

struct parser {
	const unsigned char *start, *p, *end;
	int depth;
	int failed;
	char *err;
	size_t errlen;
};

/* Formats "line L, column C: <message>" for position `at` (columns count characters). Only the
 * first error is kept. */
static void __attribute__((format(printf, 3, 4)))
fail_at(struct parser *ps, const unsigned char *at, const char *fmt, ...)
{
	size_t line = 1, col = 1;
	va_list ap;
	int n;

	if (ps->failed)
		return;
	ps->failed = 1;
	if (!ps->err || !ps->errlen)
		return;
	for (const unsigned char *q = ps->start; q < at; q++) {
		if (*q == '\n')
			line++, col = 1;
		else if ((*q & 0xc0) != 0x80)
			col++;
	}
	n = snprintf(ps->err, ps->errlen, "line %zu, column %zu: ", line, col);
	if (n < 0 || (size_t)n >= ps->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* "expected <what>, got <the byte at `at`>". */
static void expected(struct parser *ps, const unsigned char *at, const char *what)
{
	if (at >= ps->end)
		fail_at(ps, at, "expected %s, got end of input", what);
	else if (*at >= 0x20 && *at < 0x7f)
		fail_at(ps, at, "expected %s, got '%c'", what, *at);
	else
		fail_at(ps, at, "expected %s, got byte 0x%02x", what, *at);
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int peek(const struct parser *ps, int c)
{
	return ps->p < ps->end && *ps->p == c;
}

static struct hp_json *node_new(struct parser *ps, enum hp_json_type type)
{
	struct hp_json *j = calloc(1, sizeof(*j));

	if (!j) {
		fail_at(ps, ps->p, "out of memory");
		return NULL;
	}
	j->type = type;
	return j;
}

/* Appends item (and, for objects, its key) to j; frees neither on failure. */
static int node_push(struct parser *ps, struct hp_json *j, size_t *cap, char *key,
		     struct hp_json *item)
{
	if (j->len == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct hp_json **items = realloc(j->items, ncap * sizeof(*items));

		if (!items)
			goto oom;
		j->items = items;
		if (j->type == HP_JSON_OBJECT) {
			char **keys = realloc(j->keys, ncap * sizeof(*keys));

			if (!keys)
				goto oom;
			j->keys = keys;
		}
		*cap = ncap;
	}
	if (j->type == HP_JSON_OBJECT)
		j->keys[j->len] = key;
	j->items[j->len++] = item;
	return 0;
oom:
	fail_at(ps, ps->p, "out of memory");
	return -1;
}

static int hex4(struct parser *ps, uint32_t *out)
{
	uint32_t v = 0;

	if (ps->end - ps->p < 4) {
		fail_at(ps, ps->p, "expected 4 hex digits after '\\u'");
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		int c = ps->p[i], d;

		if (is_digit(c))
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else {
			fail_at(ps, ps->p, "expected 4 hex digits after '\\u'");
			return -1;
		}
		v = v << 4 | (uint32_t)d;
	}
	ps->p += 4;
	*out = v;
	return 0;
}

/* Encodes cp (at most U+10FFFF) as UTF-8 into buf; returns the length. */
static size_t utf8_put(char *buf, uint32_t cp)
{
	static const unsigned char lead[] = {0, 0, 0xc0, 0xe0, 0xf0};
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

	for (size_t i = n - 1; i > 0; i--, cp >>= 6)
		buf[i] = (char)(0x80 | (cp & 0x3f));
	buf[0] = (char)(lead[n] | cp);
	return n;
}

#define LOW_SURROGATE "expected a low surrogate escape (\\uDC00-\\uDFFF) after \\u%04X"

/* At a backslash: decodes one escape (a surrogate pair counts as one) into buf + *o. */
static int parse_escape(struct parser *ps, char *buf, size_t *o)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const unsigned char *esc = ps->p++;
	const char *hit;
	uint32_t cp, lo;

	if (!peek(ps, 'u')) {
		if (ps->p == ps->end || !*ps->p || !(hit = strchr(from, *ps->p))) {
			expected(ps, ps->p, "one of \" \\ / b f n r t u after '\\'");
			return -1;
		}
		buf[(*o)++] = to[hit - from];
		ps->p++;
		return 0;
	}
	ps->p++;
	if (hex4(ps, &cp))
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		fail_at(ps, esc, "expected a high surrogate before \\u%04X", (unsigned)cp);
		return -1;
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
			fail_at(ps, ps->p, LOW_SURROGATE, (unsigned)cp);
			return -1;
		}
		esc = ps->p;
		ps->p += 2;
		if (hex4(ps, &lo))
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff) {
			fail_at(ps, esc, LOW_SURROGATE, (unsigned)cp);
			return -1;
		}
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	*o += utf8_put(buf + *o, cp);
	return 0;
}

/* At the opening quote: decodes the string into a new NUL-terminated buffer. */
static int parse_string(struct parser *ps, char **out, size_t *outlen)
{
	const unsigned char *q = ++ps->p;
	size_t o = 0;
	char *buf;

	/* The decoded text is never longer than its source: size the buffer by the source. */
	while (q < ps->end && *q != '"')
		q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
	buf = malloc((size_t)(q - ps->p) + 1);
	if (!buf) {
		fail_at(ps, ps->p, "out of memory");
		return -1;
	}
	while (ps->p < ps->end) {
		unsigned char c = *ps->p;
		size_t n;

		if (c == '"') {
			ps->p++;
			buf[o] = '\0';
			*out = buf;
			*outlen = o;
			return 0;
		}
		if (c < 0x20) {
			fail_at(ps, ps->p,
				"expected \\u%04x instead of a raw control character"
				" in a string",
				c);
			goto fail;
		}
		if (c == '\\') {
			if (parse_escape(ps, buf, &o))
				goto fail;
			continue;
		}
		n = utf8_len(ps->p, (size_t)(ps->end - ps->p));
		if (!n) {
			fail_at(ps, ps->p, "expected valid UTF-8 in a string, got byte 0x%02x", c);
			goto fail;
		}
		memcpy(buf + o, ps->p, n);
		o += n;
		ps->p += n;
	}
	expected(ps, ps->p, "'\"' to close the string");
fail:
	free(buf);
	return -1;
}

static int skip_digits(struct parser *ps, const char *what)
{
	if (ps->p == ps->end || !is_digit(*ps->p)) {
		expected(ps, ps->p, what);
		return -1;
	}
	while (ps->p < ps->end && is_digit(*ps->p))
		ps->p++;
	return 0;
}

/* Exact int64 value of an optionally negative digit string, or -1 when it does not fit. */
static int parse_int64(const unsigned char *s, const unsigned char *e, int64_t *out)
{
	int neg = *s == '-';
	uint64_t mag = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

	for (s += neg; s < e; s++) {
		unsigned d = *s - '0';

		if (mag > (limit - d) / 10)
			return -1;
		mag = mag * 10 + d;
	}
	*out = neg ? (mag ? -(int64_t)(mag - 1) - 1 : 0) : (int64_t)mag;
	return 0;
}

static struct hp_json *parse_number(struct parser *ps)
{
	const unsigned char *s = ps->p;
	struct hp_json *j;
	int integral = 1;

	if (peek(ps, '-'))
		ps->p++;
	if (peek(ps, '0')) {
		ps->p++;
		if (ps->p < ps->end && is_digit(*ps->p)) {
			fail_at(ps, ps->p, "expected no leading zeros in a number");
			return NULL;
		}
	} else if (skip_digits(ps, s < ps->p ? "a digit after '-'" : "a digit")) {
		return NULL;
	}
	if (peek(ps, '.')) {
		integral = 0;
		ps->p++;
		if (skip_digits(ps, "a digit after '.'"))
			return NULL;
	}
	if (peek(ps, 'e') || peek(ps, 'E')) {
		integral = 0;
		ps->p++;
		if (peek(ps, '+') || peek(ps, '-'))
			ps->p++;
		if (skip_digits(ps, "a digit in the exponent"))
			return NULL;
	}
	if (!(j = node_new(ps, HP_JSON_NUMBER)))
		return NULL;
	if (integral && !parse_int64(s, ps->p, &j->integer)) {
		j->is_int = 1;
		j->number = (double)j->integer;
		if (*s == '-' && !j->integer)
			j->number = -0.0;
		return j;
	}
	/* strtod needs a terminated copy: the input need not be terminated after the number. */
	size_t n = (size_t)(ps->p - s);
	char small[64], *copy = n < sizeof(small) ? small : malloc(n + 1);
	locale_t loc = hp_c_locale();

	if (!copy) {
		fail_at(ps, s, "out of memory");
		free(j);
		return NULL;
	}
	memcpy(copy, s, n);
	copy[n] = '\0';
	j->number = loc ? strtod_l(copy, NULL, loc) : strtod(copy, NULL);
	if (copy != small)
		free(copy);
	if (!isfinite(j->number)) {
		fail_at(ps, s, "expected a number within the range of a double");
		free(j);
		return NULL;
	}
	return j;
}

static struct hp_json *parse_literal(struct parser *ps, const char *word, enum hp_json_type type,
				     int value)
{
	size_t n = strlen(word);
	struct hp_json *j;

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n)) {
		fail_at(ps, ps->p, "expected '%s'", word);
		return NULL;
	}
	if (!(j = node_new(ps, type)))
		return NULL;
	j->boolean = value;
	ps->p += n;
	return j;
}

static struct hp_json *parse_value(struct parser *ps);

/* An array or an object, at its opening bracket (the caller counted the depth). */
static struct hp_json *parse_container(struct parser *ps, int object)
{
	struct hp_json *j = node_new(ps, object ? HP_JSON_OBJECT : HP_JSON_ARRAY), *item;
	int close = object ? '}' : ']';
	size_t cap = 0, klen;
	char *key = NULL;

	if (!j)
		return NULL;
	ps->p++;
	skip_ws(ps);
	if (peek(ps, close)) {
		ps->p++;
		return j;
	}
	for (;;) {
		if (object) {
			skip_ws(ps);
			if (!peek(ps, '"')) {
				expected(ps, ps->p,
					 j->len ? "a string key" : "a string key or '}'");
				goto fail;
			}
			if (parse_string(ps, &key, &klen))
				goto fail;
			skip_ws(ps);
			if (!peek(ps, ':')) {
				expected(ps, ps->p, "':' after an object key");
				goto fail;
			}
			ps->p++;
		}
		if (!(item = parse_value(ps)))
			goto fail;
		if (node_push(ps, j, &cap, key, item)) {
			hp_json_free(item);
			goto fail;
		}
		key = NULL;
		skip_ws(ps);
		if (peek(ps, close)) {
			ps->p++;
			return j;
		}
		if (!peek(ps, ',')) {
			expected(ps, ps->p,
				 object ? "',' or '}' after an object member"
					: "',' or ']' after an array item");
			goto fail;
		}
		ps->p++;
	}
fail:
	free(key);
	hp_json_free(j);
	return NULL;
}

static struct hp_json *parse_value(struct parser *ps)
{
	struct hp_json *j;

	skip_ws(ps);
	if (ps->p == ps->end) {
		expected(ps, ps->p, "a value");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
	case '[':
		if (ps->depth >= HP_JSON_MAX_DEPTH) {
			fail_at(ps, ps->p, "expected nesting depth at most %d", HP_JSON_MAX_DEPTH);
			return NULL;
		}
		ps->depth++;
		j = parse_container(ps, *ps->p == '{');
		ps->depth--;
		return j;
	case '"':
		if (!(j = node_new(ps, HP_JSON_STRING)))
			return NULL;
		if (parse_string(ps, &j->string, &j->len)) {
			free(j);
			return NULL;
		}
		return j;
	case 't': return parse_literal(ps, "true", HP_JSON_BOOL, 1);
	case 'f': return parse_literal(ps, "false", HP_JSON_BOOL, 0);
	case 'n': return parse_literal(ps, "null", HP_JSON_NULL, 0);
	default:
		if (*ps->p == '-' || is_digit(*ps->p))
			return parse_number(ps);
		expected(ps, ps->p, "a value");
		return NULL;
	}
}

struct hp_json *hp_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser ps = {.err = err, .errlen = errlen};
	struct hp_json *root;

	if (err && errlen)
		err[0] = '\0';
	if (!text)
		text = "", len = 0;
	ps.start = ps.p = (const unsigned char *)text;
	ps.end = ps.start + len;
	if (!(root = parse_value(&ps)))
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		expected(&ps, ps.p, "end of input after the value");
		hp_json_free(root);
		return NULL;
	}
	return root;
}

void hp_json_free(struct hp_json *j)
{
	if (!j)
		return;
	if (j->type == HP_JSON_ARRAY || j->type == HP_JSON_OBJECT) {
		for (size_t i = 0; i < j->len; i++) {
			hp_json_free(j->items[i]);
			if (j->keys)
				free(j->keys[i]);
		}
	}
	free(j->items);
	free(j->keys);
	free(j->string);
	free(j);
}

/* ---- accessors ---- */

/* With duplicate keys, the first member wins. */
const struct hp_json *hp_json_get(const struct hp_json *j, const char *key)
{
	if (!j || j->type != HP_JSON_OBJECT || !key)
		return NULL;
	for (size_t i = 0; i < j->len; i++)
		if (!strcmp(j->keys[i], key))
			return j->items[i];
	return NULL;
}

int64_t hp_json_int(const struct hp_json *j, int64_t def)
{
	if (!j || j->type != HP_JSON_NUMBER)
		return def;
	if (j->is_int)
		return j->integer;
	if (isnan(j->number))
		return def;
	if (j->number >= 9223372036854775808.0)
		return INT64_MAX;
	if (j->number <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)j->number;
}

double hp_json_num(const struct hp_json *j, double def)
{
	return j && j->type == HP_JSON_NUMBER ? j->number : def;
}

const char *hp_json_str(const struct hp_json *j, const char *def)
{
	return j && j->type == HP_JSON_STRING ? j->string : def;
}

int hp_json_bool(const struct hp_json *j, int def)
{
	return j && j->type == HP_JSON_BOOL ? j->boolean : def;
}

/* ---- writer ---- */
/* The writer uses stdio's _unlocked calls: one writer owns its FILE, and at 100,000 functions
 * the per-call lock was a fifth of writing the report. */

#define HP_JW_LEVELS ((int)sizeof(((struct hp_jw *)0)->first))

/* first[] slot of the current depth. Levels deeper than first[] holds share its last slot: that
 * stays correct because a level's flag is always 0 while a child is open (the child's prefix
 * cleared it) and jw_end() sets it to 0 again when the child closes. */
static unsigned char *jw_first(struct hp_jw *w)
{
	int d = w->depth < 0 ? 0 : w->depth;

	return &w->first[d < HP_JW_LEVELS ? d : HP_JW_LEVELS - 1];
}

static void jw_newline(struct hp_jw *w)
{
	putc_unlocked('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs_unlocked("  ", w->f);
}

/* Separator and indentation before a value or a key. Top-level values go one per line. */
static void jw_prefix(struct hp_jw *w)
{
	unsigned char *first = jw_first(w);

	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (!*first)
		putc_unlocked(w->depth ? ',' : '\n', w->f);
	if (w->pretty && w->depth)
		jw_newline(w);
	*first = 0;
}

/* Writes s quoted: \" \\ and control characters escaped, bytes of invalid UTF-8 as U+FFFD. */
static void jw_escaped(FILE *f, const unsigned char *s, size_t n)
{
	static const char from[] = "\n\t\r\b\f", to[] = "ntrbf";
	const char *hit;
	size_t run = 0;

	putc_unlocked('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = c >= 0x80 ? utf8_len(s + i, n - i) : 1;

		if (c >= 0x20 && c != '"' && c != '\\' && len) {
			i += len;
			run += len;
			continue;
		}
		fwrite_unlocked(s + i - run, 1, run, f);
		run = 0;
		i++;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c && (hit = strchr(from, c)))
			fprintf(f, "\\%c", to[hit - from]);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputs_unlocked("\xef\xbf\xbd", f); /* U+FFFD for a byte of invalid UTF-8 */
	}
	fwrite_unlocked(s + n - run, 1, run, f);
	putc_unlocked('"', f);
}

void hp_jw_init(struct hp_jw *w, FILE *f, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty;
	w->first[0] = 1;
}

static void jw_begin(struct hp_jw *w, int c)
{
	jw_prefix(w);
	putc_unlocked(c, w->f);
	w->depth++;
	*jw_first(w) = 1;
}

static void jw_end(struct hp_jw *w, int c)
{
	int empty = *jw_first(w);

	if (w->depth > 0)
		w->depth--;
	*jw_first(w) = 0; /* the parent now holds this value */
	if (w->pretty && !empty)
		jw_newline(w);
	putc_unlocked(c, w->f);
}

void hp_jw_obj_begin(struct hp_jw *w)
{
	jw_begin(w, '{');
}

void hp_jw_obj_end(struct hp_jw *w)
{
	jw_end(w, '}');
}

void hp_jw_arr_begin(struct hp_jw *w)
{
	jw_begin(w, '[');
}

void hp_jw_arr_end(struct hp_jw *w)
{
	jw_end(w, ']');
}

void hp_jw_key(struct hp_jw *w, const char *key)
{
	jw_prefix(w);
	jw_escaped(w->f, (const unsigned char *)(key ? key : ""), key ? strlen(key) : 0);
	fputs_unlocked(w->pretty ? ": " : ":", w->f);
	w->after_key = 1;
}

void hp_jw_str(struct hp_jw *w, const char *s)
{
	if (!s) {
		hp_jw_null(w);
		return;
	}
	hp_jw_strn(w, s, strlen(s));
}

void hp_jw_strn(struct hp_jw *w, const char *s, size_t n)
{
	jw_prefix(w);
	jw_escaped(w->f, (const unsigned char *)(s ? s : ""), s ? n : 0);
}

/* v in decimal, ending at `end` (exclusive); returns where it starts. */
static char *jw_digits(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void hp_jw_int(struct hp_jw *w, int64_t v)
{
	char buf[24], *end = buf + sizeof(buf);
	char *s = jw_digits(end, v < 0 ? -(uint64_t)v : (uint64_t)v);
	if (v < 0)
		*--s = '-';
	jw_prefix(w);
	fwrite_unlocked(s, 1, (size_t)(end - s), w->f);
}

void hp_jw_uint(struct hp_jw *w, uint64_t v)
{
	char buf[24], *end = buf + sizeof(buf);
	char *s = jw_digits(end, v);
	jw_prefix(w);
	fwrite_unlocked(s, 1, (size_t)(end - s), w->f);
}

void hp_jw_double(struct hp_jw *w, double v, int decimals)
{
	char buf[512]; /* DBL_MAX is 309 digits; with 20 decimals it fits */
	locale_t loc = hp_c_locale(), old = (locale_t)0;
	const char *out = buf;

	if (!isfinite(v)) {
		hp_jw_null(w);
		return;
	}
	decimals = decimals < 0 ? 0 : decimals > 20 ? 20 : decimals;
	if (loc)
		old = uselocale(loc);
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	if (loc)
		uselocale(old);
	/* A negative value that rounds to zero prints as "-0.00": drop the sign. */
	if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
		out++;
	jw_prefix(w);
	fputs_unlocked(out, w->f);
}

void hp_jw_bool(struct hp_jw *w, int v)
{
	jw_prefix(w);
	fputs_unlocked(v ? "true" : "false", w->f);
}

void hp_jw_null(struct hp_jw *w)
{
	jw_prefix(w);
	fputs_unlocked("null", w->f);
}

void hp_jw_kstr(struct hp_jw *w, const char *key, const char *s)
{
	hp_jw_key(w, key);
	hp_jw_str(w, s);
}

void hp_jw_kint(struct hp_jw *w, const char *key, int64_t v)
{
	hp_jw_key(w, key);
	hp_jw_int(w, v);
}

void hp_jw_kuint(struct hp_jw *w, const char *key, uint64_t v)
{
	hp_jw_key(w, key);
	hp_jw_uint(w, v);
}

void hp_jw_kint_if(struct hp_jw *w, const char *key, int have, int64_t v)
{
	if (have)
		hp_jw_kint(w, key, v);
	else {
		hp_jw_key(w, key);
		hp_jw_null(w);
	}
}

void hp_jw_kuint_if(struct hp_jw *w, const char *key, int have, uint64_t v)
{
	if (have)
		hp_jw_kuint(w, key, v);
	else {
		hp_jw_key(w, key);
		hp_jw_null(w);
	}
}

int hp_jw_finish(struct hp_jw *w)
{
	putc_unlocked('\n', w->f);
	if (fflush(w->f) || ferror(w->f))
		return -EIO;
	return 0;
}
