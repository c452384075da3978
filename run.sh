#!/usr/bin/env bash
# run.sh - the project's entry points; each installs what is missing first.
#   ./run.sh demo    the main job on its embedded default (see README)
#   ./run.sh test    every test: unit, CLI, kernel differential, fuzz smoke,
#                    then the whole suite again under ASan+UBSan (make check)
#   ./run.sh quick   the unit and CLI tests alone, plain build (make quick)
#   ./run.sh bench   benchmarks beside the kernel and native code
set -e
cd "$(dirname "$0")"
cmd=${1:-demo}
./scripts/deps.sh
JOBS=$(nproc 2>/dev/null || echo 2)

# counts REPORT: "passed failed skipped" of one Criterion run, from its JSON
# report (make passes --json); nothing when there is no report.  Criterion's
# Synthesis line leaves skipped tests out, and its JSON counts the tests a
# --filter left out as skipped too: a test counts as skipped here when it
# called cr_skip_test (its message is not Criterion's "The test was
# skipped.").  "failed" includes crashes (Criterion counts them in both).
counts() {
    [ -s "$1" ] || return 0
    awk '/^  "passed":/ { gsub(/[^0-9]/, ""); p = $0 }
         /^  "failed":/ { gsub(/[^0-9]/, ""); f = $0 }
         /"status": "SKIPPED"/ { s = 1; next }
         s && /"messages"/ { if ($0 !~ /"The test was skipped\."/) k++; s = 0; next }
         s && /^ *}/ { k++; s = 0 }
         END { printf "%d %d %d\n", p, f, k }' "$1"
}

# Both entry points also install the command, library, header, pkg-config
# file and man page (make install, PREFIX /usr/local), so that `bpfrt` is on
# the PATH for the README's examples; as another user than root they stay
# in build/ (build/bpfrt).
install_build() {
    if [ "$(id -u)" = 0 ]; then make -s install >/dev/null; else echo "(not root: the command is build/bpfrt)"; fi
}

case "$cmd" in
demo) make -s -j"$JOBS" all && install_build && ./scripts/demo.sh build/bpfrt ;;
test)
    mkdir -p build
    make -j"$JOBS" all && make -j"$JOBS" build/bpfrt-tests && install_build
    rm -f build/tests.json build-san/tests.json
    # make check's output also goes to build/test.log; its summary is repeated last
    set +e
    make check 2>&1 | tee build/test.log
    rc=${PIPESTATUS[0]}
    set -e
    echo "== summary"
    grep -h 'Synthesis' build/test.log | sed 's/^/   /'
    tp=0 tf=0 ts=0 runs=0
    # The suite runs twice, plain then under ASan+UBSan: both runs count.
    for run in "plain build/tests.json" "asan+ubsan build-san/tests.json"; do
        set -- $run
        c=$(counts "$2")
        if [ -z "$c" ]; then
            # started (make echoed the command) but no report: it died
            if grep -q -- "--json=$2" build/test.log; then
                echo "   $1: no report (the test binary did not finish): counted as 1 failed"
                tf=$((tf + 1))
            else
                echo "   $1: not run"
            fi
            continue
        fi
        set -- "$1" $c
        echo "   $1: $2 passed, $3 failed, $4 skipped"
        tp=$((tp + $2)) tf=$((tf + $3)) ts=$((ts + $4)) runs=$((runs + 1))
    done
    # Fuzz smoke: a target passes when it ran its time and printed its stats.
    fstarted=$(grep -c '^fuzz: fuzz_[a-z0-9_]* for' build/test.log || true)
    fpassed=$(grep -h 'stat::number_of_executed_units' build/test.log | awk '{ print $1 }' | sort -u | wc -l)
    grep -h 'stat::number_of_executed_units' build/test.log | sed 's/^ */   fuzz: /'
    echo "   fuzz smoke: $fpassed of $fstarted targets passed"
    tp=$((tp + fpassed)) tf=$((tf + fstarted - fpassed))
    [ "$runs" -gt 0 ] || { echo "no test summary found"; exit 1; }
    [ "$rc" = 0 ] && [ "$tf" = 0 ] || rc=1
    echo "${tp} passed, ${tf} failed, ${ts} skipped"
    exit "$rc" ;;
quick)
    rm -f build/unit.json
    set +e
    make -j"$JOBS" quick 2>&1 | tee build/quick.log
    rc=${PIPESTATUS[0]}
    set -e
    c=$(counts build/unit.json)
    [ -n "$c" ] || { echo "no test summary found"; exit 1; }
    set -- $c
    [ "$rc" = 0 ] && [ "$2" = 0 ] || rc=1
    echo "$1 passed, $2 failed, $3 skipped"
    exit "$rc" ;;
bench) make -s -j"$JOBS" all && make bench ;;
fuzz) make fuzz ;;
*) echo "usage: ./run.sh {demo|test|quick|bench|fuzz}" >&2; exit 2 ;;
esac
