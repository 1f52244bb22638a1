build2/nop/preload/stacks.o: preload/stacks.c preload/internal.h \
 preload/arch/arch.h preload/arch/x86_64.h include/hp/region.h \
 include/hp/hist.h preload/stacks.h
preload/internal.h:
preload/arch/arch.h:
preload/arch/x86_64.h:
include/hp/region.h:
include/hp/hist.h:
preload/stacks.h:
