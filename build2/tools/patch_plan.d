build2/tools/patch_plan.o: tools/patch_plan.c tools/hotpath.h \
 include/hp/patch.h tools/patch_scan.h
tools/hotpath.h:
include/hp/patch.h:
tools/patch_scan.h:
