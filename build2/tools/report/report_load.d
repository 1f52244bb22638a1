build2/tools/report/report_load.o: tools/report/report_load.c \
 tools/report/report_load.h tools/region/model.h include/hp/region.h \
 include/hp/hist.h tools/report/json.h
tools/report/report_load.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/json.h:
