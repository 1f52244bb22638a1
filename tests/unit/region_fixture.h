/* region_fixture.h - a valid, empty region in memory for the reader's tests and fuzzer: every
 * table laid out after the header with `capacity` rows of its real size. */
#ifndef HP_REGION_FIXTURE_H
#define HP_REGION_FIXTURE_H

#include <string.h>

#include "hp/region.h"

/* Fills buf (size bytes) and returns the bytes the tables use, or 0 when they do not fit. */
static inline size_t hp_fixture_region(unsigned char *buf, size_t size, uint32_t capacity)
{
	static const uint32_t rows[HP_T_COUNT] = {
		[HP_T_MODULES] = sizeof(struct hp_module_rec),
		[HP_T_THREADS] = sizeof(struct hp_thread_rec),
		[HP_T_FSTATS] = sizeof(struct hp_fstat),
		[HP_T_CHANNELS] = sizeof(struct hp_channel_rec),
		[HP_T_LOCKS] = sizeof(struct hp_lock_rec),
		[HP_T_IO] = sizeof(struct hp_io_rec),
		[HP_T_PATCH] = sizeof(struct hp_patch_rec),
		[HP_T_STACKS] = sizeof(struct hp_stack_rec),
		[HP_T_STACK_FRAMES] = sizeof(uint64_t),
		[HP_T_STACK_INDEX] = sizeof(uint32_t),
		[HP_T_CPU_SAMPLES] = sizeof(struct hp_cpu_sample_rec),
		[HP_T_TREE] = sizeof(struct hp_tree_node),
		[HP_T_HIST] = sizeof(struct hp_hist_chunk),
		[HP_T_ALLOC_STACKS] = sizeof(struct hp_alloc_stack_rec)};
	struct hp_region_header *h = (void *)buf;
	memset(buf, 0, size);
	h->magic = HP_REGION_MAGIC;
	h->version = HP_REGION_VERSION;
	h->header_size = sizeof(*h);
	h->region_size = size;
	uint64_t off = (sizeof(*h) + 63) & ~63ull;
	for (int t = 0; t < HP_T_COUNT; t++) {
		h->tables[t].offset = off;
		h->tables[t].row_size = rows[t];
		h->tables[t].capacity = capacity;
		off += (uint64_t)capacity * rows[t];
	}
	return off <= size ? off : 0;
}

#endif
