build2/tools/region/region_guard.o: tools/region/region_guard.c \
 tools/region/region_guard.h
tools/region/region_guard.h:
