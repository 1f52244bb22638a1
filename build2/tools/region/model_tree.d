build2/tools/region/model_tree.o: tools/region/model_tree.c \
 tools/region/model_tree.h tools/region/model.h include/hp/region.h \
 include/hp/hist.h
tools/region/model_tree.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
