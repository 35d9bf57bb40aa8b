#!/usr/bin/env bash
# Throughput of the whole pipeline on a large synthetic capture: pcap reading, link/IP/TCP
# reassembly, framing, detection, decoding and statistics.
#   benches/capture.sh [MEGABYTES]     (default 500)
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-500}
cap=${TMPDIR:-/tmp}/bn407-synth-$mb.pcap
cargo build --release --quiet --example synth_capture --bin bn407
[ -f "$cap" ] || target/release/examples/synth_capture "$cap" "$mb"
size=$(stat -c %s "$cap")
start=$(date +%s.%N)
target/release/bn407 stats --format json "$cap" > /tmp/bn407-synth-stats.json
end=$(date +%s.%N)
frames=$(python3 -c "import json;print(json.load(open('/tmp/bn407-synth-stats.json'))['frames'])")
python3 - "$size" "$frames" "$start" "$end" <<'PY'
import sys
size, frames, start, end = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
t = end - start
print(f"{size/1e6:.0f} MB, {frames} frames in {t:.2f} s: {size/1e6/t:.0f} MB/s, {frames/t/1e6:.2f} M frames/s")
PY
