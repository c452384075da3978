#!/bin/sh
# deps.sh - install the Debian 12 packages bpfrt needs to build, test and
# benchmark, when they are missing.  Idempotent; needs root only when
# something is missing.
set -e
PKGS="make gcc libc6-dev pkg-config clang-19 lld-19 llvm-19 libclang-rt-19-dev
      libelf-dev zlib1g-dev libbpf-dev libpcap-dev libcriterion-dev groff-base
      linux-libc-dev bpftool xdp-tools linux-source-6.1 libcapstone-dev"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing; run as root or install them" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $missing >/dev/null
