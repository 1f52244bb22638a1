build2/nop/preload/arch/x86_64_stubs.o: preload/arch/x86_64_stubs.c \
 preload/arch/arch.h preload/arch/x86_64.h
preload/arch/arch.h:
preload/arch/x86_64.h:
