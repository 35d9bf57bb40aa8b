#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), one after the other, with libFuzzer
# through cargo-fuzz (installed here when missing). Without a sanitizer cargo-fuzz builds on the
# stable toolchain, the one the project builds with, so no nightly is needed.
#
#   fuzz/run.sh 1800              # every target 30 minutes
#   fuzz/run.sh 300 tcp capture   # only these targets
#   fuzz/run.sh --smoke           # CI's smoke run: 5 seconds each, unoptimised build
#
# Each target starts from its committed seeds (corpus/<target>/seed-*) and the inputs earlier
# runs found (kept in corpus/<target>/, not committed), and from every regression input
# (regressions/<target>/). Limits: 2 GiB of memory, 10 s per input. A crash, hang or
# out-of-memory stops that target and leaves the input in artifacts/<target>/; minimise it with
# `cargo fuzz tmin --sanitizer none TARGET FILE`, fix the bug, and put the input in regressions/<target>/
# (tests/fuzz_regressions.rs then replays it in every `cargo test`). The summary at the end
# gives each target's executions and coverage (libFuzzer's `cov:`), for README.md.
set -uo pipefail
cd "$(dirname "$0")"
# --smoke (CI): every target 5 seconds, built unoptimised (half the build time; overflow checks
# and debug assertions are on there too), to show each builds and runs its seeds cleanly. Its
# mutations start from a fixed seed, so CI replays the same inputs each time (a slower machine
# only fewer of them): a bug the search finds shows up in the long runs by hand, where the seed
# changes every run, not as a CI that fails on one run and passes on the next.
build=(--release --debug-assertions)
seed=()
if [ "${1:-}" = "--smoke" ]; then
    build=(--dev)
    seed=(-seed=1)
    set -- 5 "${@:2}"
fi
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(capture logline net tcp protocol filter pmtiles diff)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
# No sanitizer: the analyzer forbids unsafe code, so AddressSanitizer would only slow the
# search; panics (with overflow checks and debug assertions on), hangs and memory are caught.
flags=("${build[@]}" --sanitizer none)
cargo fuzz build "${flags[@]}" || exit 1
mkdir -p logs
status=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "regressions/$t" "artifacts/$t"
    log="logs/$t.log"
    echo "== $t: ${seconds}s"
    cargo fuzz run "${flags[@]}" "$t" "corpus/$t" "regressions/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 "${seed[@]}" >"$log" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        status=1
        tail -n 40 "$log"
    fi
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
    found=$(ls "artifacts/$t" | wc -l)
    summary+=("$t: ${seconds}s, ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}, exit $rc, artifacts $found")
done
echo
printf '%s\n' "${summary[@]}"
exit $status
