build2/tests/unit/test_region: tests/unit/test_region.c \
 tests/unit/region_fixture.h include/hp/region.h include/hp/hist.h \
 tools/region/region_model.h symbolize/symbolize.h tools/region/model.h \
 tools/region/region_read.h include/hp/open_regular.h
tests/unit/region_fixture.h:
include/hp/region.h:
include/hp/hist.h:
tools/region/region_model.h:
symbolize/symbolize.h:
tools/region/model.h:
tools/region/region_read.h:
include/hp/open_regular.h:
