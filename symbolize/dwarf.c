/* dwarf.c - source file and line of an address through libdw: the module's own DWARF or that
 * of its separate debug file, CUs found by their address ranges (many compilers no longer
 * write .debug_aranges, which dwarf_addrdie relies on). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>

#include "sym_internal.h"

static int range_cmp(const void *pa, const void *pb)
{
	const struct hp_cu_range *a = pa, *b = pb;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return (a->hi > b->hi) - (a->hi < b->hi);
}

static int range_add(struct hp_dwarf *d, size_t *cap, uint64_t lo, uint64_t hi, size_t cu)
{
	if (d->nranges == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct hp_cu_range *p = realloc(d->ranges, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		d->ranges = p;
		*cap = ncap;
	}
	d->ranges[d->nranges++] = (struct hp_cu_range){.lo = lo, .hi = hi, .cu = cu};
	return 0;
}

/* Every compile or partial unit's DIE, and the address ranges it covers. */
static int dwarf_index(struct hp_dwarf *d)
{
	size_t cus_cap = 0, ranges_cap = 0;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;

	while (dwarf_get_units(d->dw, cu, &cu, NULL, &unit_type, &cudie, NULL) == 0) {
		Dwarf_Addr base, start, end;
		ptrdiff_t off = 0;
		int tag = dwarf_tag(&cudie);

		if (tag != DW_TAG_compile_unit && tag != DW_TAG_partial_unit)
			continue;
		if (d->ncus == cus_cap) {
			size_t ncap = cus_cap ? cus_cap * 2 : 64;
			Dwarf_Die *p = realloc(d->cus, ncap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			d->cus = p;
			cus_cap = ncap;
		}
		d->cus[d->ncus] = cudie;
		while ((off = dwarf_ranges(&d->cus[d->ncus], off, &base, &start, &end)) > 0) {
			if (end > start && range_add(d, &ranges_cap, start, end, d->ncus) < 0)
				return -ENOMEM;
		}
		d->ncus++;
	}
	qsort(d->ranges, d->nranges, sizeof(*d->ranges), range_cmp);
	return 0;
}

static Dwarf *dwarf_try(struct hp_elf_file *f)
{
	Dwarf *dw = dwarf_begin_elf(f->elf, DWARF_C_READ, NULL);
	Dwarf_CU *cu = NULL;

	/* A file with only .debug_frame or an empty .debug_info is no help for lines. */
	if (dw && dwarf_get_units(dw, NULL, &cu, NULL, NULL, NULL, NULL) != 0) {
		dwarf_end(dw);
		dw = NULL;
	}
	return dw;
}

void hp_dwarf_open(struct hp_dwarf *d, const char *path)
{
	struct hp_elf_file dbg;

	if (d->tried)
		return;
	d->tried = 1;
	if (hp_elf_open(path, &d->file) < 0)
		return;
	d->dw = dwarf_try(&d->file);
	if (!d->dw && hp_debug_file_open(d->file.elf, path, &dbg) == 0) {
		hp_elf_close(&d->file);
		d->file = dbg;
		d->dw = dwarf_try(&d->file);
	}
	if (!d->dw || dwarf_index(d) < 0)
		hp_dwarf_close(d);
}

void hp_dwarf_close(struct hp_dwarf *d)
{
	int tried = d->tried;

	if (!tried)
		return; /* never opened: `file` is not valid */
	if (d->dw)
		dwarf_end(d->dw);
	hp_elf_close(&d->file);
	free(d->cus);
	free(d->ranges);
	memset(d, 0, sizeof(*d));
	d->file.fd = -1;
	d->tried = tried;
}

static Dwarf_Die *cu_find(struct hp_dwarf *d, uint64_t vaddr, Dwarf_Die *scratch)
{
	size_t lo = 0, hi = d->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->ranges[mid].lo <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Ranges of different CUs rarely overlap; look back a little in case they do. */
	for (size_t i = lo, k = 0; i > 0 && k < 8; i--, k++) {
		if (vaddr < d->ranges[i - 1].hi)
			return &d->cus[d->ranges[i - 1].cu];
	}
	/* Last resort: .debug_aranges, when present. */
	return dwarf_addrdie(d->dw, vaddr, scratch);
}

int hp_dwarf_line(struct hp_dwarf *d, uint64_t vaddr, char *file, size_t filelen, int *line)
{
	Dwarf_Die scratch, *cudie;
	Dwarf_Line *l;
	const char *src;
	int lineno = 0;

	if (!d->dw)
		return -ENOENT;
	cudie = cu_find(d, vaddr, &scratch);
	if (!cudie)
		return -ENOENT;
	l = dwarf_getsrc_die(cudie, vaddr);
	if (!l)
		return -ENOENT;
	src = dwarf_linesrc(l, NULL, NULL);
	if (dwarf_lineno(l, &lineno) < 0)
		lineno = 0;
	hp_sym_copy(file, src ? src : "", filelen);
	*line = lineno;
	return 0;
}
