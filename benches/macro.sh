#!/usr/bin/env bash
# Macro benchmark: builds a synthetic fleet capture of MEGABYTES MiB (examples/synth_capture:
# 2,000 devices, TCP segments of up to 1,448 bytes with frames crossing them, bursts, alarms,
# reconnections, both directions) and measures, RUNS times each, medians printed:
#   - `bn407 stats`: wall and CPU seconds, MB/s, frames/s, peak resident memory (GNU time),
#     with the default decoder threads and with the whole run on one thread (BN407_DECODERS=0),
#     and the ratio of their wall times;
#   - `bn407 decode --format jsonl > /dev/null`: the same;
#   - the window's loading and frame times on the same capture (examples/window_bench: the
#     app's own code, headless), once.
# The ratio to tshark with a Lua dissector is benches/tshark-ratio.sh.
#   benches/macro.sh [MEGABYTES] [RUNS]        (defaults 64 and 5)
# Needs GNU time (Debian `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-64}
runs=${2:-5}
cap=${TMPDIR:-/tmp}/bn407-fleet-$mb.pcap
cargo build --release --quiet --example synth_capture --example window_bench --bin bn407
[ -f "$cap" ] || target/release/examples/synth_capture "$cap" "$mb"
out=$(mktemp -d)
frames=$(target/release/bn407 stats --format json "$cap" | python3 -c "import json,sys;print(json.load(sys.stdin)['frames'])")
measure() {
    local name=$1
    shift
    for i in $(seq "$runs"); do
        /usr/bin/time -f "%e %U %S %M" -o "$out/$name.$i" "$@" > /dev/null
    done
}
measure stats target/release/bn407 stats "$cap"
measure stats1 env BN407_DECODERS=0 target/release/bn407 stats "$cap"
measure decode target/release/bn407 decode --format jsonl "$cap"
python3 - "$out" "$runs" "$(stat -c %s "$cap")" "$frames" <<'PY'
import statistics, sys
out, runs, size, frames = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"capture: {size / 1e6:.1f} MB, {frames} frames")
walls = {}
for name in ("stats", "stats1", "decode"):
    rows = [list(map(float, open(f"{out}/{name}.{i}").read().split()[-4:])) for i in range(1, runs + 1)]
    wall = statistics.median(r[0] for r in rows)
    walls[name] = wall
    cpu = statistics.median(r[1] + r[2] for r in rows)
    peak = max(r[3] for r in rows) / 1024
    print(f"bn407 {name:6}: median wall {wall:.2f} s ({size / 1e6 / wall:.0f} MB/s, {frames / wall / 1e6:.2f} M frames/s), "
          f"CPU {cpu:.2f} s ({size / 1e6 / cpu:.0f} MB/s of CPU), peak {peak:.0f} MiB over {runs} runs")
print(f"stats on one thread / with decoder threads (wall, medians): {walls['stats1'] / walls['stats']:.2f}")
PY
target/release/examples/window_bench "$cap" 200
rm -rf "$out"
