/* demangle.c - C++ (Itanium) and Rust (legacy and v0) names through libiberty's demangler. */
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "sym_internal.h"
#include "symbolize.h"

/* _Z… is Itanium C++ and also Rust's legacy scheme; _R followed by an upper-case letter or a
 * decimal version is Rust v0. Anything else (C names, _GLOBAL__sub_I_…) is shown as is. */
static int looks_mangled(const char *name)
{
	if (name[0] != '_')
		return 0;
	if (name[1] == 'Z')
		return 1;
	return name[1] == 'R' &&
	       ((name[2] >= 'A' && name[2] <= 'Z') || (name[2] >= '0' && name[2] <= '9'));
}

int hp_demangle(const char *name, char *out, size_t outlen)
{
	char *d;

	if (!name)
		name = "";
	if (!looks_mangled(name)) {
		hp_sym_copy(out, name, outlen);
		return 0;
	}
	/* DMGL_AUTO tries Rust first (legacy names lose their ::h<hash> unless DMGL_VERBOSE),
	 * then GNU v3; it also does not depend on the global current_demangling_style. */
	d = cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
	if (!d) {
		hp_sym_copy(out, name, outlen);
		return -1;
	}
	hp_sym_copy(out, d, outlen);
	free(d);
	return 1;
}
