/* fuzz_region.c - libFuzzer target for the region reader (a region in /dev/shm is untrusted:
 * another user's, truncated, scribbled on). The input is laid over a valid empty region's
 * header (so the fuzzer gets past the magic) and the whole thing is checked and, when it
 * passes, every row of every table is read, as the report builder does.
 * FUZZ_SOURCES: tools/region/region_read.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/region_fixture.h"
#include "tools/region/region_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	size_t size = 64 * 1024;
	unsigned char *buf = aligned_alloc(4096, size);
	if (!buf)
		return 0;
	hp_fixture_region(buf, size, 1);
	/* First bytes: how much of the file exists; the rest overwrites the header. */
	size_t fsize = size;
	if (n >= 2) {
		fsize = ((size_t)data[0] << 8 | data[1]) % size + 1;
		data += 2, n -= 2;
	}
	memcpy(buf + 8, data, n < size - 8 ? n : size - 8); /* keep the magic */
	char err[256];
	if (hp_rregion_check(buf, fsize, err, sizeof(err)) == 0) {
		struct hp_rregion r = {.base = buf,
				       .size = fsize,
				       .h = (void *)buf,
				       .ns_per_tick = 1};
		volatile uint64_t sum = 0;
		for (int t = 0; t < HP_T_COUNT; t++) {
			uint32_t rows = hp_rregion_rows(&r, t);
			for (uint32_t i = 0; i < rows; i++) {
				const unsigned char *row = hp_rregion_row(&r, t, i);
				if (!row)
					abort(); /* rows() promised it */
				uint32_t rs = r.h->tables[t].row_size;
				for (uint32_t k = 0; k < rs; k += 8)
					sum += row[k];
			}
		}
		(void)sum;
	}
	free(buf);
	return 0;
}
