#!/usr/bin/env bash
# `bn407 stats` against tshark running a small Lua dissector of the same protocol
# (benches/bn407.lua: IMEI, keyword, validity, position, TCP reassembly) on one synthetic fleet
# capture, alternating the two, RUNS times each; prints each one's median wall time, MB/s and
# peak memory (GNU time), and the median of the per-pair ratios.
#   benches/tshark-ratio.sh [MEGABYTES] [RUNS]     (defaults 16 and 3)
# Needs tshark (Debian `tshark`) and GNU time (`time`).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-16}
runs=${2:-3}
cap=${TMPDIR:-/tmp}/bn407-fleet-$mb.pcap
cargo build --release --quiet --example synth_capture --bin bn407
[ -f "$cap" ] || target/release/examples/synth_capture "$cap" "$mb"
out=$(mktemp -d)
for i in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$out/a$i" target/release/bn407 stats --format json "$cap" > "$out/stats.json"
    /usr/bin/time -f "%e %M" -o "$out/b$i" tshark -X lua_script:benches/bn407.lua -r "$cap" -q \
        -z 'io,stat,0,COUNT(bn407lua.imei)bn407lua.imei' > "$out/tshark.txt" 2>/dev/null
done
python3 - "$out" "$runs" "$(stat -c %s "$cap")" <<'PY'
import json, re, statistics, sys
out, runs, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def read(side):
    rows = [open(f"{out}/{side}{i}").read().split()[-2:] for i in range(1, runs + 1)]
    return [float(t) for t, _ in rows], [int(m) for _, m in rows]
(at, am), (bt, bm) = read("a"), read("b")
frames = json.load(open(f"{out}/stats.json"))["frames"]
counts = re.findall(r"<>\s*[0-9.]+\s*\|\s*([0-9]+)", open(f"{out}/tshark.txt").read())
for name, t, m in (("bn407 stats", at, am), ("tshark + Lua", bt, bm)):
    med = statistics.median(t)
    print(f"{name:13} median {med:.2f} s  {size / 1e6 / med:7.1f} MB/s  peak {max(m) / 1024:.0f} MB")
print(f"frames: bn407 {frames} (both directions); tshark+Lua device sentences {counts[-1] if counts else '?'}")
ratios = [b / a for a, b in zip(at, bt)]
print(f"tshark+Lua / bn407: median {statistics.median(ratios):.1f}x over {runs} pairs")
PY
rm -rf "$out"
