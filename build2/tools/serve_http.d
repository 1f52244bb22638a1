build2/tools/serve_http.o: tools/serve_http.c tools/hotpath.h \
 tools/serve.h tools/report/report.h tools/region/model.h \
 include/hp/region.h include/hp/hist.h tools/report/textfmt.h \
 tools/report/report_prom.h tools/report/report.h \
 tools/report/report_pprof.h
tools/hotpath.h:
tools/serve.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
tools/report/report_prom.h:
tools/report/report.h:
tools/report/report_pprof.h:
