build2/tools/report/json.o: tools/report/json.c tools/report/json.h
tools/report/json.h:
