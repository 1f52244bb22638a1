build2/tools/report/report_json.o: tools/report/report_json.c \
 include/hp/region.h include/hp/hist.h tools/report/json.h \
 tools/report/report.h tools/region/model.h tools/report/textfmt.h \
 tools/report/report_load.h tools/report/json.h tools/report/textfmt.h \
 tools/report/report_tree.h tools/region/model_tree.h \
 tools/region/model.h
include/hp/region.h:
include/hp/hist.h:
tools/report/json.h:
tools/report/report.h:
tools/region/model.h:
tools/report/textfmt.h:
tools/report/report_load.h:
tools/report/json.h:
tools/report/textfmt.h:
tools/report/report_tree.h:
tools/region/model_tree.h:
tools/region/model.h:
