build2/tools/settings.o: tools/settings.c include/hp/open_regular.h \
 tools/hotpath.h tools/config.h tools/settings.h tools/report/report.h \
 tools/region/model.h include/hp/region.h include/hp/hist.h \
 tools/report/textfmt.h
include/hp/open_regular.h:
tools/hotpath.h:
tools/config.h:
tools/settings.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
