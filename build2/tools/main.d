build2/tools/main.o: tools/main.c tools/hotpath.h
tools/hotpath.h:
