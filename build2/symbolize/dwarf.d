build2/symbolize/dwarf.o: symbolize/dwarf.c symbolize/sym_internal.h
symbolize/sym_internal.h:
