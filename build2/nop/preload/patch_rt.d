build2/nop/preload/patch_rt.o: preload/patch_rt.c preload/internal.h \
 preload/arch/arch.h preload/arch/x86_64.h include/hp/region.h \
 include/hp/hist.h
preload/internal.h:
preload/arch/arch.h:
preload/arch/x86_64.h:
include/hp/region.h:
include/hp/hist.h:
