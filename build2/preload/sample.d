build2/preload/sample.o: preload/sample.c preload/internal.h \
 preload/arch/arch.h preload/arch/x86_64.h include/hp/region.h \
 include/hp/hist.h preload/sample.h preload/stacks.h
preload/internal.h:
preload/arch/arch.h:
preload/arch/x86_64.h:
include/hp/region.h:
include/hp/hist.h:
preload/sample.h:
preload/stacks.h:
