# bpfrt build.  `make` builds the library and the command; `make check` runs
# the test suite (plain build, then ASan+UBSan build); `make bench`, `make
# fuzz`, `make demo`.  ./run.sh wraps these after installing dependencies.

CC      ?= gcc
CLANG   ?= clang-19
BPF_CLANG ?= clang-19
O       ?= build
CFLAGS_BASE := -std=gnu11 -g -Wall -Wextra -Werror -Iinclude -D_GNU_SOURCE
# The library and its tests see its internals; the command sees only the
# public header (include/), as an embedder does.
LIB_CFLAGS := -Isrc
OPT     ?= -O2
CFLAGS  ?=
ALL_CFLAGS = $(CFLAGS_BASE) $(OPT) $(CFLAGS)
LDLIBS_TOOL = -lcapstone -lpcap -lbpf -lelf -lz
LDLIBS_TEST = -lcriterion -lpcap -lbpf -lelf -lz

LIB_SRCS := $(wildcard src/*/*.c)
TOOL_SRCS := $(wildcard tools/bpfrt/*.c)
TEST_SRCS := $(wildcard tests/unit/*.c tests/kernel-diff/*.c)

LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(O)/%.o)
TEST_OBJS := $(TEST_SRCS:%.c=$(O)/%.o)

.PHONY: all check test test-plain test-san fuzz-smoke demo bench fuzz clean format
all: $(O)/libbpfrt.a $(O)/bpfrt

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(O)/tools/%.o: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(dir $<) -MMD -MP -c $< -o $@

# clang 18/19 merge the interpreter's per-handler dispatch jumps into one
# shared jump (tail duplication limits); lift the limits for that file.
$(O)/src/engine/interp.o: CFLAGS += $(if $(findstring clang,$(CC)),-mllvm -tail-dup-pred-size=1000 -mllvm -tail-dup-succ-size=1000)

$(O)/libbpfrt.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(O)/bpfrt: $(TOOL_OBJS) $(O)/libbpfrt.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_TOOL)

$(O)/bpfrt-tests: $(TEST_OBJS) $(O)/libbpfrt.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_TEST)

# The test suite: unit tests, CLI tests and the differential tests against
# the running kernel, with the plain build and again under ASan+UBSan.
check test: test-plain test-san fuzz-smoke

test-plain: $(O)/bpfrt-tests $(O)/bpfrt
	BPFRT=$(O)/bpfrt ./$(O)/bpfrt-tests $(TESTFLAGS)

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
test-san:
	$(MAKE) O=build-san CC=$(CLANG) OPT=-O1 CFLAGS="$(SAN_FLAGS)" LDLIBS_TOOL="$(LDLIBS_TOOL) $(SAN_FLAGS)" \
	    build-san/bpfrt-tests build-san/bpfrt
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 BPFRT=build-san/bpfrt BPFRT_SANITIZED=1 \
	    ./build-san/bpfrt-tests $(TESTFLAGS)

demo: $(O)/bpfrt
	./scripts/demo.sh $(O)/bpfrt

bench:
	$(MAKE) -C bench BPFRT_ROOT=$(CURDIR)

fuzz:
	$(MAKE) -C tests/fuzz BPFRT_ROOT=$(CURDIR)

# Each libFuzzer target for a short while (FUZZ_SECONDS, default 20 s).
fuzz-smoke:
	$(MAKE) -C tests/fuzz BPFRT_ROOT=$(CURDIR) smoke

format:
	clang-format -i $(LIB_SRCS) $(TOOL_SRCS) $(TEST_SRCS) include/bpfrt/*.h src/*/*.h

clean:
	rm -rf build build-san
	$(MAKE) -C bench clean 2>/dev/null || true

-include $(LIB_OBJS:.o=.d) $(TOOL_OBJS:.o=.d) $(TEST_OBJS:.o=.d)
