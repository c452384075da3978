#!/bin/sh
# demo.sh - the main job on its embedded default: assemble the shipped
# example program, show it, and run it over the shipped sample packet.
set -e
BPFRT=${1:-build/bpfrt}
EX=$(dirname "$0")/../examples
OUT=$(dirname "$BPFRT")
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

echo "bpfrt demo: examples/ipv4.s checks the IPv4 header checksum of examples/packet.bin"
step "$BPFRT" asm "$EX/ipv4.s" -o "$OUT/ipv4.bin"
step "$BPFRT" disasm "$OUT/ipv4.bin"
step "$BPFRT" -d prog run raw "$OUT/ipv4.bin" data_in "$EX/packet.bin"
step "$BPFRT" -j prog run raw "$OUT/ipv4.bin" data_in "$EX/packet.bin" repeat 100000
ret=$("$BPFRT" -j prog run raw "$OUT/ipv4.bin" data_in "$EX/packet.bin" | sed 's/.*"retval":\([0-9]*\).*/\1/')
proto=$((ret >> 32)); ok=$((ret & 1))
printf '\nresult: IP protocol %d, header checksum %s\n' "$proto" "$([ "$ok" = 1 ] && echo valid || echo INVALID)"
