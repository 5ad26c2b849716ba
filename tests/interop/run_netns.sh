#!/usr/bin/env bash
# One run_scenario.sh scenario inside a network namespace of its own, with
# optional random packet loss (an nftables rule; this kernel has no netem).
#
#   run_netns.sh LOSS_PCT SCENARIO SERVER_PEER CLIENT_PEER WORKDIR PORT_PICKER
#
# LOSS_PCT 0: no loss. Otherwise the namespace's lo drops that percentage of
# the datagrams sent to either peer's UDP port, at random, on the input hook:
#   table inet tern_loss {
#     chain in { type filter hook input priority 0; policy accept;
#       iifname "lo" udp dport { SRV, CLI } numgen random mod 100 < LOSS_PCT
#         counter drop } }
# and the run must show that the loss happened and was repaired: the nft
# counter dropped packets, the wire judge's "sack-with-gaps" is above 0 and
# there are more DATA chunks than messages (each message here fits in one
# DATA chunk, so the surplus is retransmissions). Every message arriving
# exactly once is the peers' check (run_scenario.sh).
#
# Why a namespace even without loss: lo's GSO. Tern sends runs of equal-sized
# datagrams as one UDP GSO message (io/tx.c, UDP_SEGMENT); lo takes GSO
# packets whole, so the capture (and netfilter) sees one frame holding
# several SCTP packets back to back, which the judge rightly calls bad
# checksums and malformed chunks, although the receiving socket gets proper
# datagrams. With "gso_max_segs 1" on the namespace's lo the kernel cuts GSO
# messages into datagrams before the device (validate_xmit_skb), so tshark
# and the nft rule see each datagram as the receiver does. That is a setting
# of this namespace's lo only; the host's is untouched.
#
# The capture happens on lo's receive tap, before the input hook: dropped
# datagrams are in the capture too, so every packet either stack sent is
# judged, and the histogram counts transmissions, dropped or not.
#
# Needs root (ip netns, nft): without it the test fails saying so (CI runs as
# root). nft comes from Debian's nftables package. The namespace is always
# removed (trap).
set -euo pipefail
LOSS=$1 SCENARIO=$2 SRV_BIN=$3 CLI_BIN=$4 WORK=$5 PICKER=$6
HERE=$(cd "$(dirname "$0")" && pwd)

record_fail() {
    echo "FAIL: $SCENARIO: $*"
    [ -n "${INTEROP_PEER:-}" ] && mkdir -p "$WORK" &&
        printf '%s\t%s\t%s\t%s\t%s\n' "$INTEROP_PEER" "${INTEROP_ROLE:-}" "$SCENARIO" FAIL "$*" \
            >"$WORK/result"
    exit 1
}
command -v ip >/dev/null 2>&1 || record_fail "ip (iproute2) is not installed"
[ "$LOSS" = 0 ] || command -v nft >/dev/null 2>&1 ||
    record_fail "nft is not installed (Debian package nftables, scripts/install-deps.sh)"

NS=tern-net-$$-$RANDOM
err=$(ip netns add "$NS" 2>&1) ||
    record_fail "cannot create network namespace $NS (needs root / CAP_SYS_ADMIN): $err"
trap 'ip netns del "$NS" 2>/dev/null || true' EXIT
in_ns() { ip netns exec "$NS" "$@"; }
ip -n "$NS" link set lo up || record_fail "ip -n $NS link set lo up failed"
# With loss, an Ethernet-sized path (LO_MTU, 1500 unless set): each
# 1000-byte message goes in a packet of its own from both stacks, so a lost
# datagram loses one message, not the 60 that fit in lo's 65536, and the
# loss hits many packets.
mtu=${LO_MTU:-}
[ -n "$mtu" ] || [ "$LOSS" = 0 ] || mtu=1500
[ -z "$mtu" ] || ip -n "$NS" link set lo mtu "$mtu" || record_fail "ip -n $NS link set lo mtu $mtu failed"
ip -n "$NS" link set lo gso_max_segs 1 ||
    record_fail "ip -n $NS link set lo gso_max_segs 1 failed (kernel or iproute2 too old)"

# The ports first: the nft rule names them (a fresh namespace: all are free).
read -r SRV_UDP CLI_UDP SYNC_UDP < <(in_ns timeout 10 "$PICKER" --free-udp-ports 3) ||
    record_fail "no free UDP ports in $NS"
if [ "$LOSS" != 0 ]; then
    err=$(in_ns nft -f - 2>&1 <<EOF
table inet tern_loss {
    chain in {
        type filter hook input priority 0; policy accept;
        iifname "lo" udp dport { $SRV_UDP, $CLI_UDP } numgen random mod 100 < $LOSS counter drop
    }
}
EOF
    ) || record_fail "nft: could not add the loss rule: $err"
    echo "$SCENARIO: $LOSS % loss on UDP ports $SRV_UDP and $CLI_UDP in namespace $NS"
fi

# Under loss a SACK may legitimately gap-acknowledge more than 100 TSNs: a
# lost fast retransmission leaves a hole until T3-rtx fires (RTO.Min 1 s,
# RFC 9260 §6.3.3, §7.2.4) while the sender goes on with new data as the
# gap-acked TSNs free its flight size and the window allows. Wireshark
# warns about every such SACK ("More than 100 TSNs were gap-acknowledged in
# this SACK.", expert field sctp.sack_number_of_tsns_gap_acked.100, group
# Sequence, severity Warning); that one warning does not condemn a capture
# with loss (run_scenario.sh JUDGE_TOLERATE). Nothing else is let through.
[ "$LOSS" = 0 ] || [ -n "${JUDGE_TOLERATE+set}" ] ||
    export JUDGE_TOLERATE="More than 100 TSNs were gap-acknowledged in this SACK."
rc=0
in_ns env UDP_PORTS="$SRV_UDP $CLI_UDP $SYNC_UDP" \
    "$HERE/run_scenario.sh" "$SCENARIO" "$SRV_BIN" "$CLI_BIN" "$WORK" "$PICKER" || rc=$?
[ "$rc" = 0 ] || exit "$rc" # run_scenario.sh said why and wrote the result
[ "$LOSS" != 0 ] || exit 0

# The loss really happened and was repaired.
in_ns nft list table inet tern_loss >"$WORK/nft.txt" 2>&1 || true
dropped=$(sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' "$WORK/nft.txt")
total=$(sed -n 's/^ok \([0-9]*\) messages verified.*/\1/p' "$WORK/server.log")
data=$(sed -n 's/^chunk DATA //p' "$WORK/judge.txt")
gaps=$(sed -n 's/^sack-with-gaps //p' "$WORK/judge.txt")
packets=$(sed -n 's/^wire-judge: OK: \([0-9]*\) SCTP packets.*/\1/p' "$WORK/judge.txt")
tol=$(sed -n 's/^tolerated \([0-9]*\) frames.*/\1/p' "$WORK/judge.txt")
stats="dropped ${dropped:-?} of ${packets:-?} SCTP packets, DATA chunks ${data:-?} for $((2 * ${total:-0})) messages, sack-with-gaps ${gaps:-?}, SACKs gap-acking > 100 TSNs ${tol:-0}"
echo "loss: $stats"
[ "${dropped:-0}" -gt 0 ] || record_fail "the nft rule dropped nothing ($stats)"
[ "${gaps:-0}" -gt 0 ] || record_fail "no SACK with gap blocks: was anything lost? ($stats)"
[ "${data:-0}" -gt $((2 * ${total:-0})) ] || record_fail "no retransmitted DATA ($stats)"
[ -z "${INTEROP_PEER:-}" ] ||
    printf '%s\t%s\t%s\t%s\t%s\n' "$INTEROP_PEER" "${INTEROP_ROLE:-}" "$SCENARIO" PASS "$stats" \
        >"$WORK/result"
echo "PASS: $SCENARIO under $LOSS % loss"
