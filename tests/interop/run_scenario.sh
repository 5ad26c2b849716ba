#!/usr/bin/env bash
# One interop scenario between two peer programs that share the options of
# peer_common.h (tern_peer, usrsctp_peer), captured on loopback and judged
# by scripts/wire-judge.sh.
#
#   run_scenario.sh SCENARIO SERVER_PEER CLIENT_PEER WORKDIR PORT_PICKER
#
# SERVER_PEER / CLIENT_PEER: peer programs, or "missing:<package>" when the
# build could not find a peer's library (the test then fails, loudly).
# PORT_PICKER: tern_peer (its --free-udp-ports gives two free UDP ports).
# Every step is bounded by `timeout`; readiness is the server's "listening"
# line and tshark's "Capturing on" line, never a sleep. Both peers must end
# with "ok N messages verified, end: E", the judge must pass, and the chunk
# histogram must show the scenario's chunks.
#
# Settings from the environment (each optional):
#   SERVER_ARGS / CLIENT_ARGS  put before that side's common options (a peer's
#                              own settings, e.g. tern_peer --mtu 8192)
#   SCENARIO_ARGS              after the scenario's options, so they win
#                              (e.g. --size 65536 for a peer's largest message)
#   NO_ABORT_CAUSE=server|client  that side cannot report an ABORT's cause
#   JUDGE_TOLERATE=MESSAGE     passed on to the judge (scripts/wire-judge.sh):
#                              one expert message that does not condemn a frame
#   UDP_PORTS="SRV CLI SYNC"   the three UDP ports to use instead of picking
#                              free ones (run_loss.sh: its nftables rule
#                              needs them first)
#   INTEROP_PEER, INTEROP_ROLE the peer's name and Tern's role, written with
#                              the scenario and PASS or FAIL to WORKDIR/result
#                              (scripts/interop-table.sh reads them)
#   INTEROP_NOTE               a remark for that table (a workaround in use)
set -euo pipefail
SCENARIO=$1 SRV_BIN=$2 CLI_BIN=$3 WORK=$4 PICKER=$5
JUDGE=$(cd "$(dirname "$0")/../.." && pwd)/scripts/wire-judge.sh

record() {
    [ -n "${INTEROP_PEER:-}" ] && [ -d "$WORK" ] &&
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$INTEROP_PEER" "${INTEROP_ROLE:-}" "$SCENARIO" "$1" "$2" \
            "${INTEROP_NOTE:-}" >"$WORK/result"
    return 0
}
fail() {
    echo "FAIL: $SCENARIO: $*"
    record FAIL "$*"
    local f
    for f in "$WORK"/server.log "$WORK"/client.log "$WORK"/judge.txt "$WORK"/capture.err; do
        [ -s "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }
    done
    exit 1
}
for b in "$SRV_BIN" "$CLI_BIN"; do
    case $b in missing:*) fail "peer not built: install ${b#missing:} (scripts/install-deps.sh)" ;; esac
done
command -v tshark >/dev/null 2>&1 || fail "tshark is not installed (scripts/install-deps.sh): no wire judge"

rm -rf "$WORK"
mkdir -p "$WORK"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# Scenario: options for both, then each side's ending, then the chunks the
# histogram must show (and must not: !NAME; exactly N of them: NAME=N).
# srv_only / cli_only: options for one side (after SERVER_ARGS/CLIENT_ARGS).
# With --assocs N (peer_common.h) each side's last line counts the messages
# of all N associations, and "associations N verified" must come before it.
srv_end="--expect shutdown" cli_end="--close shutdown" srv_only="" cli_only=""
case $SCENARIO in
handshake_client_shutdown)
    common="--count 1 --size 100 --streams 1"
    want="INIT INIT_ACK COOKIE_ECHO COOKIE_ACK DATA SACK SHUTDOWN SHUTDOWN_ACK SHUTDOWN_COMPLETE !ABORT" ;;
bound_address)
    # As handshake_client_shutdown; the Tern side binds one address (its
    # INIT or INIT ACK lists it), given by the caller: tern_peer --bind A.
    common="--count 1 --size 100 --streams 1"
    want="INIT INIT_ACK COOKIE_ECHO COOKIE_ACK DATA SACK SHUTDOWN SHUTDOWN_ACK SHUTDOWN_COMPLETE !ABORT" ;;
handshake_server_shutdown)
    common="--count 1 --size 100 --streams 1"
    srv_end="--close shutdown" cli_end="--expect shutdown"
    want="INIT INIT_ACK COOKIE_ECHO COOKIE_ACK DATA SACK SHUTDOWN SHUTDOWN_ACK SHUTDOWN_COMPLETE !ABORT" ;;
streams_ordered)
    common="--count 1000 --size 300 --streams 10"
    want="DATA SACK SHUTDOWN_COMPLETE !ABORT" ;;
streams_unordered)
    common="--count 1000 --size 300 --streams 10 --unordered"
    srv_end="--close shutdown" cli_end="--expect shutdown"
    want="DATA SACK SHUTDOWN_COMPLETE !ABORT" ;;
fragment_100k)
    common="--count 20 --size 100000 --streams 2"
    want="DATA SACK SHUTDOWN_COMPLETE !ABORT" ;;
fragment_1m)
    common="--count 2 --size 1048576 --streams 1"
    srv_end="--close shutdown" cli_end="--expect shutdown"
    want="DATA SACK SHUTDOWN_COMPLETE !ABORT" ;;
abort_by_client)
    common="--count 1 --size 100 --streams 1"
    srv_end="--expect abort" cli_end="--close abort"
    want="INIT COOKIE_ACK DATA ABORT !SHUTDOWN" ;;
abort_by_server)
    common="--count 1 --size 100 --streams 1"
    srv_end="--close abort" cli_end="--expect abort"
    want="INIT COOKIE_ACK DATA ABORT !SHUTDOWN" ;;
one_to_many)
    # The server's one one-to-many socket carries 4 associations, each the
    # client's own one-to-one socket; each checked on its own.
    common="--count 200 --size 300 --streams 4 --assocs 4"
    srv_only="--one-to-many"
    want="INIT=4 COOKIE_ACK=4 DATA SACK SHUTDOWN=4 SHUTDOWN_COMPLETE=4 !ABORT" ;;
assocs_100)
    # 100 one-to-one associations at once (the server accepts 100, backlog
    # 100): all established before any data, 5 messages each way on each.
    common="--count 5 --size 200 --streams 2 --assocs 100"
    want="INIT=100 COOKIE_ACK=100 DATA SACK SHUTDOWN=100 SHUTDOWN_COMPLETE=100 !ABORT" ;;
loss_5pct)
    # For run_loss.sh, which drops 5 % of the peers' packets: enough data
    # that losses hit DATA and SACK alike; every message exactly once.
    # The client, which sends SHUTDOWN, stays up until the server is done:
    # a lost SHUTDOWN COMPLETE is then repaired (peer_common.h --linger).
    common="--count 2000 --size 1000 --streams 10"
    cli_only="--linger 20"
    want="DATA SACK SHUTDOWN_COMPLETE !ABORT" ;;
*) fail "unknown scenario" ;;
esac
# SCTP port 5000 on both sides: werift-sctp cannot use another.
common="--port 5000 $common ${SCENARIO_ARGS:-}"
count=$(sed -n 's/.*--count \([0-9]*\).*/\1/p' <<<"$common")
assocs=$(sed -n 's/.*--assocs \([0-9]*\).*/\1/p' <<<"$common")
assocs=${assocs:-1}
total=$((count * assocs))

if [ -n "${UDP_PORTS:-}" ]; then
    read -r SRV_UDP CLI_UDP SYNC_UDP <<<"$UDP_PORTS"
    [ -n "$SYNC_UDP" ] || fail "UDP_PORTS: want three ports, got '$UDP_PORTS'"
else
    read -r SRV_UDP CLI_UDP SYNC_UDP < <(timeout 10 "$PICKER" --free-udp-ports 3) ||
        fail "no free UDP ports"
fi
echo "$SCENARIO: server $(basename "$SRV_BIN") on UDP $SRV_UDP, client $(basename "$CLI_BIN") on UDP $CLI_UDP"

# capture_sync TAG: sends datagrams "tern-sync-TAG" to SYNC_UDP (captured,
# not decoded as SCTP) until one shows up in the capture file, at most 40
# tries (each tshark read paces the next). At the start this proves the
# capture is live; at the end, that everything before it was written (on
# SIGINT dumpcap drops packets still in the kernel's ring buffer block).
capture_sync() {
    local i
    for i in $(seq 40); do
        echo -n "tern-sync-$1" >"/dev/udp/127.0.0.1/$SYNC_UDP" 2>/dev/null || true
        if [ -s "$PCAP" ] && timeout 10 tshark -n -r "$PCAP" -Y "frame contains \"tern-sync-$1\"" \
            2>/dev/null | grep -q .; then
            return 0
        fi
        kill -0 "$CAP_PID" 2>/dev/null || fail "tshark exited"
    done
    fail "capture: the tern-sync-$1 datagram never reached the capture file"
}

# The capture: started, and really capturing, before anything is sent. A
# 64 MiB kernel buffer (-B; the default 2 MiB overflowed under load with
# 64 KiB datagrams: "packets dropped from lo", chunks missing).
PCAP=$WORK/capture.pcap
mkfifo "$WORK/capture.fifo"
timeout 120 tshark -i lo -B 64 -w "$PCAP" \
    -f "udp port $SRV_UDP or udp port $CLI_UDP or udp port $SYNC_UDP" \
    2>"$WORK/capture.fifo" >/dev/null &
CAP_PID=$!
PIDS+=("$CAP_PID")
exec {cfd}<"$WORK/capture.fifo"
ready=
while IFS= read -r -t 30 line <&"$cfd"; do
    echo "$line" >>"$WORK/capture.err"
    case $line in *"Capture started"*) ready=1; break ;; esac
done
[ -n "$ready" ] || fail "tshark: no 'Capture started' line within 30 s"
cat <&"$cfd" >>"$WORK/capture.err" &
PIDS+=("$!")
exec {cfd}<&-
capture_sync start

# The server, then its "listening" line (at most 10 s).
mkfifo "$WORK/server.fifo"
timeout 60 "$SRV_BIN" ${SERVER_ARGS:-} --role server --udp-port "$SRV_UDP" --remote-udp-port "$CLI_UDP" \
    $srv_only $common $srv_end >"$WORK/server.fifo" 2>&1 &
SRV_PID=$!
PIDS+=("$SRV_PID")
exec {fd}<"$WORK/server.fifo"
ready=
while IFS= read -r -t 10 line <&"$fd"; do
    echo "$line" >>"$WORK/server.log"
    case $line in *listening*) ready=1; break ;; esac
done
[ -n "$ready" ] || fail "server: no 'listening' line within 10 s"
cat <&"$fd" >>"$WORK/server.log" &
SRV_COPY=$!
PIDS+=("$SRV_COPY")
exec {fd}<&-

rc=0
src=0
case " $cli_only " in
*" --linger "*)
    # The client keeps its stack up (peer_common.h --linger) until the
    # server is done, then SIGHUP (timeout relays it) lets it go.
    timeout 60 "$CLI_BIN" ${CLIENT_ARGS:-} --role client --udp-port "$CLI_UDP" \
        --remote-udp-port "$SRV_UDP" $cli_only $common $cli_end >"$WORK/client.log" 2>&1 &
    CLI_PID=$!
    PIDS+=("$CLI_PID")
    wait "$SRV_PID" || src=$?
    kill -HUP "$CLI_PID" 2>/dev/null || true
    wait "$CLI_PID" || rc=$?
    ;;
*)
    timeout 60 "$CLI_BIN" ${CLIENT_ARGS:-} --role client --udp-port "$CLI_UDP" --remote-udp-port "$SRV_UDP" \
        $cli_only $common $cli_end >"$WORK/client.log" 2>&1 || rc=$?
    wait "$SRV_PID" || src=$?
    ;;
esac
wait "$SRV_COPY" || true

capture_sync end
# Stop the capture cleanly (SIGINT: tshark flushes and exits), at most 10 s.
kill -INT "$CAP_PID" 2>/dev/null || true
timeout 10 tail -f /dev/null --pid="$CAP_PID" 2>/dev/null || kill -KILL "$CAP_PID" 2>/dev/null || true
wait "$CAP_PID" 2>/dev/null || true

echo "--- server"; cat "$WORK/server.log"
echo "--- client"; cat "$WORK/client.log"
[ "$rc" = 0 ] || fail "client exited with $rc"
[ "$src" = 0 ] || fail "server exited with $src"
end=$(sed -n 's/.*--\(close\|expect\) \([a-z]*\).*/\2/p' <<<"$srv_end")
for side in server client; do
    grep -q "^ok $total messages verified, end: $end\$" "$WORK/$side.log" ||
        fail "$side: no 'ok $total messages verified, end: $end'"
    [ "$assocs" = 1 ] || grep -q "^associations $assocs verified\$" "$WORK/$side.log" ||
        fail "$side: no 'associations $assocs verified'"
done

# An ABORT is reported by the other side with its cause: User-Initiated
# Abort (12, RFC 9260 §3.3.10.12).
case $SCENARIO in
abort_by_client) reporter=server ;;
abort_by_server) reporter=client ;;
*) reporter= ;;
esac
case ${reporter:-none} in
none | "${NO_ABORT_CAUSE:-}") ;;
*) grep -q "COMM_LOST (error cause 12)" "$WORK/$reporter.log" ||
    fail "$reporter: no COMM_LOST with cause 12" ;;
esac

echo "--- wire judge"
jrc=0
JUDGE_NOT_SCTP_TO=$SYNC_UDP "$JUDGE" "$PCAP" "$SRV_UDP" "$CLI_UDP" >"$WORK/judge.txt" 2>&1 || jrc=$?
cat "$WORK/judge.txt"
[ "$jrc" = 0 ] || fail "the wire judge condemned the capture"
for c in $want; do
    case $c in
    !*) ! grep -q "^chunk ${c#!} " "$WORK/judge.txt" || fail "chunk ${c#!} seen, not expected" ;;
    *=*) grep -q "^chunk ${c%=*} ${c#*=}\$" "$WORK/judge.txt" ||
        fail "want ${c#*=} ${c%=*} chunks, saw $(sed -n "s/^chunk ${c%=*} //p" "$WORK/judge.txt")" ;;
    *) grep -q "^chunk $c " "$WORK/judge.txt" || fail "no $c chunk on the wire" ;;
    esac
done
detail=$(sed -n 's/^wire-judge: OK: \([0-9]*\) SCTP packets.*/\1 packets judged clean/p' "$WORK/judge.txt")
tolerated=$(sed -n 's/^tolerated \([0-9]*\) frames.*/\1/p' "$WORK/judge.txt")
[ -n "$tolerated" ] && detail="$detail, $tolerated of them with only the tolerated warning"
record PASS "$detail"
echo "PASS: $SCENARIO"
