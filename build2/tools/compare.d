build2/tools/compare.o: tools/compare.c tools/config.h tools/hotpath.h \
 tools/report/json.h tools/report/report.h tools/region/model.h \
 include/hp/region.h include/hp/hist.h tools/report/textfmt.h \
 tools/history/store.h tools/compare.h
tools/config.h:
tools/hotpath.h:
tools/report/json.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
tools/history/store.h:
tools/compare.h:
