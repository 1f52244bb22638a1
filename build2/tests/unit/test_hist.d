build2/tests/unit/test_hist: tests/unit/test_hist.c \
 tools/region/hist_pct.h include/hp/hist.h
tools/region/hist_pct.h:
include/hp/hist.h:
