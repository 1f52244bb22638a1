/* fuzz_report.c - libFuzzer target for `hotpath report FILE`: the JSON report loader
 * (hp_report_from_json, every section) and then every renderer (render.h) on what it loaded.
 * A saved report is a file anyone may hand you.
 * FUZZ_SOURCES: tools/region/region_read.c tools/region/region_model.c tools/region/hist_pct.c
 * FUZZ_SOURCES: tools/region/model.c tools/region/region_flow.c tools/region/region_mem.c
 * FUZZ_SOURCES: tools/region/region_patch.c tools/report/report.c tools/report/report_table.c
 * FUZZ_SOURCES: tools/report/report_json_write.c tools/report/json.c tools/report/report_json.c
 * FUZZ_SOURCES: tools/report/report_mem.c tools/report/report_flow.c tools/report/report_patch.c
 * FUZZ_SOURCES: tools/report/report_flow_json.c tools/report/textfmt.c tools/compare_out.c
 * FUZZ_SOURCES: tools/report/report_pprof.c BUILD/gen/profile.pb-c.c
 * FUZZ_SOURCES: symbolize/symbolize.c symbolize/symtab.c symbolize/dwarf.c symbolize/demangle.c
 * FUZZ_LIBS: -lelf -ldw -liberty -lprotobuf-c -lz
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
