build2/tui/pane_memory.o: tui/pane_memory.c tui/console.h \
 tools/region/region_read.h include/hp/open_regular.h include/hp/region.h \
 include/hp/hist.h tools/report/report.h tools/region/model.h \
 tools/report/textfmt.h symbolize/symbolize.h
tui/console.h:
tools/region/region_read.h:
include/hp/open_regular.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/report.h:
tools/region/model.h:
tools/report/textfmt.h:
symbolize/symbolize.h:
