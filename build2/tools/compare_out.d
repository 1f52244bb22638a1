build2/tools/compare_out.o: tools/compare_out.c tools/compare.h \
 tools/report/report.h tools/region/model.h include/hp/region.h \
 include/hp/hist.h tools/report/textfmt.h tools/report/json.h
tools/compare.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
tools/report/json.h:
