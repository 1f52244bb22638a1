build2/tools/report/report_cpu.o: tools/report/report_cpu.c \
 include/hp/region.h include/hp/hist.h tools/report/report_cpu.h \
 tools/report/json.h tools/report/report.h tools/region/model.h \
 tools/report/textfmt.h tools/report/report_load.h tools/report/json.h \
 tools/report/textfmt.h
include/hp/region.h:
include/hp/hist.h:
tools/report/report_cpu.h:
tools/report/json.h:
tools/report/report.h:
tools/region/model.h:
tools/report/textfmt.h:
tools/report/report_load.h:
tools/report/json.h:
tools/report/textfmt.h:
