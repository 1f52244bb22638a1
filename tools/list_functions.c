/* list_functions.c - `hotpath list-functions PROG [PATTERNS]`: what --functions would patch in
 * PROG (and, for module-qualified patterns, in the libraries it loads), and why some functions
 * cannot be patched. The analysis is patch_scan.c, the one the launcher hands to the child. */
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "hotpath.h"
#include "patch_scan.h"

int hp_cmd_list_functions(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f,
			"Usage: hotpath list-functions PROG [PATTERNS]\n"
			"Show which functions `hotpath run --functions PATTERNS` would patch, and\n"
			"why some cannot be. PATTERNS: [MODULE:]GLOB,... ('!' excludes; default '*',\n"
			"every function of PROG). Examples: 'main,my_*', 'libz.so*:deflate*'.\n");
		return argc < 2 ? 2 : 0;
	}
	char prog[PATH_MAX]; /* searched through PATH, as `hotpath run` does */
	if (hp_resolve_program(argv[1], prog, sizeof(prog)) < 0)
		return 1;
	const char *patterns = argc > 2 ? argv[2] : "*";
	elf_version(EV_CURRENT);
	struct hp_patch_scan st = {.patterns = patterns};
	if (hp_patch_scan_open(&st) < 0) {
		hp_err("list-functions: cannot open the disassembler");
		return 1;
	}
	int rc = hp_patch_scan(&st, prog);
	hp_patch_scan_close(&st);
	if (rc < 0)
		return 1;
	printf("selected %u, patchable %u (%.1f%%)\n", st.selected, st.ok,
	       st.selected ? 100.0 * st.ok / st.selected : 0.0);
	if (rc == 0 && !st.selected)
		hp_warn("list-functions: '%s' selects nothing in %s", patterns, prog);
	return rc < 0 ? 1 : 0;
}
