build2/tools/report/textfmt.o: tools/report/textfmt.c \
 tools/report/textfmt.h
tools/report/textfmt.h:
