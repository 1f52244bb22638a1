build2/tools/report/flame_folded.o: tools/report/flame_folded.c \
 tools/report/flame.h
tools/report/flame.h:
