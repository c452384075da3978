#!/bin/sh
# run.sh - the project's entry points; each installs what is missing first.
#   ./run.sh demo    the main job on its embedded default (see README)
#   ./run.sh test    every test: unit, CLI, kernel differential, fuzz smoke,
#                    then the whole suite again under ASan+UBSan (make check)
#   ./run.sh bench   benchmarks beside the kernel and native code
set -e
cd "$(dirname "$0")"
cmd=${1:-demo}
./scripts/deps.sh
JOBS=$(nproc 2>/dev/null || echo 2)
case "$cmd" in
demo) make -s -j"$JOBS" all && ./scripts/demo.sh build/bpfrt ;;
test) make -j"$JOBS" all && make -j"$JOBS" build/bpfrt-tests && make check ;;
bench) make -s -j"$JOBS" all && make bench ;;
fuzz) make fuzz ;;
*) echo "usage: ./run.sh {demo|test|bench|fuzz}" >&2; exit 2 ;;
esac
