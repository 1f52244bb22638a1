build2/tools/report/report.o: tools/report/report.c tools/report/json.h \
 tools/report/report_int.h tools/report/json.h tools/report/report.h \
 tools/region/model.h include/hp/region.h include/hp/hist.h \
 tools/report/textfmt.h tools/report/report_cpu.h tools/report/report.h \
 tools/report/report_pprof.h tools/report/report_tree.h \
 tools/region/model_tree.h tools/region/model.h
tools/report/json.h:
tools/report/report_int.h:
tools/report/json.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
tools/report/report_cpu.h:
tools/report/report.h:
tools/report/report_pprof.h:
tools/report/report_tree.h:
tools/region/model_tree.h:
tools/region/model.h:
