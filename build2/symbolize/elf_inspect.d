build2/symbolize/elf_inspect.o: symbolize/elf_inspect.c \
 symbolize/sym_internal.h symbolize/symbolize.h
symbolize/sym_internal.h:
symbolize/symbolize.h:
