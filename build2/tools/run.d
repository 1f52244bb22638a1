build2/tools/run.o: tools/run.c tools/hotpath.h \
 tools/region/region_guard.h tools/region/region_model.h \
 symbolize/symbolize.h tools/region/model.h include/hp/region.h \
 include/hp/hist.h tools/region/region_read.h include/hp/open_regular.h \
 tools/report/report_flow.h tools/report/report.h tools/report/textfmt.h \
 tools/report/report_patch.h tools/report/json.h tools/serve.h \
 tools/report/report_prom.h tools/report/report.h tools/settings.h \
 tools/budget.h
tools/hotpath.h:
tools/region/region_guard.h:
tools/region/region_model.h:
symbolize/symbolize.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/region/region_read.h:
include/hp/open_regular.h:
tools/report/report_flow.h:
tools/report/report.h:
tools/report/textfmt.h:
tools/report/report_patch.h:
tools/report/json.h:
tools/serve.h:
tools/report/report_prom.h:
tools/report/report.h:
tools/settings.h:
tools/budget.h:
