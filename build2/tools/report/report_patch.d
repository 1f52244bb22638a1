build2/tools/report/report_patch.o: tools/report/report_patch.c \
 include/hp/patch.h tools/report/report_load.h tools/region/model.h \
 include/hp/region.h include/hp/hist.h tools/report/json.h \
 tools/report/report_patch.h
include/hp/patch.h:
tools/report/report_load.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/json.h:
tools/report/report_patch.h:
