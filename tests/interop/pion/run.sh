#!/bin/sh
# One pion/sctp interop scenario over SCTP-over-UDP on loopback.
#   run.sh BUILD_DIR SRC_DIR UDP_PORT SCENARIO
# Builds pion_peer (Go, GOPATH mode, offline, Debian's sources) on first use;
# without `go` prints "SKIPPED: golang-go not installed" and exits 77.
set -u
B=$(cd "$1" && pwd) SRC=$(cd "$2" && pwd) PORT=$3 SC=$4
TERN=$B/tools/tern
OUT=$B/tests/interop/pion
PEER=$OUT/pion_peer
T=30
command -v go >/dev/null 2>&1 || { echo "SKIPPED: golang-go not installed"; exit 77; }
[ -d /usr/share/gocode/src/github.com/pion/sctp ] ||
    { echo "SKIPPED: golang-github-pion-sctp-dev not installed"; exit 77; }
mkdir -p "$OUT"
if [ ! -x "$PEER" ] || [ "$SRC/pion_peer.go" -nt "$PEER" ]; then
    (cd "$SRC" && flock "$OUT/.lock" env GO111MODULE=off GOPATH=/usr/share/gocode \
        GOCACHE="$OUT/gocache" GOFLAGS= timeout 300 go build -o "$PEER.tmp" pion_peer.go &&
        mv "$PEER.tmp" "$PEER") || { echo "FAIL: go build"; exit 1; }
fi
W=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$W"' EXIT INT TERM

# wait_line FILE PATTERN: until the line appears (no sleeps), bounded by $T s
wait_line() { timeout $T sh -c "until grep -q '$2' '$1' 2>/dev/null; do :; done"; }

# pion client against `tern echo server` (Tern as server)
tern_server() {
    timeout $T "$TERN" echo server -4 --max-assocs 1 --port 5000 --udp-port "$PORT" >"$W/t.out" 2>"$W/t.err" &
    TP=$!
    PIDS="$PIDS $TP"
    wait_line "$W/t.out" listening || { echo "FAIL: tern never listened"; cat "$W/t.err"; exit 1; }
    timeout $T "$PEER" client -remote "127.0.0.1:$PORT" "$@" 2>"$W/p.err"
    prc=$?
    wait $TP
    trc=$?
    cat "$W/p.err" "$W/t.out" "$W/t.err"
    echo "pion rc=$prc tern rc=$trc"
}

# `tern echo client` against a pion echo server (Tern as client)
tern_client() {
    timeout $T "$PEER" server -listen "127.0.0.1:$PORT" 2>"$W/p.err" &
    PP=$!
    PIDS="$PIDS $PP"
    wait_line "$W/p.err" listening || { echo "FAIL: pion never listened"; cat "$W/p.err"; exit 1; }
    timeout $T "$TERN" echo client 127.0.0.1 -4 --port 5000 --remote-udp-port "$PORT" "$@" \
        >"$W/t.out" 2>"$W/t.err"
    trc=$?
    wait $PP
    prc=$?
    cat "$W/p.err" "$W/t.out" "$W/t.err"
    echo "pion rc=$prc tern rc=$trc"
}

check() { # expected pion rc, expected tern rc, then a grep for the log
    echo "$RES" | grep -qx "pion rc=$1 tern rc=$2" || { echo "FAIL: want pion rc=$1 tern rc=$2"; exit 1; }
    if [ $# -ge 3 ]; then echo "$RES" | grep -q "$3" || { echo "FAIL: no '$3'"; exit 1; }; fi
    echo "PASS: $SC"
}

case $SC in
ts_ordered) RES=$(tern_server -streams 10 -count 1000 -size 100); echo "$RES"
    check 0 0 "1000 messages, 100000 bytes echoed" ;;
ts_unordered) RES=$(tern_server -streams 10 -count 1000 -size 100 -unordered); echo "$RES"
    check 0 0 "1000 messages, 100000 bytes echoed" ;;
ts_fragmented) RES=$(tern_server -streams 10 -count 100 -size 4000); echo "$RES"
    check 0 0 "100 messages, 400000 bytes echoed" ;;
ts_abort) RES=$(tern_server -streams 2 -count 10 -size 100 -end abort); echo "$RES"
    check 0 0 "association aborted or lost" ;;
tc_ordered) RES=$(tern_client --streams 10 --count 1000 --size 100); echo "$RES"
    check 0 0 ;;
tc_unordered) RES=$(tern_client --streams 10 --count 1000 --size 100 --unordered); echo "$RES"
    check 0 0 ;;
tc_fragmented) RES=$(tern_client --streams 10 --count 100 --size 4000); echo "$RES"
    check 0 0 ;;
*) echo "unknown scenario $SC"; exit 2 ;;
esac
