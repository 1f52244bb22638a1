build2/tools/config.o: tools/config.c tools/config.h tools/report/json.h
tools/config.h:
tools/report/json.h:
