build2/preload/patch.o: preload/patch.c preload/internal.h \
 preload/arch/arch.h preload/arch/x86_64.h include/hp/region.h \
 include/hp/hist.h preload/patch_int.h include/hp/patch.h
preload/internal.h:
preload/arch/arch.h:
preload/arch/x86_64.h:
include/hp/region.h:
include/hp/hist.h:
preload/patch_int.h:
include/hp/patch.h:
