build2/tools/report/report_table.o: tools/report/report_table.c \
 include/hp/region.h include/hp/hist.h tools/report/report_cpu.h \
 tools/report/json.h tools/report/report.h tools/region/model.h \
 tools/report/textfmt.h tools/report/report_flow.h tools/report/report.h \
 tools/report/report_int.h tools/report/json.h tools/report/report_mem.h \
 tools/report/textfmt.h
include/hp/region.h:
include/hp/hist.h:
tools/report/report_cpu.h:
tools/report/json.h:
tools/report/report.h:
tools/region/model.h:
tools/report/textfmt.h:
tools/report/report_flow.h:
tools/report/report.h:
tools/report/report_int.h:
tools/report/json.h:
tools/report/report_mem.h:
tools/report/textfmt.h:
