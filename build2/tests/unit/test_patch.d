build2/tests/unit/test_patch: tests/unit/test_patch.c include/hp/patch.h \
 preload/arch/arch.h preload/arch/x86_64.h tests/unit/libc_stubs.h \
 tests/unit/../../preload/patch_syms.c \
 tests/unit/../../preload/internal.h tests/unit/../../preload/arch/arch.h \
 include/hp/region.h include/hp/hist.h \
 tests/unit/../../preload/patch_int.h
include/hp/patch.h:
preload/arch/arch.h:
preload/arch/x86_64.h:
tests/unit/libc_stubs.h:
tests/unit/../../preload/patch_syms.c:
tests/unit/../../preload/internal.h:
tests/unit/../../preload/arch/arch.h:
include/hp/region.h:
include/hp/hist.h:
tests/unit/../../preload/patch_int.h:
