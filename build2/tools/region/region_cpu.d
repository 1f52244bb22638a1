build2/tools/region/region_cpu.o: tools/region/region_cpu.c \
 tools/region/region_model.h symbolize/symbolize.h tools/region/model.h \
 include/hp/region.h include/hp/hist.h tools/region/region_read.h \
 include/hp/open_regular.h
tools/region/region_model.h:
symbolize/symbolize.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/region/region_read.h:
include/hp/open_regular.h:
