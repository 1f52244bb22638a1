build2/tools/history.o: tools/history.c tools/config.h tools/hotpath.h \
 tools/report/json.h tools/report/report.h tools/region/model.h \
 include/hp/region.h include/hp/hist.h tools/report/textfmt.h \
 tools/settings.h tools/history/store.h
tools/config.h:
tools/hotpath.h:
tools/report/json.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
tools/settings.h:
tools/history/store.h:
