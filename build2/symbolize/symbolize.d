build2/symbolize/symbolize.o: symbolize/symbolize.c \
 symbolize/sym_internal.h symbolize/symbolize.h
symbolize/sym_internal.h:
symbolize/symbolize.h:
