#!/bin/sh
# demo.sh - the main job on its embedded default: the shipped example
# program (examples/filter.c, a clang-built BPF object) loaded and pinned,
# run over the shipped capture (examples/sample.pcap), then its maps and
# trace output; and a hand-written assembly program run on one packet.
set -e
BPFRT=${1:-build/bpfrt}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EX=$ROOT/examples
OUT=$(cd "$(dirname "$BPFRT")" && pwd)/demo
BPFRT=$(cd "$(dirname "$BPFRT")" && pwd)/$(basename "$BPFRT")
CLANG=${BPF_CLANG:-clang-19}
step() { printf '\n$ %s\n' "$*"; "$@"; }

rm -rf "$OUT"
mkdir -p "$OUT/fs"
export BPFRT_FS="$OUT/fs" # the state directory (pins) for this demo
cd "$OUT"

echo "== 1. a clang-built object: examples/filter.c (counts protocols, drops outside DNS queries)"
step "$CLANG" -O2 -g -target bpf -I/usr/include/"$(uname -m)"-linux-gnu -c "$EX/filter.c" -o filter.o
step "$BPFRT" prog show obj filter.o prog filter_raw
echo "\$ $BPFRT prog dump xlated obj filter.o prog filter_raw linum | head -24"
"$BPFRT" prog dump xlated obj filter.o prog filter_raw linum | head -24

echo
echo "== 2. load and pin it (maps pinned too), then replay the capture through it"
step "$BPFRT" prog loadall filter.o fs/progs pinmaps fs/maps
step "$BPFRT" prog run pinned fs/progs/filter_raw pcap "$EX/sample.pcap"

echo
echo "== 3. the maps it filled, read from their pins in a new process (typed by the BTF they were pinned with)"
step "$BPFRT" map list
step "$BPFRT" map dump pinned fs/maps/proto_stats
step "$BPFRT" map dump pinned fs/maps/verdicts
step "$BPFRT" map dump pinned fs/maps/filter.bss
step "$BPFRT" -j map lookup pinned fs/maps/proto_stats key 17 0 0 0

echo
echo "== 4. the ISA by hand: examples/ipv4.s checks an IPv4 header checksum"
step "$BPFRT" asm "$EX/ipv4.s" -o ipv4.bin
step "$BPFRT" -d prog run raw ipv4.bin data_in "$EX/packet.bin"
ret=$("$BPFRT" -j prog run raw ipv4.bin data_in "$EX/packet.bin" | sed 's/.*"retval":\([0-9]*\).*/\1/')
printf 'result: IP protocol %d, header checksum %s\n' "$((ret >> 32))" "$([ $((ret & 1)) = 1 ] && echo valid || echo INVALID)"
