#!/usr/bin/env bash
# Regenerates samples/: loopback captures of the BN-407 simulator (examples/simulate/), a
# Traccar-style server log of the same first-report session, and a copy of the raw corpus.
#
#   tests/crosscheck/make-samples.sh            # from anywhere inside the checkout
#   PORT=18888 tests/crosscheck/make-samples.sh # if 8888 is taken on loopback
#   SIM=/path/to/simulate tests/crosscheck/make-samples.sh  # a simulator built elsewhere
#
# Needs root (or capture rights) and tcpdump, editcap, tshark, capinfos (apt-get install -y
# tcpdump tshark). Loopback only: the simulator binds 127.0.0.1 and ::1, tcpdump listens on `lo`
# (and once on `any`), and the capture filter keeps only the simulator's port.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PORT:-8888}
OUT=samples
TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

for tool in tcpdump editcap tshark capinfos; do
    command -v "$tool" >/dev/null || { echo "make-samples: $tool is missing (apt-get install -y tcpdump tshark)" >&2; exit 1; }
done
if ss -Htlnu "( sport = :$PORT )" | grep -q .; then
    echo "make-samples: port $PORT is in use on this machine; try PORT=18888 $0" >&2
    exit 1
fi

if [ -z "${SIM:-}" ]; then
    cargo build --release --example simulate
    SIM=target/release/examples/simulate
fi
mkdir -p "$OUT"

# start_capture FILE IFACE [tcpdump options...]: starts tcpdump in the background, waits until
# it listens. --immediate-mode and a large buffer: nothing left in the ring at SIGINT.
start_capture() {
    local file=$1 iface=$2
    shift 2
    tcpdump -i "$iface" "$@" -n -U --immediate-mode -B 8192 -Z root -w "$file" "port $PORT" 2>"$file.err" &
    PIDS+=($!)
    for _ in $(seq 50); do
        grep -qs "listening on" "$file.err" && return 0
        sleep 0.1
    done
    echo "make-samples: tcpdump on $iface did not start:" >&2
    cat "$file.err" >&2
    exit 1
}

# stop_captures: SIGINT to every tcpdump, wait for each to flush and exit; fails when the kernel
# dropped packets (the caller retries).
stop_captures() {
    local ok=0
    sleep 0.5
    for p in "${PIDS[@]}"; do
        kill -INT "$p"
        wait "$p" || true
    done
    PIDS=()
    for err in "$TMP"/*.err; do
        if ! grep -q "^0 packets dropped by kernel" "$err"; then
            echo "make-samples: $(basename "$err" .err): $(grep dropped "$err")" >&2
            ok=1
        fi
    done
    rm -f "$TMP"/*.err
    return $ok
}

# record NAME SCENARIO [simulator options...]: NAME.pcap on lo (plus, for first-report, the
# same session on `any` as Linux cooked v2). Retries up to three times if packets were dropped.
record() {
    local name=$1 scenario=$2
    shift 2
    for attempt in 1 2 3; do
        start_capture "$TMP/$name.pcap" lo
        if [ "$scenario" = first-report ]; then
            start_capture "$TMP/$name-any-sll2.pcap" any -y LINUX_SLL2
        fi
        timeout 60 "$SIM" "$scenario" --port "$PORT" "$@" || { echo "make-samples: the simulator failed in $scenario" >&2; exit 1; }
        if stop_captures; then
            return 0
        fi
        echo "make-samples: $scenario: attempt $attempt lost packets, again" >&2
    done
    echo "make-samples: $scenario: giving up" >&2
    exit 1
}

record first-report first-report --log "$TMP/server.log"
record multi-device multi-device
record heartbeat-only heartbeat-only
record bike-ride bike-ride
record no-answer no-answer

editcap -F pcapng "$TMP/first-report.pcap" "$OUT/first-report.pcapng"
editcap -F pcapng "$TMP/bike-ride.pcap" "$OUT/bike-ride.pcapng"
cp "$TMP/first-report-any-sll2.pcap" "$TMP/multi-device.pcap" "$TMP/heartbeat-only.pcap" \
    "$TMP/no-answer.pcap" "$TMP/server.log" "$OUT/"
install -m 0644 tests/data/bn407-text.txt "$OUT/corpus.txt"

# Check: every sample small, every capture with the conversations it should hold.
status=0
for f in first-report.pcapng first-report-any-sll2.pcap multi-device.pcap heartbeat-only.pcap \
    bike-ride.pcapng no-answer.pcap server.log corpus.txt; do
    size=$(stat -c %s "$OUT/$f")
    if [ "$size" -ge 204800 ]; then
        echo "make-samples: $f is $size bytes (over 200 KB)" >&2
        status=1
    fi
    case $f in
    *.pcap | *.pcapng)
        conv=$(tshark -r "$OUT/$f" -q -z conv,tcp -z conv,udp 2>/dev/null | grep -c "<->" || true)
        printf '%-28s %7d bytes  %4d packets  %d flows  %s\n' "$f" "$size" \
            "$(capinfos -c -M "$OUT/$f" | awk '/Number of packets/ {print $NF}')" "$conv" \
            "$(capinfos -E "$OUT/$f" | awk -F': *' '/encapsulation/ {print $2}')"
        ;;
    *) printf '%-28s %7d bytes  %4d lines\n' "$f" "$size" "$(wc -l <"$OUT/$f")" ;;
    esac
done
want_flows() { # FILE N
    local n
    n=$(tshark -r "$OUT/$1" -q -z conv,tcp -z conv,udp 2>/dev/null | grep -c "<->" || true)
    [ "$n" -eq "$2" ] || { echo "make-samples: $1 has $n flows, expected $2" >&2; status=1; }
}
want_text() { # FILE STRING: the first TCP stream's payload contains STRING
    tshark -r "$OUT/$1" -q -z follow,tcp,ascii,0 2>/dev/null | grep -qF -- "$2" ||
        { echo "make-samples: $1 lacks '$2'" >&2; status=1; }
}
want_flows first-report.pcapng 1
want_flows first-report-any-sll2.pcap 1
want_flows multi-device.pcap 3
want_flows heartbeat-only.pcap 1
want_flows bike-ride.pcapng 1
want_flows no-answer.pcap 2
want_text first-report.pcapng "help me"
want_text first-report-any-sll2.pcap "LOAD"
want_text heartbeat-only.pcap ",C,30s;"
want_text bike-ride.pcapng "sensor alarm"
want_text no-answer.pcap "##,imei:"
grep -q "gps103 > 127.0.0.1\] HEX: 4c4f4144" "$OUT/server.log" || { echo "make-samples: server.log lacks LOAD" >&2; status=1; }
if tshark -r "$OUT/no-answer.pcap" -q -z follow,tcp,ascii,0 2>/dev/null | grep -q LOAD; then
    echo "make-samples: no-answer.pcap holds a LOAD" >&2
    status=1
fi
exit $status
