build2/tools/region/region_read.o: tools/region/region_read.c \
 preload/arch/arch.h preload/arch/x86_64.h tools/region/region_read.h \
 include/hp/open_regular.h include/hp/region.h include/hp/hist.h
preload/arch/arch.h:
preload/arch/x86_64.h:
tools/region/region_read.h:
include/hp/open_regular.h:
include/hp/region.h:
include/hp/hist.h:
