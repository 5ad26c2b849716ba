#!/bin/sh
# One Node.js interop case: a Tern side (the tern command) and a Node.js peer.
# usage: run_case.sh TERN NODE_MODULES_DIR PEER(werift|sctp) TERN_ROLE(server|client) BASEPORT -- TERN_ARGS... -- PEER_ARGS...
# Tern uses UDP port BASEPORT, the peer BASEPORT+1; SCTP port 5000 on both sides.
# The Tern server is started first and the peer is started when Tern prints
# "listening" (no sleeps); a Node server prints "listening" before Tern connects.
# Every step runs under timeout; both exit codes must be 0.
set -eu
TERN=$1 NM=$2 PEER=$3 ROLE=$4 BASE=$5; shift 5
[ "$1" = "--" ] && shift
TARGS=""; while [ $# -gt 0 ] && [ "$1" != "--" ]; do TARGS="$TARGS $1"; shift; done
[ $# -gt 0 ] && shift
PARGS="$*"
HERE=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null || { echo "FAIL: node is not installed (apt-get install nodejs npm)" >&2; exit 1; }
[ -d "$NM/$( [ "$PEER" = werift ] && echo werift-sctp || echo sctp)" ] || { echo "FAIL: npm packages missing in $NM (npm ci failed?)" >&2; exit 1; }
export NODE_PATH="$NM"
W=$(mktemp -d); TP=""; PP=""
cleanup() { [ -n "$TP" ] && kill "$TP" 2>/dev/null; [ -n "$PP" ] && kill "$PP" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT INT TERM
mkfifo "$W/ready"
wait_ready() { # $1: pattern; reads the fifo until the ready line
    exec 3< "$W/ready"
    timeout 15 sh -c "while IFS= read -r l; do echo \"\$l\" >&2; case \"\$l\" in *$1*) exit 0;; esac; done; exit 1" <&3
    cat <&3 > /dev/null &  # keep draining: the writer must never see EPIPE
    exec 3<&-
}
PEERCMD="timeout 60 node $HERE/${PEER}_peer.js --local-udp-port $((BASE + 1)) --remote-udp-port $BASE --port 5000 $PARGS"
if [ "$ROLE" = server ]; then
    ( { timeout 60 "$TERN" $TARGS --port 5000 --udp-port "$BASE" --remote-udp-port $((BASE + 1)) 2>&1; echo $? > "$W/tern.rc"; } | tee "$W/tern.log" > "$W/ready" ) &
    TP=$!
    wait_ready listening
    $PEERCMD --role client > "$W/peer.log" 2>&1 || echo "peer exit $?"
    cat "$W/peer.log"
    wait "$TP" || true; TP=""
else
    ( $PEERCMD --role server 2>&1 | tee "$W/peer.log" > "$W/ready" ) &
    PP=$!
    wait_ready listening
    timeout 60 "$TERN" $TARGS --port 5000 --udp-port "$BASE" --remote-udp-port $((BASE + 1)) > "$W/tern.log" 2>&1 && echo 0 > "$W/tern.rc" || echo $? > "$W/tern.rc"
    cat "$W/tern.log"
    wait "$PP" || true; PP=""
fi
grep -q "^ok" "$W/peer.log" || { echo "FAIL: the $PEER peer did not finish ok" >&2; cat "$W/peer.log" >&2; exit 1; }
TRC=$(cat "$W/tern.rc" 2>/dev/null || echo 1)
[ "${EXPECT_TERN_RC:-0}" = "$TRC" ] || { echo "FAIL: tern exit $TRC, expected ${EXPECT_TERN_RC:-0}" >&2; exit 1; }
echo "PASS"
