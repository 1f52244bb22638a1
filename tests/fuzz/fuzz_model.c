/* fuzz_model.c - libFuzzer target for the whole path from a region to the terminal: a valid
 * region (tests/unit/region_fixture.h, two rows per table) with the input applied as patches
 * (records of: offset u16 little-endian, length u8, bytes) goes through the check, the model
 * builder (hp_proc_from_region, no symbolizer) and every renderer (render.h). A region is
 * another user's file, so any byte of it is untrusted.
 * FUZZ_SOURCES: READERS
 * FUZZ_LIBS: -lelf -ldw -liberty -lprotobuf-c -lz -lsqlite3 -lcapstone -lpthread */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/region_fixture.h"
#include "render.h"
#include "tools/region/region_model.h"
#include "tools/region/region_read.h"

#define SIZE (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	unsigned char *buf = aligned_alloc(4096, SIZE);
	if (!buf)
		return 0;
	hp_fixture_region(buf, SIZE, 2);
	for (size_t i = 0; i + 3 <= n;) {
		size_t off = (size_t)data[i] | (size_t)data[i + 1] << 8, len = data[i + 2];
		i += 3;
		if (len > n - i)
			len = n - i;
		if (off < SIZE)
			memcpy(buf + off, data + i, len < SIZE - off ? len : SIZE - off);
		i += len;
	}
	char err[256];
	if (hp_rregion_check(buf, SIZE, err, sizeof(err)) == 0) {
		struct hp_rregion r = {.base = buf,
				       .size = SIZE,
				       .h = (void *)buf,
				       .ns_per_tick = 0.37};
		struct hp_proc p;
		if (hp_proc_from_region(&r, NULL, 0, &p) == 0) {
			hp_proc_finish(&p, 0);
			fuzz_render(&p);
		}
		hp_proc_free(&p);
	}
	free(buf);
	return 0;
}
