#!/usr/bin/env bash
# `tern perf`: tiny runs, server and client as two processes and in one
# process (loop); the client's --json holds both sides' figures, verified.
#   test_perf.sh TERN
. "$(dirname "$0")/lib.sh"
TERN=$1

check_json() { # FILE COUNT|any
    local f=$1
    expect "$f" '"verified": true' "verified"
    for k in mbytes_per_s messages_per_s seconds user_s sys_s cpu_s; do
        expect "$f" "\"$k\": [0-9.]+" "figure $k"
    done
    expect "$f" '"server": \{"messages": [1-9][0-9]*' "server's count"
    if [ "$2" != any ]; then
        expect "$f" "\"messages\": $2," "client's count"
        expect "$f" "\"server\": \\{\"messages\": $2," "server's count"
    fi
}

start_server srv stdout "$TERN" perf server --udp-port 0 --port 0 --max-assocs 2
timeout 30 "$TERN" perf client --remote-udp-port "$SRV_UDP" --port "$SRV_PORT" \
    --count 3000 --size 1000 --json >"$WORK/p1.json" || fail "perf client 1 failed"
check_json "$WORK/p1.json" 3000
timeout 30 "$TERN" perf client --remote-udp-port "$SRV_UDP" --port "$SRV_PORT" \
    --time 0.5 --size 100 --streams 4 --unordered --nodelay --json >"$WORK/p2.json" ||
    fail "perf client 2 failed"
check_json "$WORK/p2.json" any
wait_exit "$SRV_PID" "server"
wait "$SRV_DRAIN" || true
[ "$(grep -c "count and checksum match the client's" "$WORK/srv.log")" = 2 ] ||
    fail "server: expected 2 verified runs"

timeout 30 "$TERN" perf loop --count 2000 --size 64K --json >"$WORK/p3.json" ||
    fail "perf loop failed"
check_json "$WORK/p3.json" 2000
timeout 30 "$TERN" perf loop --count 1000 --size 5 >"$WORK/p4.txt" || fail "perf loop (text) failed"
expect "$WORK/p4.txt" "verified +yes" "text report"
echo "PASS: tern perf"
