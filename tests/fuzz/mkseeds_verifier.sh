#!/bin/sh
# mkseeds_verifier.sh - (re)write the seed corpus of fuzz_verifier from the
# assembly in seeds/fuzz_verifier/*.s.  The first line of each file says
# "# fuzz_verifier: TYPE [unpriv]" (TYPE: xdp, sched_cls, socket_filter,
# cgroup_skb).  Each seed is fuzz_verifier's input layout: the flags byte
# (type, unprivileged too, poison 0), the instruction count, two bytes of
# read-only map contents, the instructions, and a 60-byte IPv4/TCP packet.
# Maps are written map[fd:N] with N the index of the fixed map (0 array,
# 1 hash, 2 read-only array, 3 ring buffer, 4 array of one 20-byte value).
#   usage: tests/fuzz/mkseeds_verifier.sh [path/to/bpfrt]   (default build/bpfrt)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bpfrt=${1:-$here/../../build/bpfrt}
out=$here/corpus/fuzz_verifier
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
# Ethernet (IPv4) + IPv4 (TTL 64, TCP, checksum not computed) + TCP
pkt='\377\377\377\377\377\377\002\000\000\000\000\001\010\000\105\000\000\056\000\001\000\000\100\006\000\000\012\000\000\001\012\000\000\002\060\071\000\120\000\000\000\001\000\000\000\000\120\002\040\000\000\000\000\000\001\002\003\004\005\006'
for s in "$here"/seeds/fuzz_verifier/*.s; do
    name=$(basename "$s" .s)
    set -- $(sed -n '1s/^# fuzz_verifier: //p' "$s")
    case $1 in
    xdp) t=0 ;; sched_cls) t=1 ;; socket_filter) t=2 ;; cgroup_skb) t=3 ;;
    *) echo "$s: first line must say '# fuzz_verifier: TYPE [unpriv]'" >&2; exit 1 ;;
    esac
    [ "${2:-}" = unpriv ] && t=$((t | 4))
    "$bpfrt" asm "$s" -o "$tmp/$name.bin"
    n=$(( $(wc -c < "$tmp/$name.bin") / 8 ))
    [ "$n" -le 255 ] || { echo "$s: more than 255 instructions" >&2; exit 1; }
    { printf "\\$(printf %03o $t)\\$(printf %03o $n)\\007\\000"; cat "$tmp/$name.bin"; printf "$pkt"; } > "$out/$name"
done
echo "$(ls "$out" | wc -l) seeds in $out"
