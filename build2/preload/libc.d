build2/preload/libc.o: preload/libc.c preload/internal.h \
 preload/arch/arch.h preload/arch/x86_64.h include/hp/region.h \
 include/hp/hist.h
preload/internal.h:
preload/arch/arch.h:
preload/arch/x86_64.h:
include/hp/region.h:
include/hp/hist.h:
