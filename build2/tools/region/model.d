build2/tools/region/model.o: tools/region/model.c include/hp/region.h \
 include/hp/hist.h tools/region/model.h tools/region/model_tree.h
include/hp/region.h:
include/hp/hist.h:
tools/region/model.h:
tools/region/model_tree.h:
