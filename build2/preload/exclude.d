build2/preload/exclude.o: preload/exclude.c include/hp/patch.h \
 preload/internal.h preload/arch/arch.h preload/arch/x86_64.h \
 include/hp/region.h include/hp/hist.h preload/patch_int.h
include/hp/patch.h:
preload/internal.h:
preload/arch/arch.h:
preload/arch/x86_64.h:
include/hp/region.h:
include/hp/hist.h:
preload/patch_int.h:
