build2/tools/serve.o: tools/serve.c tools/hotpath.h tools/serve.h \
 tools/report/report.h tools/region/model.h include/hp/region.h \
 include/hp/hist.h tools/report/textfmt.h tools/report/report_prom.h \
 tools/report/report.h tools/settings.h symbolize/symbolize.h \
 tools/region/region_model.h tools/region/region_read.h \
 include/hp/open_regular.h
tools/hotpath.h:
tools/serve.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
tools/report/report_prom.h:
tools/report/report.h:
tools/settings.h:
symbolize/symbolize.h:
tools/region/region_model.h:
tools/region/region_read.h:
include/hp/open_regular.h:
