build2/tools/report/report_tree_text.o: tools/report/report_tree_text.c \
 tools/report/flame.h tools/report/report_tree.h tools/report/report.h \
 tools/region/model.h include/hp/region.h include/hp/hist.h \
 tools/report/textfmt.h tools/region/model_tree.h tools/region/model.h \
 tools/report/textfmt.h
tools/report/flame.h:
tools/report/report_tree.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
tools/region/model_tree.h:
tools/region/model.h:
tools/report/textfmt.h:
