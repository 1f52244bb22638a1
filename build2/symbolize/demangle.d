build2/symbolize/demangle.o: symbolize/demangle.c \
 symbolize/sym_internal.h symbolize/symbolize.h
symbolize/sym_internal.h:
symbolize/symbolize.h:
