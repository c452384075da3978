#!/usr/bin/env bash
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
test)
    mkdir -p build
    make -j"$JOBS" all && make -j"$JOBS" build/bpfrt-tests
    # make check's output also goes to build/test.log; its summary is repeated last
    set +e
    make check 2>&1 | tee build/test.log
    rc=${PIPESTATUS[0]}
    set -e
    echo "== summary"
    grep -h 'Synthesis' build/test.log | sed 's/^/   /'
    grep -h 'stat::number_of_executed_units' build/test.log | sed 's/^ */   fuzz: /'
    last=$(grep -h 'Synthesis' build/test.log | tail -n 1)
    pass=$(echo "$last" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
    nfail=$(echo "$last" | sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1 + \2/p')
    nfail=$((${nfail:-0}))
    [ -n "$pass" ] || { echo "no test summary found"; exit 1; }
    [ "$rc" = 0 ] && [ "$nfail" = 0 ] || rc=1
    echo "${pass} passed, ${nfail} failed"
    exit "$rc" ;;
bench) make -s -j"$JOBS" all && make bench ;;
fuzz) make fuzz ;;
*) echo "usage: ./run.sh {demo|test|bench|fuzz}" >&2; exit 2 ;;
esac
