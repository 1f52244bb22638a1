build2/tools/util.o: tools/util.c tools/hotpath.h
tools/hotpath.h:
