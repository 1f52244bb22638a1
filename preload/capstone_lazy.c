/* capstone_lazy.c - libcapstone, loaded only when patching is asked for.
 *
 * Linking it made every exec of a profiled program load and relocate libcapstone (77k
 * relocations) even without --functions. patch.c and arch/x86_64.c call capstone by its own
 * names; these definitions (hidden: CAPSTONE_STATIC drops the header's default visibility, and
 * the linker keeps the most constraining one) open the library on the first call, which only
 * patching makes (the constructor or dlopen, one thread, inside our own bracket), and forward.
 * Without the library every call fails as capstone would: patching then reports that capstone
 * could not be opened. */
#define CAPSTONE_STATIC
#include <capstone/capstone.h>
#include <dlfcn.h>

#include "internal.h"

#define HP_CAPSTONE_SONAME "libcapstone.so.4"

static void *capstone_sym(const char *name)
{
	static void *lib;
	if (!lib)
		lib = dlopen(HP_CAPSTONE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		hp_debug("patch: cannot load %s", HP_CAPSTONE_SONAME);
		return NULL;
	}
	return dlsym(lib, name);
}

/* cs_real_<name>: the library's function `name`, looked up once; NULL when absent. */
#define HP_CS(name)                                                                                \
	static __typeof__(&name) cs_real_##name;                                                   \
	if (!cs_real_##name)                                                                       \
	cs_real_##name = (__typeof__(&name))capstone_sym(#name)

cs_err cs_open(cs_arch arch, cs_mode mode, csh *handle)
{
	HP_CS(cs_open);
	return cs_real_cs_open ? cs_real_cs_open(arch, mode, handle) : CS_ERR_MEM;
}

cs_err cs_close(csh *handle)
{
	HP_CS(cs_close);
	return cs_real_cs_close ? cs_real_cs_close(handle) : CS_ERR_HANDLE;
}

cs_err cs_option(csh handle, cs_opt_type type, size_t value)
{
	HP_CS(cs_option);
	return cs_real_cs_option ? cs_real_cs_option(handle, type, value) : CS_ERR_OPTION;
}

bool cs_disasm_iter(csh handle, const uint8_t **code, size_t *size, uint64_t *address,
		    cs_insn *insn)
{
	HP_CS(cs_disasm_iter);
	return cs_real_cs_disasm_iter && cs_real_cs_disasm_iter(handle, code, size, address, insn);
}

cs_insn *cs_malloc(csh handle)
{
	HP_CS(cs_malloc);
	return cs_real_cs_malloc ? cs_real_cs_malloc(handle) : NULL;
}

void cs_free(cs_insn *insn, size_t count)
{
	HP_CS(cs_free);
	if (cs_real_cs_free)
		cs_real_cs_free(insn, count);
}

bool cs_insn_group(csh handle, const cs_insn *insn, unsigned int group_id)
{
	HP_CS(cs_insn_group);
	return cs_real_cs_insn_group && cs_real_cs_insn_group(handle, insn, group_id);
}
