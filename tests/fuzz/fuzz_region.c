/* fuzz_region.c - libFuzzer target for the region reader (a region in /dev/shm is untrusted:
 * another user's, truncated, scribbled on). The input is laid over a valid empty region's
 * header (so the fuzzer gets past the magic) and the whole thing is checked and, when it
 * passes, every row of every table is read, as the report builder does.
 * FUZZ_SOURCES: common/region_read.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "region_read.h"

static size_t make_valid(unsigned char *buf, size_t size)
{
	struct hp_region_header *h = (void *)buf;
	memset(buf, 0, size);
	h->magic = HP_REGION_MAGIC;
	h->version = HP_REGION_VERSION;
	h->header_size = sizeof(*h);
	h->region_size = size;
	uint64_t off = (sizeof(*h) + 63) & ~63ull;
	const uint32_t rows[HP_T_COUNT] = {
		[HP_T_MODULES] = sizeof(struct hp_module_rec), [HP_T_THREADS] = sizeof(struct hp_thread_rec),
		[HP_T_FSTATS] = sizeof(struct hp_fstat), [HP_T_CHANNELS] = sizeof(struct hp_channel_rec),
		[HP_T_LOCKS] = sizeof(struct hp_lock_rec), [HP_T_IO] = sizeof(struct hp_io_rec),
		[HP_T_PATCH] = sizeof(struct hp_patch_rec)};
	for (int t = 0; t < HP_T_COUNT; t++) {
		h->tables[t].offset = off;
		h->tables[t].row_size = rows[t];
		h->tables[t].capacity = 1;
		off += rows[t];
	}
	return off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	size_t size = 64 * 1024;
	unsigned char *buf = aligned_alloc(4096, size);
	if (!buf)
		return 0;
	make_valid(buf, size);
	/* First bytes: how much of the file exists; the rest overwrites the header. */
	size_t fsize = size;
	if (n >= 2) {
		fsize = ((size_t)data[0] << 8 | data[1]) % size + 1;
		data += 2, n -= 2;
	}
	memcpy(buf + 8, data, n < size - 8 ? n : size - 8); /* keep the magic */
	char err[256];
	if (hp_rregion_check(buf, fsize, err, sizeof(err)) == 0) {
		struct hp_rregion r = {.base = buf, .size = fsize, .h = (void *)buf, .ns_per_tick = 1};
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
