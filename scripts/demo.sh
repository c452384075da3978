#!/bin/sh
# demo.sh - the main job on its embedded default: the shipped example
# programs (examples/xdp_fw.c, an XDP firewall, and examples/tc_nat.c, a tc
# source NAT; BPF C built by make with clang) loaded and pinned with their
# maps, the shipped capture (examples/sample.pcap) replayed through each as
# the kernel's test run would run every packet: verdicts, changed packets,
# trace lines, perf event and ring buffer records, one output capture per
# verdict; then the maps the replays filled, read from their pins in new
# processes; last, a hand-written assembly program run on one packet.
set -e
BPFRT=${1:-build/bpfrt}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EX=$ROOT/examples
OBJS=$(cd "$(dirname "$BPFRT")" && pwd)/examples
OUT=$(cd "$(dirname "$BPFRT")" && pwd)/demo
BPFRT=$(cd "$(dirname "$BPFRT")" && pwd)/$(basename "$BPFRT")
step() { printf '\n$ %s\n' "$*"; "$@"; }

rm -rf "$OUT"
mkdir -p "$OUT/fs"
export BPFRT_FS="$OUT/fs" # the state directory (pins) for this demo
cd "$OUT"
cp "$OBJS/xdp_fw.o" "$OBJS/tc_nat.o" .

echo "== 1. two clang-built objects: examples/xdp_fw.c (SEC(\"xdp\")) and examples/tc_nat.c (SEC(\"tc\"))"
step "$BPFRT" prog show obj xdp_fw.o
step "$BPFRT" prog verify xdp_fw.o
echo "\$ $BPFRT prog dump xlated obj tc_nat.o | head -16"
"$BPFRT" prog dump xlated obj tc_nat.o | head -16

echo
echo "== 2. load and pin them with their maps"
step "$BPFRT" prog loadall xdp_fw.o fs/xdp pinmaps fs/xdp_maps
step "$BPFRT" prog loadall tc_nat.o fs/tc pinmaps fs/tc_maps

echo
echo "== 3. the capture through the XDP firewall: a test run per packet, one capture out per verdict"
step "$BPFRT" prog run pinned fs/xdp/xdp_fw pcap "$EX/sample.pcap" out out/xdp

echo
echo "== 4. the same capture through the tc NAT"
step "$BPFRT" prog run pinned fs/tc/tc_nat pcap "$EX/sample.pcap" out out/tc
step ls out/xdp out/tc

echo
echo "== 5. the maps the replays filled, from their pins in new processes (typed by their BTF)"
step "$BPFRT" map dump pinned fs/xdp_maps/blocklist
step "$BPFRT" map dump pinned fs/xdp_maps/xdp_fw.bss
step "$BPFRT" -j map lookup pinned fs/xdp_maps/src_stats key 192 0 2 7
step "$BPFRT" map dump pinned fs/tc_maps/nat_table
step "$BPFRT" map dump pinned fs/tc_maps/tc_nat.bss

echo
echo "== 6. the pings the firewall answered, replayed from its output capture: the replies pass"
step "$BPFRT" -j prog run pinned fs/xdp/xdp_fw pcap out/xdp/tx.pcap

echo
echo "== 7. the ISA by hand: examples/ipv4.s checks an IPv4 header checksum"
step "$BPFRT" asm "$EX/ipv4.s" -o ipv4.bin
step "$BPFRT" -d prog run raw ipv4.bin data_in "$EX/packet.bin"
ret=$("$BPFRT" -j prog run raw ipv4.bin data_in "$EX/packet.bin" | sed 's/.*"retval":\([0-9]*\).*/\1/')
printf 'result: IP protocol %d, header checksum %s\n' "$((ret >> 32))" "$([ $((ret & 1)) = 1 ] && echo valid || echo INVALID)"
