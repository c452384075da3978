#!/bin/sh
# Build the large programs of the kernel's BPF selftests for the verifier
# benchmark (verify_bench), from Debian's linux-source-6.1 tarball.
#   bench/verify_progs.sh CACHE_DIR
# Extracts tools/testing/selftests/bpf once into CACHE_DIR/src, generates
# vmlinux.h from /sys/kernel/btf/vmlinux with bpftool, compiles each
# program of the list below into CACHE_DIR/obj/NAME.o (as the selftests'
# Makefile does: -O2 -g -mcpu=v3, the kernel tree's libbpf headers) and
# names the ones that did not compile in CACHE_DIR/compile-failures.txt.
# The list: the verifier scale tests of prog_tests/bpf_verif_scale.c
# (loops, pyperf, strobemeta, test_verif_scale*, sysctl and seg6 loops,
# twfw) and the largest networking programs (load balancers, flow
# dissector, cls_redirect, synproxy, tunnels).  Exit 77 when a
# prerequisite is missing.
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
cp "$CACHE/src/$TOP/tools/lib/bpf/"*.h "$GEN/bpf/" 2>/dev/null
[ -f "$GEN/bpf/bpf_helper_defs.h" ] || cp /usr/include/bpf/bpf_helper_defs.h "$GEN/bpf/"
LIST="test_l4lb test_l4lb_noinline test_xdp_noinline
loop1 loop2 loop3 loop4 loop5 loop6
pyperf50 pyperf100 pyperf180 pyperf600 pyperf600_nounroll pyperf600_bpf_loop pyperf_global pyperf_subprogs
strobemeta strobemeta_nounroll1 strobemeta_nounroll2 strobemeta_subprogs strobemeta_bpf_loop
test_verif_scale1 test_verif_scale2 test_verif_scale3
test_sysctl_loop1 test_sysctl_loop2 test_xdp_loop test_seg6_loop twfw
bpf_flow test_cls_redirect test_cls_redirect_subprogs xdp_synproxy_kern test_tc_tunnel test_tunnel_kern
test_xdp_vlan test_sk_lookup test_tcp_hdr_options test_lwt_seg6local profiler1 profiler2 profiler3"
: > "$CACHE/compile-failures.txt"
ok=0
for n in $LIST; do
    src="$SELF/progs/$n.c"
    o="$CACHE/obj/$n.o"
    [ -f "$src" ] || { echo "$n: no source" >> "$CACHE/compile-failures.txt"; continue; }
    [ -f "$o" ] && { ok=$((ok + 1)); continue; }
    if $CLANG -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -I"$GEN" -I"$SELF/progs" -I"$SELF" \
        -I"$CACHE/src/$TOP/tools/include/uapi" -I/usr/include/x86_64-linux-gnu \
        -Wno-compare-distinct-pointer-types -Wno-everything -c "$src" -o "$o" 2>"$CACHE/obj/$n.err"; then
        ok=$((ok + 1))
    else
        rm -f "$o"
        echo "$n: $(grep -m1 error "$CACHE/obj/$n.err")" >> "$CACHE/compile-failures.txt"
    fi
done
echo "$ok objects compiled, $(wc -l < "$CACHE/compile-failures.txt") failed to compile"
