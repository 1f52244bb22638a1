build2/tools/report/report_flow_json.o: tools/report/report_flow_json.c \
 include/hp/region.h include/hp/hist.h tools/report/json.h \
 tools/report/report_flow.h tools/region/model.h tools/report/report.h \
 tools/report/textfmt.h tools/report/report_load.h tools/report/json.h
include/hp/region.h:
include/hp/hist.h:
tools/report/json.h:
tools/report/report_flow.h:
tools/region/model.h:
tools/report/report.h:
tools/report/textfmt.h:
tools/report/report_load.h:
tools/report/json.h:
