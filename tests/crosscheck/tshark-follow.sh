#!/usr/bin/env bash
# Cross-checks our TCP reassembly against Wireshark's on a real capture.
#
#   tests/crosscheck/tshark-follow.sh CAPTURE [CAPTURE...]
#
# For each TCP stream tshark knows, `tshark -q -z follow,tcp,raw,N` gives the bytes of each
# direction; `examples/dump_streams.rs` gives ours. Both are reduced to one line per direction,
# "tcp SRC DST HEX", sorted, and diffed. Exit 0 when they agree, 1 with the diff when not.
#
# Expected differences: streams with lost segments (tshark leaves the hole out silently, as we
# do, but may place late retransmissions differently), overlapping retransmissions whose data
# differ (we keep the first copy), and a 4-tuple reused without FIN/RST where tshark's and our
# notion of a new connection differ. Set DUMP to a built dump_streams binary to skip cargo;
# set TSHARK_ONLY=1 to print tshark's side alone (how the recorded
# tests/crosscheck/*.tshark.txt files, checked by tests/net_crosscheck.rs, were made).
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 CAPTURE [CAPTURE...]" >&2
    exit 2
fi
command -v tshark >/dev/null || { echo "tshark is not installed (apt-get install -y tshark)" >&2; exit 2; }

root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Rust prints IPv6 endpoints as [addr]:port; tshark may not bracket them.
normalize='
function norm(a,    n, parts, port, host) {
    if (a ~ /^\[/) return a
    n = split(a, parts, ":")
    if (n <= 2) return a
    port = parts[n]
    host = substr(a, 1, length(a) - length(port) - 1)
    return "[" host "]:" port
}'

: > "$work/tshark.txt"
for cap in "$@"; do
    last=$(tshark -r "$cap" -Y tcp -T fields -e tcp.stream 2>/dev/null | sort -n | tail -1)
    [ -n "$last" ] || continue
    n=0
    while [ "$n" -le "$last" ]; do
        args=()
        batch_end=$((n + 49 < last ? n + 49 : last))
        for i in $(seq "$n" "$batch_end"); do args+=(-z "follow,tcp,raw,$i"); done
        tshark -r "$cap" -q "${args[@]}" 2>/dev/null | awk "$normalize"'
            function flush() {
                if (a != "" && ab != "") print "tcp " a " " b " " ab
                if (a != "" && ba != "") print "tcp " b " " a " " ba
                a = ""; b = ""; ab = ""; ba = ""
            }
            /^Follow: / { flush(); next }
            /^Filter: / { next }
            /^Node 0: / { a = norm($3); next }
            /^Node 1: / { b = norm($3); next }
            /^=+$/ { flush(); next }
            /^\t[0-9a-f]+$/ { sub(/^\t/, ""); ba = ba $0; next }
            /^[0-9a-f]+$/ { ab = ab $0; next }
            END { flush() }
        ' >> "$work/tshark.txt"
        n=$((batch_end + 1))
    done
done
sort -o "$work/tshark.txt" "$work/tshark.txt"
if [ -n "${TSHARK_ONLY:-}" ]; then
    # Record tshark's view (as tests/crosscheck/*.tshark.txt are made).
    cat "$work/tshark.txt"
    exit 0
fi

if [ -n "${DUMP:-}" ]; then
    "$DUMP" "$@" > "$work/ours.raw" 2> "$work/ours.err"
else
    (cd "$root" && cargo run --quiet --example dump_streams -- "$@") > "$work/ours.raw" 2> "$work/ours.err"
fi
grep '^tcp ' "$work/ours.raw" | sort > "$work/ours.txt" || true

streams=$(wc -l < "$work/tshark.txt")
if diff <(cut -c1-200 "$work/tshark.txt") <(cut -c1-200 "$work/ours.txt") > "$work/diff.txt" \
    && cmp -s "$work/tshark.txt" "$work/ours.txt"; then
    echo "ok: $streams stream direction(s) identical to tshark's"
    exit 0
fi
echo "MISMATCH between tshark (<) and dump_streams (>), lines cut to 200 characters:"
cat "$work/diff.txt"
if [ ! -s "$work/diff.txt" ]; then
    echo "(the first 200 characters agree; the streams differ further on)"
fi
grep '^# \(gap\|note\)' "$work/ours.raw" || true
exit 1
