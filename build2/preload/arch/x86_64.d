build2/preload/arch/x86_64.o: preload/arch/x86_64.c include/hp/patch.h \
 preload/arch/arch.h preload/arch/x86_64.h
include/hp/patch.h:
preload/arch/arch.h:
preload/arch/x86_64.h:
