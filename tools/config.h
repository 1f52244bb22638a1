/* config.h - the hotpath.conf parser: INI-style text to (section, key, value, line) items, and
 * the value parsers the settings table uses. Pure: no I/O except hp_conf_load.
 *
 * Syntax: `# comment` or `; comment` lines; `[section]` headers (letters, digits, _ - .);
 * `key = value` where key is [A-Za-z0-9_.-]+; the value runs to the end of the line (trailing
 * comments after ` #` are stripped unless inside double quotes), trimmed; a value in double
 * quotes may use \" \\ \n \t escapes. Keys before any section are in section "". Errors name
 * `path:line: ` and what was expected, e.g. "hotpath.conf:7: expected '=' after key 'limit'". */
#ifndef HP_CONFIG_H
#define HP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct hp_conf_item {
	char *section;
	char *key;
	char *value;
	int line;
};

struct hp_conf {
	char *path;
	struct hp_conf_item *items;
	size_t n;
};

int hp_conf_parse(const char *path, const char *text, size_t len, struct hp_conf *out, char *err,
		  size_t errlen);
/* Reads the file; -errno with err "path: <strerror>" when it cannot be read. */
int hp_conf_load(const char *path, struct hp_conf *out, char *err, size_t errlen);
/* The same from an open descriptor (closed, whatever the result); `path` names it in messages. */
int hp_conf_load_fd(int fd, const char *path, struct hp_conf *out, char *err, size_t errlen);
void hp_conf_free(struct hp_conf *c);

/* Value parsers: 0 on success, -1 with err = what was expected and what was found, e.g.
 * "expected true or false, got 'maybe'". Inputs are trimmed strings. */
int hp_parse_bool(const char *s, int *out, char *err,
		  size_t errlen); /* true/false/yes/no/on/off/1/0 */
int hp_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err,
		 size_t errlen);
/* Comma-separated percentiles, each in (0, 100], e.g. "50,95,99.9"; at most `max` of them;
 * sorted ascending, duplicates removed. */
int hp_parse_percentiles(const char *s, double *out, int max, int *n, char *err, size_t errlen);
/* Comma-separated list, items trimmed, empty items rejected. Caller frees with hp_list_free. */
int hp_parse_list(const char *s, char ***out, size_t *n, char *err, size_t errlen);
void hp_list_free(char **list, size_t n);

#endif
