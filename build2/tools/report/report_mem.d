build2/tools/report/report_mem.o: tools/report/report_mem.c \
 tools/report/report_load.h tools/region/model.h include/hp/region.h \
 include/hp/hist.h tools/report/json.h tools/report/report_mem.h \
 tools/report/report.h tools/report/textfmt.h tools/report/textfmt.h
tools/report/report_load.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/json.h:
tools/report/report_mem.h:
tools/report/report.h:
tools/report/textfmt.h:
tools/report/textfmt.h:
