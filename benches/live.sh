#!/usr/bin/env bash
# Live listener under load: `bn407 listen` on loopback, recording, with DEVICES BN-407 units on
# TCP (examples/live_load) sending RATE reports a second together for SECONDS. Prints what the
# units sent, what the listener decoded and counted (its `stopped` event), its CPU time and
# peak memory (GNU time), and the frames in the recording (`bn407 stats`).
#   benches/live.sh [DEVICES] [RATE] [SECONDS]     (defaults 10000 50000 20)
# Needs GNU time (Debian `time`) and about DEVICES + 100 open files on each side.
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-10000}
rate=${2:-50000}
seconds=${3:-20}
port=${PORT:-18888}
ulimit -n "$(ulimit -Hn)"
cargo build --release --quiet --example live_load --bin bn407
out=$(mktemp -d)
/usr/bin/time -f "%e %U %S %M" -o "$out/time" target/release/bn407 listen --port "$port" \
    --bind 127.0.0.1 --no-udp --record "$out/live.pcapng" --format text > "$out/listen.txt" 2>&1 &
listener=$!
# GNU time's child is the listener: signals go to it, time then writes its figures.
trap 'pkill -TERM -P "$listener" 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 50); do
    grep -q "listening" "$out/listen.txt" 2>/dev/null && break
    sleep 0.1
done
target/release/examples/live_load "127.0.0.1:$port" "$devices" "$rate" "$seconds" > "$out/load.json"
sleep 2
pkill -TERM -P "$listener"
wait "$listener" || true
sent=$(cat "$out/load.json")
stopped=$(grep "== stopped" "$out/listen.txt" | tail -1)
recorded=$(target/release/bn407 stats --format json "$out/live.pcapng" \
    | python3 -c "import json,sys; s=json.load(sys.stdin); print(s['frames'], s['by_kind'])")
read -r wall user sys peak < <(tail -1 "$out/time")
echo "units:     $sent"
echo "listener:  ${stopped#== stopped: }"
echo "listener:  wall ${wall} s, CPU $(python3 -c "print(round($user + $sys, 1))") s, peak $((peak / 1024)) MiB"
echo "recording: $(stat -c %s "$out/live.pcapng") bytes, frames and kinds: $recorded"
