build2/tools/list_functions.o: tools/list_functions.c tools/hotpath.h \
 tools/patch_scan.h
tools/hotpath.h:
tools/patch_scan.h:
