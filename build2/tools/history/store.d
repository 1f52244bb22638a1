build2/tools/history/store.o: tools/history/store.c tools/history/store.h \
 tools/region/model.h include/hp/region.h include/hp/hist.h \
 tools/history/store_int.h tools/report/report.h tools/report/textfmt.h
tools/history/store.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/history/store_int.h:
tools/report/report.h:
tools/report/textfmt.h:
