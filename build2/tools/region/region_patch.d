build2/tools/region/region_patch.o: tools/region/region_patch.c \
 include/hp/patch.h tools/region/region_model.h symbolize/symbolize.h \
 tools/region/model.h include/hp/region.h include/hp/hist.h \
 tools/region/region_read.h include/hp/open_regular.h
include/hp/patch.h:
tools/region/region_model.h:
symbolize/symbolize.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/region/region_read.h:
include/hp/open_regular.h:
