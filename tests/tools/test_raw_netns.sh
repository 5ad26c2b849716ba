#!/usr/bin/env bash
# Raw IP (protocol 132, no UDP): `tern echo server --transport raw` in one
# network namespace, the client in another, joined by a veth pair. Needs
# root and `ip` (iproute2); skipped (77) otherwise. Names carry the PID and
# are removed on every exit.
#   test_raw_netns.sh TERN
. "$(dirname "$0")/lib.sh"
TERN=$1

skip() {
    echo "SKIP: $*"
    exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, raw sockets)"
command -v ip >/dev/null || skip "needs ip (Debian package iproute2)"
# A loaded kernel SCTP answers protocol-132 packets itself (ABORT).
[ ! -e /proc/net/sctp ] || skip "kernel SCTP is loaded: it would answer the raw packets"

NS_A=tern-a-$$
NS_B=tern-b-$$
VETH_A=tva$$
VETH_B=tvb$$
cleanup_netns() {
    cleanup_lib # the processes first, then their namespaces
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
    ip link del "$VETH_A" 2>/dev/null || true
}
trap cleanup_netns EXIT

ip netns add "$NS_A" || skip "cannot create network namespaces here"
ip netns add "$NS_B"
ip link add "$VETH_A" netns "$NS_A" type veth peer name "$VETH_B" netns "$NS_B"
ip -n "$NS_A" addr add 10.213.0.1/24 dev "$VETH_A"
ip -n "$NS_B" addr add 10.213.0.2/24 dev "$VETH_B"
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" link set "$VETH_A" up
ip -n "$NS_B" link set "$VETH_B" up

start_server srv stdout ip netns exec "$NS_A" "$TERN" echo server --transport raw -4 \
    --max-assocs 1
expect "$WORK/srv.log" "listening on port 7 \(raw IP\)" "raw server"
timeout 30 ip netns exec "$NS_B" "$TERN" echo client --transport raw -4 --count 100 \
    --size 2000 --streams 3 10.213.0.1 >"$WORK/client.log" || fail "raw client failed"
cat "$WORK/client.log"
expect "$WORK/client.log" "100 messages sent, 100 echoed and verified, 0 wrong" "raw echo"
wait_exit "$SRV_PID" "raw server"
echo "PASS: raw IP between two network namespaces"
