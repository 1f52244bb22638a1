build2/tools/report/report_pprof.o: tools/report/report_pprof.c \
 build2/gen/profile.pb-c.h tools/report/report_pprof.h \
 tools/report/report.h tools/region/model.h include/hp/region.h \
 include/hp/hist.h tools/report/textfmt.h
build2/gen/profile.pb-c.h:
tools/report/report_pprof.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
