build2/tests/unit/test_prom: tests/unit/test_prom.c include/hp/region.h \
 include/hp/hist.h tools/report/report.h tools/region/model.h \
 tools/report/textfmt.h tools/report/report_pprof.h tools/report/report.h \
 tools/report/report_prom.h
include/hp/region.h:
include/hp/hist.h:
tools/report/report.h:
tools/region/model.h:
tools/report/textfmt.h:
tools/report/report_pprof.h:
tools/report/report.h:
tools/report/report_prom.h:
