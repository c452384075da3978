#!/bin/sh
# Build the networking programs of the kernel's BPF selftests for
# test_loader.c and test_real_objects.c, from Debian's linux-source-6.1
# tarball.
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
# The networking programs: XDP and tc first (test_loader.c's original
# set), then the other packet and socket types (flow dissector, lwt,
# sk_skb/sk_msg/sockops, sk_lookup, sk_reuseport, cgroup_skb and the
# cgroup socket hooks) for test_real_objects.c.
P="$SELF/progs"
for src in "$P"/*xdp*.c "$P"/test_tc_*.c "$P"/tc_*.c "$P"/test_pkt_*.c "$P"/test_skb_*.c "$P"/skb_*.c \
    "$P"/test_tcp_check_syncookie_kern.c "$P"/test_l4lb*.c "$P"/bpf_flow.c "$P"/test_cls_redirect*.c \
    "$P"/test_seg6_loop.c "$P"/test_lwt_*.c "$P"/test_tunnel_kern.c "$P"/test_check_mtu.c "$P"/test_sk_assign.c \
    "$P"/test_sk_lookup*.c "$P"/sockmap_*.c "$P"/test_sockmap_*.c "$P"/test_sockhash_kern.c "$P"/test_sock_fields.c \
    "$P"/test_select_reuseport_kern.c "$P"/test_migrate_reuseport.c "$P"/test_btf_skc_cls_ingress.c \
    "$P"/test_tcpbpf_kern.c "$P"/test_tcp_hdr_options.c "$P"/test_misc_tcp_hdr_options.c \
    "$P"/test_tcpnotify_kern.c "$P"/cgroup_skb_sk_lookup_kern.c "$P"/load_bytes_relative.c "$P"/empty_skb.c \
    "$P"/test_skmsg_load_helpers.c "$P"/connect*.c "$P"/bind*.c "$P"/sendmsg*.c "$P"/recvmsg*.c \
    "$P"/socket_cookie_prog.c "$P"/netcnt_prog.c "$P"/tcp_rtt.c "$P"/udp_limit.c "$P"/twfw.c \
    "$P"/tailcall*.c "$P"/test_verif_scale*.c; do
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
