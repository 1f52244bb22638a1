build2/tools/history/store_read.o: tools/history/store_read.c \
 tools/config.h tools/report/report.h tools/region/model.h \
 include/hp/region.h include/hp/hist.h tools/report/textfmt.h \
 tools/history/store.h tools/history/store_int.h
tools/config.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
tools/history/store.h:
tools/history/store_int.h:
