build2/tools/report/report_json_write.o: tools/report/report_json_write.c \
 include/hp/region.h include/hp/hist.h tools/report/json.h \
 tools/report/report_cpu.h tools/report/report.h tools/region/model.h \
 tools/report/textfmt.h tools/report/report_flow.h tools/report/report.h \
 tools/report/report_int.h tools/report/json.h tools/report/report_mem.h \
 tools/report/report_patch.h tools/report/report_tree.h \
 tools/region/model_tree.h tools/region/model.h tools/report/textfmt.h
include/hp/region.h:
include/hp/hist.h:
tools/report/json.h:
tools/report/report_cpu.h:
tools/report/report.h:
tools/region/model.h:
tools/report/textfmt.h:
tools/report/report_flow.h:
tools/report/report.h:
tools/report/report_int.h:
tools/report/json.h:
tools/report/report_mem.h:
tools/report/report_patch.h:
tools/report/report_tree.h:
tools/region/model_tree.h:
tools/region/model.h:
tools/report/textfmt.h:
