# Makefile - builds libhotpath.so (preload/), hotpath (tools/ with its region/, report/ and
# history/ parts, tui/, symbolize/), the
# tests and the benchmarks. Objects go under build/; `V=1` shows commands, `DEBUG=1` builds -O0,
# `SAN=address,undefined` or `SAN=thread` builds the readers and tests with sanitizers.

CC ?= cc
PREFIX ?= /usr/local
BUILD ?= build
PYTHON ?= /usr/bin/python3

VERSION := 0.1.0

OPT := -O2
ifeq ($(DEBUG),1)
OPT := -O0 -DHP_DEBUG_BUILD
endif
WERROR :=
ifeq ($(CI),true)
WERROR := -Werror
endif

WARN := -Wall -Wextra -Wstrict-prototypes -Wshadow -Wno-unused-parameter $(WERROR)
BASE_CFLAGS := -std=gnu11 -g $(OPT) $(WARN) -D_GNU_SOURCE -Iinclude -I. -DHP_VERSION=\"$(VERSION)\" -MMD -MP
SANFLAGS :=
ifneq ($(SAN),)
SANFLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer
endif

# Code that runs inside the profiled process: no exported names but the hooks, initial-exec TLS
# (glibc's rules for a replacement malloc), frame pointers for cheap call-site capture.
# No auto-vectorization: the patch stubs save only xmm0-1, and gcc -O2 pairs adjacent counter
# updates into SSE adds (test_patch checks what the stubs reach).
PRELOAD_CFLAGS := $(BASE_CFLAGS) -fPIC -fvisibility=hidden -ftls-model=initial-exec \
	-fno-omit-frame-pointer -fno-strict-aliasing -fno-tree-vectorize
PRELOAD_LDFLAGS := -shared -Wl,--no-undefined -Wl,-z,noexecstack -ldl -lpthread -lrt \
	-lunwind

# SAN=thread also instruments the library, so `make tsan` checks the hooks themselves (the
# test programs are then built with TSan and run with libtsan preloaded first).
ifeq ($(SAN),thread)
# HP_TSAN: TSan owns malloc (this build of the library has no malloc hooks) and condition
# variables are reached through its interceptors (preload/alloc.c, locks.c).
PRELOAD_CFLAGS += -fsanitize=thread -DHP_TSAN
PRELOAD_LDFLAGS += -fsanitize=thread
endif
# Code generated at build time (not committed): protoc-c's encoder of tools/report/profile.proto.
GEN := $(BUILD)/gen
PROTO_GEN := $(GEN)/profile.pb-c.c $(GEN)/profile.pb-c.h
READER_CFLAGS := $(BASE_CFLAGS) $(SANFLAGS) -I$(GEN)
READER_LIBS := -lelf -ldw -liberty -lncursesw -ltinfo -lsqlite3 -lm -lpthread -lcapstone \
	-lmicrohttpd -lprotobuf-c -lz

# The architecture layer (preload/arch/arch.h): preload/arch/$(ARCH).c and $(ARCH)_stubs.c.
ARCH ?= $(shell uname -m)
ifeq ($(wildcard preload/arch/$(ARCH).c),)
$(error hotpath: no architecture layer for $(ARCH): preload/arch/ has $(patsubst preload/arch/%.h,%,$(filter-out preload/arch/arch.h,$(wildcard preload/arch/*.h))))
endif
PRELOAD_SRC := $(wildcard preload/*.c) preload/arch/$(ARCH).c preload/arch/$(ARCH)_stubs.c
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/%.o)
PRELOAD_NOP_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/nop/%.o)
# Reader code shared by hotpath and the unit tests.
READER_SRC := $(wildcard tools/region/*.c tools/report/*.c tools/history/*.c) $(wildcard symbolize/*.c) $(wildcard tui/*.c) \
	$(filter-out tools/main.c,$(wildcard tools/*.c))
# The readers link the architecture layer's pure part too (`hotpath list-functions` runs the
# patcher's analysis), compiled as reader code under $(BUILD)/reader/.
READER_OBJ := $(READER_SRC:%.c=$(BUILD)/%.o) $(GEN)/profile.pb-c.o \
	$(BUILD)/reader/preload/arch/$(ARCH).o

LIB := $(BUILD)/libhotpath.so
LIB_NOP := $(BUILD)/libhotpath-nop.so
READER_A := $(BUILD)/libhpreader.a
BIN := $(BUILD)/hotpath

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

.PHONY: all deps demo test unit sanitize tsan bench install uninstall clean fuzz format format-diff
all: $(LIB) $(LIB_NOP) $(BIN)

deps:
	$(Q)sh tools/install-deps.sh

$(BUILD)/preload/%.o: preload/%.c
	$(call say,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(PRELOAD_CFLAGS) -c -o $@ $<

$(BUILD)/nop/preload/%.o: preload/%.c
	$(call say,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(PRELOAD_CFLAGS) -DHP_NOP -c -o $@ $<

$(LIB): $(PRELOAD_OBJ)
	$(call say,LD,$@)
	$(Q)$(CC) -o $@ $^ $(PRELOAD_LDFLAGS)

$(LIB_NOP): $(PRELOAD_NOP_OBJ)
	$(call say,LD,$@)
	$(Q)$(CC) -o $@ $^ $(PRELOAD_LDFLAGS)

$(BUILD)/%.o: %.c
	$(call say,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(READER_CFLAGS) -c -o $@ $<

$(BUILD)/reader/%.o: %.c
	$(call say,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(READER_CFLAGS) -c -o $@ $<

# pprof (tools/report/report_pprof.c): protoc-c writes the message code; its users wait for it.
$(GEN)/profile.pb-c.h: tools/report/profile.proto
	$(call say,PROTOC,$@)
	$(Q)mkdir -p $(GEN)
	$(Q)protoc-c --c_out=$(GEN) --proto_path=tools/report $<
$(GEN)/profile.pb-c.c: $(GEN)/profile.pb-c.h
$(GEN)/profile.pb-c.o: $(GEN)/profile.pb-c.c
	$(call say,CC,$@)
	$(Q)$(CC) $(READER_CFLAGS) -c -o $@ $<
$(READER_SRC:%.c=$(BUILD)/%.o): | $(GEN)/profile.pb-c.h

$(READER_A): $(READER_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/tools/main.o $(READER_A)
	$(call say,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -o $@ $^ $(READER_LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(READER_A)
	$(call say,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(READER_CFLAGS) -o $@ $< $(READER_A) $(READER_LIBS) $$(pkg-config --libs check)

unit: $(UNIT_BIN)

# The whole suite: end-to-end tests (tests/test_*.py) and unit tests, two at a time.
# deps first, then the build: with -j the compiler must not start before apt-get ends.
test: deps
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)HOTPATH_BUILD=$(abspath $(BUILD)) $(PYTHON) tests/run.py

# ASan+UBSan on the readers and unit tests; the suite runs them through the same runner.
sanitize:
	$(Q)$(MAKE) --no-print-directory BUILD=build-san SAN=address,undefined test

# The threaded tests with ThreadSanitizer in the library, the readers and the test programs
# (not the allocation tests: under TSan the library has no malloc hooks, see HP_TSAN; nor the
# CPU sampling ones: a TSan build does not sample, preload/sample.c).
tsan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-tsan SAN=thread all
	$(Q)HOTPATH_BUILD=$(abspath build-tsan) HOTPATH_TSAN=1 $(PYTHON) tests/run.py -k thread -x test_alloc \
		-x test_astacks -x test_cpu

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tools/demo.sh $(BUILD)

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh bench/run.sh $(BUILD)

# Every fuzz target for FUZZ_SECONDS each (ASan+UBSan); `make test` replays the seeds and runs
# each briefly (tests/test_fuzz.py).
FUZZ_SECONDS ?= 60
fuzz: all
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/build.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/hotpath
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/hotpath
	install -m 0644 $(LIB) $(LIB_NOP) $(DESTDIR)$(PREFIX)/lib/hotpath/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/hotpath
	rm -rf $(DESTDIR)$(PREFIX)/lib/hotpath

# The style is .clang-format at the root. format rewrites the files; format-diff prints what it
# would change and how many lines, touching nothing.
format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-diff:
	$(Q)mkdir -p $(BUILD); for f in $$(git ls-files '*.c' '*.h'); do clang-format "$$f" | diff -u "$$f" - | \
		sed "s|^--- $$f|--- a/$$f|; s|^+++ -|+++ b/$$f|"; done | tee $(BUILD)/format.diff | \
		grep -c '^[-+][^-+]' | sed 's/$$/ lines would change (diff in $(BUILD)\/format.diff)/' >&2

clean:
	rm -rf build build-san build-tsan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
