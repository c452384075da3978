#!/bin/sh
# Build the networking (XDP and tc) programs of the kernel's BPF selftests
# for test_loader.c, from Debian's linux-source-6.1 tarball.
#   tests/data/bpf/selftests.sh CACHE_DIR
# Extracts tools/testing/selftests/bpf once into CACHE_DIR/src, generates
# vmlinux.h from /sys/kernel/btf/vmlinux with bpftool, compiles each
# candidate into CACHE_DIR/obj/NAME.o, and lists the ones that did not
# compile in CACHE_DIR/compile-failures.txt.  Exit 77 when a prerequisite
# is missing (the test then skips with the reason printed here).
set -u
CACHE=${1:?cache dir}
TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
CLANG=${BPF_CLANG:-clang-19}
TOP=linux-source-6.1
mkdir -p "$CACHE"
if [ ! -f "$CACHE/src/.done" ]; then
    [ -r "$TARBALL" ] || { echo "no $TARBALL (apt package linux-source-6.1)"; exit 77; }
    rm -rf "$CACHE/src" && mkdir -p "$CACHE/src"
    tar -xJf "$TARBALL" -C "$CACHE/src" --wildcards \
        "$TOP/tools/testing/selftests/bpf/progs/*" "$TOP/tools/testing/selftests/bpf/*.h" \
        "$TOP/tools/include/*" "$TOP/tools/lib/bpf/*.h" || { echo "cannot extract $TARBALL"; exit 77; }
    touch "$CACHE/src/.done"
fi
SELF="$CACHE/src/$TOP/tools/testing/selftests/bpf"
GEN="$CACHE/gen"
mkdir -p "$GEN/bpf" "$CACHE/obj"
if [ ! -s "$GEN/vmlinux.h" ]; then
    command -v bpftool >/dev/null && [ -r /sys/kernel/btf/vmlinux ] &&
        bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$GEN/vmlinux.h" 2>/dev/null ||
        { rm -f "$GEN/vmlinux.h"; echo "no vmlinux.h: needs bpftool and /sys/kernel/btf/vmlinux"; exit 77; }
fi
# libbpf headers of the same tree (bpf_helpers.h, bpf_tracing.h, ...)
cp "$CACHE/src/$TOP/tools/lib/bpf/"*.h "$GEN/bpf/" 2>/dev/null
# bpf_helper_defs.h is generated in the kernel build; the installed one is close enough
[ -f "$GEN/bpf/bpf_helper_defs.h" ] || cp /usr/include/bpf/bpf_helper_defs.h "$GEN/bpf/"
: > "$CACHE/compile-failures.txt"
for src in "$SELF"/progs/*xdp*.c "$SELF"/progs/test_tc_*.c "$SELF"/progs/tc_*.c "$SELF"/progs/test_pkt_*.c \
    "$SELF"/progs/test_skb_*.c "$SELF"/progs/skb_*.c "$SELF"/progs/test_tcp_check_syncookie_kern.c; do
    [ -f "$src" ] || continue
    n=$(basename "$src" .c)
    o="$CACHE/obj/$n.o"
    [ -f "$o" ] && continue
    $CLANG -O2 -g -target bpf -D__TARGET_ARCH_x86 -I"$GEN" -I"$SELF/progs" -I"$SELF" \
        -I"$CACHE/src/$TOP/tools/include/uapi" -I/usr/include/x86_64-linux-gnu \
        -Wno-compare-distinct-pointer-types -Wno-everything -c "$src" -o "$o" 2>"$CACHE/obj/$n.err" ||
        { rm -f "$o"; echo "$n: $(grep -m1 error "$CACHE/obj/$n.err")" >> "$CACHE/compile-failures.txt"; }
done
echo "$(ls "$CACHE"/obj/*.o 2>/dev/null | wc -l) objects compiled, $(wc -l < "$CACHE/compile-failures.txt") failed to compile"
