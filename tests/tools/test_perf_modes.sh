#!/usr/bin/env bash
# `tern perf` modes of bench/README.md: pingpong, setup, idle and --mtu,
# in one process (loop) and against a separate server; each run's --json
# carries the common fields and "verified": true.
#   test_perf_modes.sh TERN
. "$(dirname "$0")/lib.sh"
TERN=$1

check_common() { # FILE MODE MTU
    local f=$1
    expect "$f" '"tool": "tern"' "tool"
    expect "$f" "\"mode\": \"$2\"" "mode"
    expect "$f" "\"mtu\": $3," "mtu"
    for k in transport size streams unordered nodelay; do
        expect "$f" "\"$k\": " "field $k"
    done
    expect "$f" '"verified": true' "verified"
}

check_mode() { # FILE MODE MTU [COUNT]
    local f=$1
    check_common "$@"
    case $2 in
    pingpong)
        for k in seconds messages_per_s p50_us p99_us mean_us; do
            expect "$f" "\"$k\": [0-9.]+" "figure $k"
        done
        [ -z "${4:-}" ] || expect "$f" "\"messages\": $4," "round trips"
        ;;
    setup)
        expect "$f" '"assocs": [1-9][0-9]*,' "associations"
        expect "$f" '"assocs_per_s": [0-9.]+' "figure assocs_per_s"
        [ -z "${4:-}" ] || expect "$f" "\"assocs\": $4," "associations"
        ;;
    idle)
        expect "$f" "\"assocs\": $4," "associations"
        expect "$f" '"client_rss_per_assoc": [0-9]+' "client_rss_per_assoc"
        expect "$f" '"server_rss_per_assoc": [0-9]+' "server_rss_per_assoc"
        ;;
    bulk)
        expect "$f" '"mbytes_per_s": [0-9.]+' "figure mbytes_per_s"
        expect "$f" "\"messages\": $4," "client's count"
        expect "$f" "\"server\": \\{\"messages\": $4," "server's count"
        ;;
    esac
}

# One process.
timeout 30 "$TERN" perf loop --mode pingpong --count 200 --size 64 --json >"$WORK/l1.json" ||
    fail "loop pingpong failed"
check_mode "$WORK/l1.json" pingpong 0 200
timeout 30 "$TERN" perf loop --mode pingpong --time 0.3 --size 3000 --streams 3 --unordered \
    --json >"$WORK/l2.json" || fail "loop pingpong (time, unordered) failed"
check_mode "$WORK/l2.json" pingpong 0
expect "$WORK/l2.json" '"unordered": true' "unordered"
timeout 30 "$TERN" perf loop --mode setup --time 0.5 --size 64 --json >"$WORK/l3.json" ||
    fail "loop setup failed"
check_mode "$WORK/l3.json" setup 0
# --parallel: 4 associations in flight at once, exactly --count in all.
timeout 30 "$TERN" perf loop --mode setup --count 40 --parallel 4 --size 64 --json \
    >"$WORK/l3p.json" || fail "loop setup --parallel 4 failed"
check_mode "$WORK/l3p.json" setup 0 40
expect "$WORK/l3p.json" '"parallel": 4,' "parallel"
expect "$WORK/l3.json" '"parallel": 1,' "parallel (default)"
rc=0; "$TERN" perf client --mode setup --parallel 0 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--parallel 0: exit $rc"
timeout 60 "$TERN" perf loop --mode idle --assocs 30 --size 64 --json >"$WORK/l4.json" ||
    fail "loop idle failed"
check_mode "$WORK/l4.json" idle 0 30
timeout 30 "$TERN" perf loop --mtu 1500 --count 300 --size 64K --json >"$WORK/l5.json" ||
    fail "loop bulk --mtu 1500 failed"
check_mode "$WORK/l5.json" bulk 1500 300
timeout 30 "$TERN" perf loop --mode pingpong --count 50 >"$WORK/l6.txt" ||
    fail "loop pingpong (text) failed"
expect "$WORK/l6.txt" "verified +yes" "text report"
rc=0; "$TERN" perf client --mode nosuch 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "bad --mode: exit $rc"
rc=0; "$TERN" perf client --mtu 1000 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "--mtu below 1280: exit $rc"

# A server process serving every mode, with a fixed MTU on both sides; it
# exits after 1 + 10 + 40 + 1 associations, all verified.
start_server srv stdout "$TERN" perf server --udp-port 0 --port 0 --mtu 1500 --max-assocs 52 --json
C=(--remote-udp-port "$SRV_UDP" --port "$SRV_PORT" --mtu 1500 --json)
timeout 30 "$TERN" perf client "${C[@]}" --mode pingpong --count 100 --size 64 >"$WORK/c1.json" ||
    fail "client pingpong failed"
check_mode "$WORK/c1.json" pingpong 1500 100
timeout 30 "$TERN" perf client "${C[@]}" --mode setup --count 10 --size 100 >"$WORK/c2.json" ||
    fail "client setup failed"
check_mode "$WORK/c2.json" setup 1500 10
timeout 60 "$TERN" perf client "${C[@]}" --mode idle --assocs 40 --size 8 >"$WORK/c3.json" ||
    fail "client idle failed"
check_mode "$WORK/c3.json" idle 1500 40
timeout 30 "$TERN" perf client "${C[@]}" --count 200 --size 64K --streams 2 >"$WORK/c4.json" ||
    fail "client bulk failed"
check_mode "$WORK/c4.json" bulk 1500 200
wait_exit "$SRV_PID" "server"
wait "$SRV_DRAIN" || true
expect "$WORK/srv.log" '"role": "server".*"mtu": 1500.*"verified": true' "server's bulk report"
echo "PASS: tern perf modes"
