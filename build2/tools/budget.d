build2/tools/budget.o: tools/budget.c tools/budget.h tools/settings.h \
 tools/report/report.h tools/region/model.h include/hp/region.h \
 include/hp/hist.h tools/report/textfmt.h tools/hotpath.h \
 tools/report/json.h
tools/budget.h:
tools/settings.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
tools/hotpath.h:
tools/report/json.h:
