/* fuzz_report.c - libFuzzer target for `hotpath report FILE`: the JSON report loader
 * (hp_report_from_json, every section) and then every renderer (render.h) on what it loaded.
 * A saved report is a file anyone may hand you.
 * FUZZ_SOURCES: READERS
 * FUZZ_LIBS: -lelf -ldw -liberty -lprotobuf-c -lz -lsqlite3 -lcapstone -lpthread
 * FUZZ_MAX_LEN: 16384 */
#include <stdint.h>
#include <stdlib.h>

#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct hp_proc p;
	char err[256];
	if (hp_report_from_json((const char *)data, n, &p, err, sizeof(err)) == 0) {
		hp_proc_finish(&p, 0);
		fuzz_render(&p);
	}
	hp_proc_free(&p);
	return 0;
}
