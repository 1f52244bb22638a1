build2/tools/clean.o: tools/clean.c tools/hotpath.h \
 tools/region/region_read.h include/hp/open_regular.h include/hp/region.h \
 include/hp/hist.h
tools/hotpath.h:
tools/region/region_read.h:
include/hp/open_regular.h:
include/hp/region.h:
include/hp/hist.h:
