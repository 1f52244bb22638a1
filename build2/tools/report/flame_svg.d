build2/tools/report/flame_svg.o: tools/report/flame_svg.c \
 tools/report/flame.h tools/report/report.h tools/region/model.h \
 include/hp/region.h include/hp/hist.h tools/report/textfmt.h
tools/report/flame.h:
tools/report/report.h:
tools/region/model.h:
include/hp/region.h:
include/hp/hist.h:
tools/report/textfmt.h:
