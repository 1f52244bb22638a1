build2/gen/profile.pb-c.o: build2/gen/profile.pb-c.c \
 build2/gen/profile.pb-c.h
build2/gen/profile.pb-c.h:
