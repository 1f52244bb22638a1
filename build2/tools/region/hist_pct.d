build2/tools/region/hist_pct.o: tools/region/hist_pct.c \
 tools/region/hist_pct.h include/hp/hist.h
tools/region/hist_pct.h:
include/hp/hist.h:
