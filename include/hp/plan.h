/* plan.h - the launcher's analysis of the functions --functions selects, handed to the process
 * in a file that HOTPATH_PATCH_PLAN names (tools/patch_plan.c writes it, preload/patch.c maps
 * it read-only). Sweeping a function's whole body for branches into its first bytes is most
 * of the decoding, and loading the decoder (libcapstone: 77k relocations) most of the rest;
 * neither depends on where the module is loaded. So `hotpath run` decodes the executable and
 * the libraries it links (tools/patch_scan.c) and records, for each function it would patch,
 * the displaced instructions already relocated for the file's addresses with the fields that
 * depend on them (struct hp_arch_plan): the process checks the bytes and moves the plan to
 * its addresses (hp_arch_rebase), and loads the decoder only for a function the plan does not
 * cover. It trusts a record only for the same file (key: device, inode, size, mtime: see
 * hp_plan_key) and the same bytes. Records sorted by (key, vaddr). */
#ifndef HP_PLAN_H
#define HP_PLAN_H

#include <stdint.h>

#include "hp/patch.h"
#include "preload/arch/arch.h"

#define HP_PLAN_MAGIC 0x324e414c50504855ull /* "UHPPLAN2" */
struct hp_plan_hdr {
	uint64_t magic;
	uint64_t count;
};
struct hp_plan_rec {
	uint64_t key;	   /* hp_plan_key of the ELF file */
	uint64_t vaddr;	   /* the symbol's value in the file */
	int32_t status;	   /* HP_PATCH_* of the launcher's analysis */
	uint32_t orig_len; /* HP_PATCH_OK: bytes at vaddr the jump replaces (skip + patch_len) */
	char detail[48];
	uint8_t orig[32];	  /* HP_PATCH_OK: those bytes, as in the file */
	struct hp_arch_plan plan; /* HP_PATCH_OK: made for vaddr, resume[] 1 MiB below it */
};

#endif
