build2/tools/region/region_flow.o: tools/region/region_flow.c \
 include/hp/region.h include/hp/hist.h tools/region/region_model.h \
 symbolize/symbolize.h tools/region/model.h tools/region/region_read.h \
 include/hp/open_regular.h
include/hp/region.h:
include/hp/hist.h:
tools/region/region_model.h:
symbolize/symbolize.h:
tools/region/model.h:
tools/region/region_read.h:
include/hp/open_regular.h:
