build2/tests/unit/test_store: tests/unit/test_store.c \
 tools/report/report.h tools/region/model.h include/hp/region.h \
 include/hp/hist.h tools/report/textfmt.h tools/history/store.h
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
tools/history/store.h:
