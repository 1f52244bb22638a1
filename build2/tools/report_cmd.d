build2/tools/report_cmd.o: tools/report_cmd.c tools/config.h \
 tools/hotpath.h tools/report/report.h tools/region/model.h \
 include/hp/region.h include/hp/hist.h tools/report/textfmt.h \
 tools/settings.h
tools/config.h:
tools/hotpath.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
tools/settings.h:
