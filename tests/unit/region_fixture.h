/* region_fixture.h - a valid, empty region in memory for the reader's tests and fuzzer: every
 * table laid out after the header with `capacity` rows of its real size. */
#ifndef HP_REGION_FIXTURE_H
#define HP_REGION_FIXTURE_H

#include <string.h>

#include "hp/region.h"

/* Fills buf (size bytes) and returns the bytes the tables use, or 0 when they do not fit. */
static inline size_t hp_fixture_region(unsigned char *buf, size_t size, uint32_t capacity)
{
	struct hp_region_header *h = (void *)buf;
	memset(buf, 0, size);
	h->magic = HP_REGION_MAGIC;
	h->version = HP_REGION_VERSION;
	h->header_size = sizeof(*h);
	h->region_size = size;
	uint64_t off = (sizeof(*h) + 63) & ~63ull;
	for (int t = 0; t < HP_T_COUNT; t++) {
		h->tables[t].offset = off;
		h->tables[t].row_size = hp_table_row_size(t);
		h->tables[t].capacity = capacity;
		off += (uint64_t)capacity * hp_table_row_size(t);
	}
	return off <= size ? off : 0;
}

#endif
