build2/nop/preload/locks.o: preload/locks.c preload/flow.h \
 preload/internal.h preload/arch/arch.h preload/arch/x86_64.h \
 include/hp/region.h include/hp/hist.h
preload/flow.h:
preload/internal.h:
preload/arch/arch.h:
preload/arch/x86_64.h:
include/hp/region.h:
include/hp/hist.h:
