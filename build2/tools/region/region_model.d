build2/tools/region/region_model.o: tools/region/region_model.c \
 preload/arch/arch.h preload/arch/x86_64.h tools/region/region_model.h \
 symbolize/symbolize.h tools/region/model.h include/hp/region.h \
 include/hp/hist.h tools/region/region_read.h include/hp/open_regular.h \
 tools/region/model_tree.h tools/region/model.h
preload/arch/arch.h:
preload/arch/x86_64.h:
tools/region/region_model.h:
symbolize/symbolize.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/region/region_read.h:
include/hp/open_regular.h:
tools/region/model_tree.h:
tools/region/model.h:
