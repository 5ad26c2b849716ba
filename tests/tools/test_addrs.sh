#!/usr/bin/env bash
# Several addresses per end (multi-homing): `tern perf` and `tern cat` take
# comma-separated lists (IPv4 and IPv6 mixed) for the peer and for --bind; a
# bad list is a usage error (exit 2) that names the culprit. Then real runs
# over loopback with two addresses each side (127.0.0.1 and 127.0.0.2): every
# message verified, both peer addresses reported by --paths.
#   test_addrs.sh TERN
. "$(dirname "$0")/lib.sh"
TERN=$1

# bad_list WHAT MESSAGE CMD...: CMD exits 2 and says MESSAGE on stderr.
bad_list() {
    local what=$1 msg=$2 rc=0
    shift 2
    timeout 10 "$@" >/dev/null 2>"$WORK/bad.err" || rc=$?
    [ "$rc" = 2 ] || fail "$what: exit $rc, not 2"
    expect "$WORK/bad.err" "$msg" "$what"
}
for cmd in "perf client --bind" "perf server --bind" "cat --bind"; do
    read -ra c <<<"$cmd"
    extra=(127.0.0.1)
    [ "${c[0]}" = cat ] && extra=(127.0.0.1 5000)
    [ "${c[1]}" = server ] && extra=()
    bad_list "$cmd 10.1.0.1," "--bind: '10.1.0.1,': empty address in the list" \
        "$TERN" "${c[@]}" 10.1.0.1, "${extra[@]}"
    bad_list "$cmd ,10.1.0.1" "empty address" "$TERN" "${c[@]}" ,10.1.0.1 "${extra[@]}"
    bad_list "$cmd 10.1.0.1,,::1" "empty address" "$TERN" "${c[@]}" 10.1.0.1,,::1 "${extra[@]}"
    bad_list "$cmd 10.1.0.300" "--bind: '10.1.0.300' is not an address" \
        "$TERN" "${c[@]}" 10.1.0.300 "${extra[@]}"
    bad_list "$cmd 10.1.0.1,fe80::zz" "'fe80::zz' is not an address" \
        "$TERN" "${c[@]}" 10.1.0.1,fe80::zz "${extra[@]}"
    bad_list "$cmd (9 addresses)" "more than 8 addresses" \
        "$TERN" "${c[@]}" 1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9 \
        "${extra[@]}"
done
bad_list "perf client host list" "host: '10.1.0.1,,10.2.0.1': empty address" \
    "$TERN" perf client 10.1.0.1,,10.2.0.1
bad_list "perf client bad host" "host: '10.1.0.1.5' is not an address" \
    "$TERN" perf client ::1,10.1.0.1.5
bad_list "cat bad host" "host: '::1::2' is not an address" "$TERN" cat 127.0.0.1,::1::2 5000
bad_list "cat -l list" "empty address" "$TERN" cat -l 127.0.0.1, 5000
bad_list "cat -l addr and --bind" "not both" "$TERN" cat -l --bind 127.0.0.1 127.0.0.2 5000
bad_list "perf -4 with IPv6" "not an address of IPv4" "$TERN" perf client -4 --bind ::1 127.0.0.1
bad_list "perf loop --bind" "not for loop" "$TERN" perf loop --bind 127.0.0.1
bad_list "perf rto bounds" "above --rto-max" "$TERN" perf client --rto-min 500 --rto-max 100

# perf, two addresses each side: verified, both paths ACTIVE in --json.
L=127.0.0.1,127.0.0.2
start_server srv stdout "$TERN" perf server --udp-port 0 --port 0 --bind "$L" --max-assocs 1 \
    --paths
timeout 30 "$TERN" perf client "$L" --bind "$L" --remote-udp-port "$SRV_UDP" --port "$SRV_PORT" \
    --count 3000 --size 1000 --paths --json >"$WORK/p.json" || fail "perf client (two addresses)"
expect "$WORK/p.json" '"verified": true' "verified"
expect "$WORK/p.json" '"paths": \[\{"address": "127.0.0.1:[0-9]+", "state": "ACTIVE".*"data_out": [1-9][0-9]*' \
    "primary path carried the DATA"
expect "$WORK/p.json" '\{"address": "127.0.0.2:[0-9]+", "state": "ACTIVE"' "second path confirmed"
wait_exit "$SRV_PID" "perf server (two addresses)"
wait "$SRV_DRAIN" || true
expect "$WORK/srv.log" "longest gap between two messages [0-9.]+ ms" "server's gap"
expect "$WORK/srv.log" "path 127.0.0.2:[0-9]+ +ACTIVE" "server's second path"

# IPv4 and IPv6 mixed (when the host has ::1).
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
    start_server srv6 stdout "$TERN" perf server --udp-port 0 --port 0 --bind 127.0.0.1,::1 \
        --max-assocs 1
    timeout 30 "$TERN" perf client ::1,127.0.0.1 --bind ::1,127.0.0.1 --remote-udp-port \
        "$SRV_UDP" --port "$SRV_PORT" --count 1000 --paths >"$WORK/p6.txt" ||
        fail "perf client (IPv6 and IPv4)"
    expect "$WORK/p6.txt" "verified +yes" "mixed families verified"
    expect "$WORK/p6.txt" "path \[::1\]:[0-9]+ +ACTIVE" "IPv6 path"
    expect "$WORK/p6.txt" "path 127.0.0.1:[0-9]+ +ACTIVE" "IPv4 path"
    wait_exit "$SRV_PID" "perf server (IPv6 and IPv4)"
else
    echo "no ::1 on lo: the mixed-family run is left out"
fi

# cat: listening on two addresses, connecting to both from two.
for i in $(seq 1 200); do echo "line $i"; done >"$WORK/lines.txt"
start_server l1 stderr "$TERN" cat -l -d --udp-port 0 "$L" 0
timeout 30 "$TERN" cat --bind "$L" --remote-udp-port "$SRV_UDP" "$L" "$SRV_PORT" \
    <"$WORK/lines.txt" >"$WORK/c1.out" || fail "cat (two addresses)"
wait_exit "$SRV_PID" "cat listener (two addresses)"
cmp "$WORK/lines.txt" "$WORK/l1.out" || fail "cat (two addresses): the lines differ"
echo "PASS: address lists"
