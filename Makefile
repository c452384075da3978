# bpfrt build.  `make` builds the library (static and shared) and the
# command; `make check` runs the test suite (plain build, then ASan+UBSan
# build, then fuzz smoke); `make quick` the unit tests alone; `make install`
# (PREFIX, DESTDIR), `make uninstall`; `make bench`, `make fuzz`,
# `make demo`.  ./run.sh wraps these after installing dependencies.

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
# What the library itself needs (also bpfrt.pc's Requires.private).
LDLIBS_LIB  = -lpcap -lbpf -lelf -lz
LDLIBS_TOOL = $(LDLIBS_LIB) -lcapstone
LDLIBS_TEST = -lcriterion $(LDLIBS_LIB)

# The library's version: the soname carries the major number.
VERSION_MAJOR := 0
VERSION_MINOR := 1
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).0
SONAME  := libbpfrt.so.$(VERSION_MAJOR)
SOFILE  := libbpfrt.so.$(VERSION_MAJOR).$(VERSION_MINOR)

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR  ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

# Module layering (scripts/check-layers.sh): 0 reports violations, 1 fails
# the build on them.  Strict mode also builds tools/ with include/ alone on
# its include path and links the command with the public library only.
LAYERS_STRICT ?= 1

LIB_SRCS := $(wildcard src/*/*.c)
TOOL_SRCS := $(wildcard tools/bpfrt/*.c)
UNIT_SRCS := $(wildcard tests/unit/*.c)
TEST_SRCS := $(UNIT_SRCS) $(wildcard tests/kernel-diff/*.c)

LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
PIC_OBJS := $(LIB_SRCS:%.c=$(O)/pic/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(O)/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(O)/%.o)
TEST_OBJS := $(TEST_SRCS:%.c=$(O)/%.o)

ifeq ($(LAYERS_STRICT),1)
TOOL_LIB := $(O)/libbpfrt.a
$(TOOL_OBJS): CFLAGS_BASE := $(filter-out -Isrc,$(CFLAGS_BASE))
else
TOOL_LIB := $(O)/libbpfrt-internal.a
endif

.PHONY: all examples lib layers check test test-plain test-engines test-san quick fuzz-smoke demo bench fuzz clean format \
	install uninstall fault fault-plain fault-san
all: layers lib $(O)/bpfrt examples

# The demo's programs (examples/*.c: BPF C, each with its SEC("xdp") or
# SEC("tc") entry), built with clang as the README shows.
EXAMPLE_OBJS := $(O)/examples/xdp_fw.o $(O)/examples/tc_nat.o
examples: $(EXAMPLE_OBJS)
$(O)/examples/%.o: examples/%.c
	@mkdir -p $(dir $@)
	$(BPF_CLANG) -O2 -g -target bpf -I/usr/include/$(shell uname -m)-linux-gnu -c $< -o $@
lib: $(O)/libbpfrt.a $(O)/$(SOFILE) $(O)/libbpfrt.so

# The include graph, and the library objects' symbol references, against
# the module order (scripts/check-layers.sh -g $(O) prints both graphs).
layers: $(LIB_OBJS)
	@LAYERS_STRICT=$(LAYERS_STRICT) ./scripts/check-layers.sh $(O)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(O)/tools/%.o: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(dir $<) -MMD -MP -c $< -o $@

# The shared library's objects: position independent, kept apart so that the
# static library and the command keep the code the benchmarks measure.
$(O)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) -fPIC -MMD -MP -c $< -o $@

# clang 18/19 merge the interpreter's per-handler dispatch jumps into one
# shared jump (tail duplication limits); lift the limits for that file.
INTERP_CFLAGS = $(if $(findstring clang,$(CC)),-mllvm -tail-dup-pred-size=1000 -mllvm -tail-dup-succ-size=1000)
$(O)/src/engine/interp.o $(O)/pic/src/engine/interp.o: CFLAGS += $(INTERP_CFLAGS)

# Every object with every symbol: for the unit tests, the fuzzers' peers and
# (until tools/ lives on the public API alone) the command.
$(O)/libbpfrt-internal.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The public static library: the objects linked into one relocatable object
# whose only global symbols are the bpfrt_ ones (the rest made local), so an
# embedder sees the same names as with the shared library and cannot clash
# with bpfrt's internal ones.
$(O)/libbpfrt.o: $(LIB_OBJS)
	$(LD) -r -o $@.all $^
	nm -g --defined-only $@.all | awk '$$3 ~ /^bpfrt_/ { print $$3 }' | sort -u > $(O)/libbpfrt.syms
	objcopy --localize-hidden --keep-global-symbols=$(O)/libbpfrt.syms $@.all $@
	@rm -f $@.all

$(O)/libbpfrt.a: $(O)/libbpfrt.o
	@rm -f $@
	ar rcs $@ $^

# The shared library: exports bpfrt_* only (scripts/libbpfrt.map).
$(O)/$(SOFILE): $(PIC_OBJS) scripts/libbpfrt.map
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=scripts/libbpfrt.map \
	    -Wl,--no-undefined -o $@ $(PIC_OBJS) $(LDLIBS_LIB)

$(O)/libbpfrt.so: $(O)/$(SOFILE)
	ln -sf $(SOFILE) $(O)/$(SONAME)
	ln -sf $(SONAME) $@

$(O)/bpfrt: $(TOOL_OBJS) $(TOOL_LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_TOOL)

$(O)/bpfrt-tests: $(TEST_OBJS) $(O)/libbpfrt-internal.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_TEST)

# The unit and CLI tests alone (no kernel-differential suites): `make quick`.
$(O)/bpfrt-unit: $(UNIT_OBJS) $(O)/libbpfrt-internal.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_TEST)

# The test suite: unit tests, CLI tests and the differential tests against
# the running kernel, with the plain build and again under ASan+UBSan.
# Each run also writes Criterion's JSON report (run.sh counts skipped tests
# from it: the Synthesis line leaves them out).
check test: layers test-plain test-engines test-san fuzz-smoke fault

# The install test (suite "install") installs the plain build: build it first.
test-plain: $(O)/bpfrt-tests $(O)/bpfrt lib
	BPFRT=$(O)/bpfrt ./$(O)/bpfrt-tests --json=$(O)/tests.json $(TESTFLAGS)

quick: $(O)/bpfrt-unit $(O)/bpfrt lib
	BPFRT=$(O)/bpfrt ./$(O)/bpfrt-unit --json=$(O)/unit.json $(TESTFLAGS)

# The suites that run programs, once per engine (BPFRT_ENGINE, read by the
# library for a load that names no engine), and the JIT again with its
# constants blinded (BPFRT_JIT_BLIND=1): each summary line says which.
ENGINE_SUITES := @(interp|jit|callx|jit_inline|jit_repeat|helpers|helpers2|tailcall|testrun|kdiff|testrun_diff|helpers_diff|skb_helpers|skb_helpers_diff|net_helpers|net_helpers_diff|core_helpers|core_helpers_diff|xdp_frags|xdp_frags_diff|skb_ctx_diff|ctx_access_diff|demo_diff|fib|sockmaps|trace_shared|progtypes|fuzz_findings|real_objects|pipeline)/*
test-engines: $(O)/bpfrt-tests $(O)/bpfrt
	@for e in interp jit jit-blind; do \
	    BPFRT_ENGINE=$${e%-blind} BPFRT_JIT_BLIND=$$([ $$e = jit-blind ] && echo 1 || echo 0) BPFRT=$(O)/bpfrt ./$(O)/bpfrt-tests --filter '$(ENGINE_SUITES)' $(TESTFLAGS) 2>&1 \
	        | tee $(O)/engine-$$e.log | grep -E 'Synthesis|FAIL' | sed "s/^/engine $$e: /"; \
	    grep -q 'Failing: 0 | Crashing: 0' $(O)/engine-$$e.log || exit 1; \
	done

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
test-san: lib
	$(MAKE) O=build-san CC=$(CLANG) OPT=-O1 CFLAGS="$(SAN_FLAGS)" LDLIBS_TOOL="$(LDLIBS_TOOL) $(SAN_FLAGS)" \
	    build-san/bpfrt-tests build-san/bpfrt
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 BPFRT=build-san/bpfrt BPFRT_SANITIZED=1 \
	    ./build-san/bpfrt-tests --json=build-san/tests.json $(TESTFLAGS)

# bpfrt.pc is written at install time: its paths are the ones installed to.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/bpfrt \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(O)/bpfrt $(DESTDIR)$(BINDIR)/bpfrt
	install -m 0644 $(O)/libbpfrt.a $(DESTDIR)$(LIBDIR)/libbpfrt.a
	install -m 0755 $(O)/$(SOFILE) $(DESTDIR)$(LIBDIR)/$(SOFILE)
	ln -sf $(SOFILE) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libbpfrt.so
	install -m 0644 include/bpfrt/*.h $(DESTDIR)$(INCLUDEDIR)/bpfrt/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' bpfrt.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/bpfrt.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/bpfrt.pc
	install -m 0644 docs/bpfrt.8 $(DESTDIR)$(MANDIR)/man8/bpfrt.8
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bpfrt $(DESTDIR)$(LIBDIR)/libbpfrt.a $(DESTDIR)$(LIBDIR)/$(SOFILE) \
	    $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libbpfrt.so \
	    $(DESTDIR)$(PKGCONFIGDIR)/bpfrt.pc $(DESTDIR)$(MANDIR)/man8/bpfrt.8
	rm -f $(patsubst include/%,$(DESTDIR)$(INCLUDEDIR)/%,$(wildcard include/bpfrt/*.h))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/bpfrt 2>/dev/null
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# Fault injection (tests/fault/fault.c): the library's Nth allocation,
# write, file sizing or mapping fails, swept over N; plain, then under ASan
# with leak checks.  The wrappers replace these calls through the linker.
FAULT_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=aligned_alloc \
    -Wl,--wrap=posix_memalign,--wrap=write,--wrap=pwrite,--wrap=fwrite,--wrap=ftruncate,--wrap=fallocate \
    -Wl,--wrap=posix_fallocate,--wrap=mmap,--wrap=mremap
$(O)/bpfrt-fault: $(O)/tests/fault/fault.o $(O)/libbpfrt-internal.a
	$(CC) $(ALL_CFLAGS) $(FAULT_WRAP) -o $@ $^ $(LDLIBS_LIB)

fault: fault-plain fault-san
fault-plain: $(O)/bpfrt-fault
	./$(O)/bpfrt-fault
fault-san:
	$(MAKE) O=build-san CC=$(CLANG) OPT=-O1 CFLAGS="$(SAN_FLAGS)" build-san/bpfrt-fault
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 \
	    ./build-san/bpfrt-fault

demo: $(O)/bpfrt examples
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

-include $(LIB_OBJS:.o=.d) $(PIC_OBJS:.o=.d) $(TOOL_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(O)/tests/fault/fault.d
