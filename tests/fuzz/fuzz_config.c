/* fuzz_config.c - libFuzzer target for hp_conf_parse (hotpath.conf is user input) and the value
 * parsers the settings table applies to its values. Built and run by tests/fuzz/build.sh.
 * FUZZ_SOURCES: tools/config.c tools/report/json.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_conf c;
	char err[256];
	size_t lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (hp_conf_parse("fuzz.conf", (const char *)data, size, &c, err, sizeof(err))) {
		if (strncmp(err, "fuzz.conf:", 10))
			abort(); /* every error names the file and line */
		return 0;
	}
	for (size_t i = 0; i < c.n; i++) {
		const struct hp_conf_item *it = &c.items[i];
		double pct[8];
		uint64_t u;
		char **list;
		size_t n;
		int b, npct;

		if (it->line < 1 || (size_t)it->line > lines || !it->key[0])
			abort();
		if (it->section && !strcmp(it->section, "budget")) {
			/* FUNCTION.FIELD: any function name, but no space or control byte */
			for (const char *k = it->key; *k; k++)
				if ((unsigned char)*k <= 0x20 || *k == 0x7f)
					abort();
		} else if (strspn(it->key, "abcdefghijklmnopqrstuvwxyz"
					   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789_-.") != strlen(it->key)) {
			abort();
		}
		hp_parse_bool(it->value, &b, err, sizeof(err));
		hp_parse_u64(it->value, 1, 1000000, &u, err, sizeof(err));
		if (!hp_parse_percentiles(it->value, pct, 8, &npct, err, sizeof(err))) {
			for (int k = 0; k < npct; k++)
				if (!(pct[k] > 0 && pct[k] <= 100) || (k && pct[k] <= pct[k - 1]))
					abort();
		}
		if (!hp_parse_list(it->value, &list, &n, err, sizeof(err)))
			hp_list_free(list, n);
	}
	hp_conf_free(&c);
	return 0;
}
