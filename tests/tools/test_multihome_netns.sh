#!/usr/bin/env bash
# Multi-homing over real links (issue 8): two network namespaces joined by two
# veth pairs (10.81.1.0/24 and 10.81.2.0/24). `tern perf server` binds both of
# its addresses, `tern perf client` both of its own and connects to both of
# the server's; mid-transfer the primary link goes down (both ends). The
# transfer must complete with every message counted and checksummed by the
# server (RFC 9260 §6.4.1: T3 retransmissions go to the other address, §8.2:
# the primary becomes inactive and new data follows), and the server's longest
# gap between two messages — the failover gap — is printed and bounded. Over
# UDP encapsulation, again with the server bound to the wildcard (it lists
# the namespace's addresses), then raw IP. Needs root and `ip`; skipped (77) otherwise.
# Names carry the PID and are removed on every exit.
#   test_multihome_netns.sh TERN
. "$(dirname "$0")/lib.sh"
TERN=$1

skip() {
    echo "SKIP: $*"
    exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, raw sockets)"
command -v ip >/dev/null || skip "needs ip (Debian package iproute2)"

NS_S=tern-mhs-$$
NS_C=tern-mhc-$$
VS1=tms1$$ VC1=tmc1$$ VS2=tms2$$ VC2=tmc2$$
cleanup_netns() {
    cleanup_lib # the processes first, then their namespaces
    ip netns del "$NS_S" 2>/dev/null || true
    ip netns del "$NS_C" 2>/dev/null || true
}
trap cleanup_netns EXIT

ip netns add "$NS_S" || skip "cannot create network namespaces here"
ip netns add "$NS_C"
ip link add "$VS1" netns "$NS_S" type veth peer name "$VC1" netns "$NS_C"
ip link add "$VS2" netns "$NS_S" type veth peer name "$VC2" netns "$NS_C"
ip -n "$NS_S" addr add 10.81.1.2/24 dev "$VS1"
ip -n "$NS_S" addr add 10.81.2.2/24 dev "$VS2"
ip -n "$NS_C" addr add 10.81.1.1/24 dev "$VC1"
ip -n "$NS_C" addr add 10.81.2.1/24 dev "$VC2"
for ns in "$NS_S" "$NS_C"; do ip -n "$ns" link set lo up; done
for l in "$VS1" "$VS2"; do ip -n "$NS_S" link set "$l" up; done
for l in "$VC1" "$VC2"; do ip -n "$NS_C" link set "$l" up; done

# Failover within about a second: a silent path costs one RTO (RTO.Min 100 ms)
# before its data is retransmitted on the other; two timeouts
# (Path.Max.Retrans 1) make it inactive; heartbeats every 200 ms.
TUNE=(--rto-min 100 --rto-max 400 --path-max-retrans 1 --hb-interval 200)
GAP_MAX_MS=3000 # sanitizer builds on a busy 2-CPU machine: generous

# rx_packets NS DEV: packets received on DEV.
rx_packets() {
    ip -n "$1" -s link show "$2" | awk '/RX:/ {getline; print $2; exit}'
}

# run TRANSPORT [wildcard]: one transfer, the primary link down during it.
# wildcard: the server binds no address (it lists the namespace's, §5.1.2)
# and the client connects to its first address only: it learns the second
# from the INIT ACK.
run() {
    local tr=$1 name=srv-$1${2:-} sbind=(--bind 10.81.1.2,10.81.2.2) to=10.81.1.2,10.81.2.2
    if [ "${2:-}" = wildcard ]; then
        sbind=()
        to=10.81.1.2
    fi
    # The links up again (the previous run took the first down).
    ip -n "$NS_S" link set "$VS1" up
    ip -n "$NS_C" link set "$VC1" up
    start_server "$name" stdout ip netns exec "$NS_S" "$TERN" perf server --transport "$tr" -4 \
        "${sbind[@]}" --port 5001 --max-assocs 1 --paths "${TUNE[@]}"
    local srv=$SRV_PID drain=$SRV_DRAIN
    tr=$tr${2:-}
    timeout 60 ip netns exec "$NS_C" "$TERN" perf client --transport "$1" -4 \
        "$to" --bind 10.81.1.1,10.81.2.1 --port 5001 --time 4 --size 1000 \
        --paths "${TUNE[@]}" >"$WORK/client-$tr.log" 2>&1 &
    local cli=$!
    BG_PIDS+=("$cli")
    # Wait (bounded: 10 s) until the transfer runs on the primary link.
    local i start
    start=$(rx_packets "$NS_S" "$VS1")
    for i in $(seq 1 100); do
        [ $(($(rx_packets "$NS_S" "$VS1") - start)) -gt 2000 ] && break
        kill -0 "$cli" 2>/dev/null || fail "$tr: the client ended before the link went down"
        sleep 0.1
    done
    [ "$i" -lt 100 ] || fail "$tr: no transfer on the primary link within 10 s"
    ip -n "$NS_C" link set "$VC1" down
    ip -n "$NS_S" link set "$VS1" down
    echo "$tr: primary link 10.81.1.0/24 down during the transfer"
    wait_exit "$cli" "$tr client"
    wait_exit "$srv" "$tr server"
    wait "$drain" || true
    cat "$WORK/client-$tr.log" "$WORK/$name.log"
    expect "$WORK/client-$tr.log" "verified +yes" "$tr: every message counted and checksummed"
    expect "$WORK/$name.log" "count and checksum match the client's" "$tr: the server's check"
    # The second address carried DATA, the first is no longer active.
    expect "$WORK/client-$tr.log" "path 10.81.2.2:5001 +ACTIVE .*DATA out +[1-9][0-9]*," \
        "$tr: data moved to 10.81.2.2"
    expect "$WORK/client-$tr.log" "path 10.81.1.2:5001 +(INACTIVE|PF) " "$tr: 10.81.1.2 failed"
    local gap
    gap=$(sed -n 's/.*longest gap between two messages \([0-9.]*\) ms.*/\1/p' "$WORK/$name.log")
    [ -n "$gap" ] || fail "$tr: no gap reported"
    echo "FAILOVER GAP ($tr): $gap ms (longest time between two messages at the server)"
    awk -v g="$gap" -v m="$GAP_MAX_MS" 'BEGIN { exit !(g <= m) }' ||
        fail "$tr: failover gap $gap ms > $GAP_MAX_MS ms"
}

run udp
run udp wildcard
# A loaded kernel SCTP answers protocol-132 packets itself (ABORT).
if [ -e /proc/net/sctp ]; then
    echo "raw IP left out: kernel SCTP is loaded and would answer the raw packets"
else
    run raw
fi
echo "PASS: multi-homing over two real links, failover during a transfer"
