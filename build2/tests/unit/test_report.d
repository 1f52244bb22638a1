build2/tests/unit/test_report: tests/unit/test_report.c \
 include/hp/region.h include/hp/hist.h tools/report/json.h \
 tools/report/report.h tools/region/model.h tools/report/textfmt.h
include/hp/region.h:
include/hp/hist.h:
tools/report/json.h:
tools/report/report.h:
tools/region/model.h:
tools/report/textfmt.h:
