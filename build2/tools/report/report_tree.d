build2/tools/report/report_tree.o: tools/report/report_tree.c \
 tools/report/flame.h tools/report/json.h tools/report/report_load.h \
 tools/region/model.h include/hp/region.h include/hp/hist.h \
 tools/report/json.h tools/report/report_tree.h tools/report/report.h \
 tools/report/textfmt.h tools/region/model_tree.h tools/region/model.h
tools/report/flame.h:
tools/report/json.h:
tools/report/report_load.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/json.h:
tools/report/report_tree.h:
tools/report/report.h:
tools/report/textfmt.h:
tools/region/model_tree.h:
tools/region/model.h:
