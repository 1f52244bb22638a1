build2/nop/preload/init.o: preload/init.c preload/internal.h \
 preload/arch/arch.h preload/arch/x86_64.h include/hp/region.h \
 include/hp/hist.h preload/sample.h
preload/internal.h:
preload/arch/arch.h:
preload/arch/x86_64.h:
include/hp/region.h:
include/hp/hist.h:
preload/sample.h:
