#!/usr/bin/env bash
# `tern echo` server and clients as separate processes over loopback UDP.
#   test_echo.sh TERN one-to-one|one-to-many
. "$(dirname "$0")/lib.sh"
TERN=$1
MODE=${2:-one-to-one}

if [ "$MODE" = one-to-one ]; then
    start_server srv stdout "$TERN" echo server --udp-port 0 --port 0 --max-assocs 2
else
    start_server srv stdout "$TERN" echo server --udp-port 0 --port 0 --max-assocs 2 --one-to-many
fi
expect "$WORK/srv.log" "$MODE" "server mode"
SRV=$SRV_PID
CLI=(--remote-udp-port "$SRV_UDP" --port "$SRV_PORT" 127.0.0.1)

# Generated messages, spread over streams, every echo checked by the client.
timeout 30 "$TERN" echo client "${CLI[@]}" --count 200 --size 1000 --streams 4 >"$WORK/c1.log" &
C1=$!
BG_PIDS+=("$C1")
if [ "$MODE" = one-to-many ]; then
    # Two associations at once on the one-to-many socket.
    timeout 30 "$TERN" echo client "${CLI[@]}" --count 100 --size 3000 --unordered \
        >"$WORK/c2.log" &
    C2=$!
    BG_PIDS+=("$C2")
    wait_exit "$C2" "client 2"
    expect "$WORK/c2.log" "100 messages sent, 100 echoed and verified, 0 wrong" "client 2"
else
    # stdin lines: what comes back on stdout is exactly what went in.
    for i in $(seq 1 300); do echo "line $i: the quick brown fox jumps over the lazy dog"; done \
        >"$WORK/lines.txt"
    printf '\n\nlast line without a newline' >>"$WORK/lines.txt"
    timeout 30 "$TERN" echo client "${CLI[@]}" <"$WORK/lines.txt" >"$WORK/echoed.txt" \
        2>"$WORK/c2.err" || fail "stdin client failed"
    cmp "$WORK/lines.txt" "$WORK/echoed.txt" || fail "stdin client: the echo differs"
    expect "$WORK/c2.err" "303 messages sent, 303 echoed and verified, 0 wrong" "stdin client"
fi
wait_exit "$C1" "client 1"
expect "$WORK/c1.log" "200 messages sent, 200 echoed and verified, 0 wrong" "client 1"

# --max-assocs 2: the server exits by itself once both associations ended.
wait_exit "$SRV" "server"
wait "$SRV_DRAIN" || true
[ "$(grep -c 'echoed$' "$WORK/srv.log")" = 2 ] || fail "server: expected 2 ended associations"
expect "$WORK/srv.log" "200 messages, 200000 bytes echoed" "server count"
echo "PASS: tern echo $MODE"
