build2/tools/patch_scan.o: tools/patch_scan.c tools/hotpath.h \
 tools/patch_scan.h symbolize/symbolize.h include/hp/patch.h \
 preload/arch/arch.h preload/arch/x86_64.h
tools/hotpath.h:
tools/patch_scan.h:
symbolize/symbolize.h:
include/hp/patch.h:
preload/arch/arch.h:
preload/arch/x86_64.h:
