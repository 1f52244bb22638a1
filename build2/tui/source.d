build2/tui/source.o: tui/source.c tui/console.h \
 tools/region/region_read.h include/hp/open_regular.h include/hp/region.h \
 include/hp/hist.h tools/report/report.h tools/region/model.h \
 tools/report/textfmt.h symbolize/symbolize.h tools/region/region_model.h \
 tui/screen_guard.h
tui/console.h:
tools/region/region_read.h:
include/hp/open_regular.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/report.h:
tools/region/model.h:
tools/report/textfmt.h:
symbolize/symbolize.h:
tools/region/region_model.h:
tui/screen_guard.h:
