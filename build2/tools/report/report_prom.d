build2/tools/report/report_prom.o: tools/report/report_prom.c \
 include/hp/region.h include/hp/hist.h tools/report/report_flow.h \
 tools/region/model.h tools/report/report.h tools/report/textfmt.h \
 tools/report/report_prom.h tools/report/report.h
include/hp/region.h:
include/hp/hist.h:
tools/report/report_flow.h:
tools/region/model.h:
tools/report/report.h:
tools/report/textfmt.h:
tools/report/report_prom.h:
tools/report/report.h:
