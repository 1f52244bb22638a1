build2/symbolize/symtab.o: symbolize/symtab.c include/hp/open_regular.h \
 symbolize/sym_internal.h symbolize/symbolize.h
include/hp/open_regular.h:
symbolize/sym_internal.h:
symbolize/symbolize.h:
