#!/bin/sh
# The wire judge must be able to say no. gen_packets (tests/wireshark) writes
# one packet per chunk type over UDP port 9899: the judge passes it and
# prints its histogram. With --sabotage it writes a frame with a wrong CRC32c
# and a malformed SACK: the judge must fail and name both frames.
#
#   test_wire_judge.sh GEN_PACKETS WORKDIR
set -eu
GEN=$1
WORK=$2
JUDGE=$(cd "$(dirname "$0")/../.." && pwd)/scripts/wire-judge.sh
rm -rf "$WORK"
mkdir -p "$WORK"
fail() {
    echo "FAIL: $*"
    exit 1
}

"$GEN" "$WORK/good.pcap" "$WORK/good.txt"
"$JUDGE" "$WORK/good.pcap" 9899 >"$WORK/good.out" 2>&1 || { cat "$WORK/good.out"; fail "the judge condemned good packets"; }
cat "$WORK/good.out"
for c in DATA INIT SACK ABORT SHUTDOWN_COMPLETE; do
    grep -q "^chunk $c [0-9]" "$WORK/good.out" || fail "histogram: no 'chunk $c'"
done

"$GEN" --sabotage "$WORK/bad.pcap" "$WORK/bad.txt"
if "$JUDGE" "$WORK/bad.pcap" 9899 >"$WORK/bad.out" 2>&1; then
    cat "$WORK/bad.out"
    fail "the judge passed a sabotaged capture"
fi
cat "$WORK/bad.out"
grep -q 'frame 1: checksum status "0"' "$WORK/bad.out" || fail "the bad checksum of frame 1 went unnamed"
grep -q '^  2[[:space:]]' "$WORK/bad.out" || fail "the expert warning on frame 2 went unnamed"
grep -q '^wire-judge: FAIL' "$WORK/bad.out" || fail "no FAIL verdict line"

# JUDGE_TOLERATE lets through the frames whose only warning is that message,
# and nothing else: the bad checksum still condemns the capture.
if JUDGE_TOLERATE="Malformed Packet (Exception occurred)" "$JUDGE" "$WORK/bad.pcap" 9899 \
    >"$WORK/tolerate.out" 2>&1; then
    cat "$WORK/tolerate.out"
    fail "JUDGE_TOLERATE let a bad checksum through"
fi
cat "$WORK/tolerate.out"
grep -q '^tolerated 1 frames' "$WORK/tolerate.out" || fail "JUDGE_TOLERATE: frame 2 not tolerated"
! grep -q '^  2[[:space:]]' "$WORK/tolerate.out" || fail "JUDGE_TOLERATE: frame 2 still condemned"
grep -q '^  1[[:space:]]' "$WORK/tolerate.out" || fail "JUDGE_TOLERATE: frame 1 went unnamed"
JUDGE_TOLERATE="some other message" "$JUDGE" "$WORK/bad.pcap" 9899 >"$WORK/other.out" 2>&1 || true
grep -q '^tolerated 0 frames' "$WORK/other.out" || fail "JUDGE_TOLERATE: another message let a frame through"

# A test driver's sync datagram from the SCTP port (a freed peer port reused
# as its ephemeral port) is decoded as SCTP and condemned, unless
# JUDGE_NOT_SCTP_TO names its destination port.
"$GEN" --sync-to 9777 "$WORK/sync.pcap" "$WORK/sync.txt"
if "$JUDGE" "$WORK/sync.pcap" 9899 >"$WORK/sync.out" 2>&1; then
    cat "$WORK/sync.out"
    fail "the judge passed a non-SCTP datagram on the SCTP port"
fi
JUDGE_NOT_SCTP_TO=9777 "$JUDGE" "$WORK/sync.pcap" 9899 >"$WORK/sync_skip.out" 2>&1 ||
    { cat "$WORK/sync_skip.out"; fail "JUDGE_NOT_SCTP_TO: the sync datagram still condemned"; }
JUDGE_NOT_SCTP_TO=9777 "$JUDGE" "$WORK/bad.pcap" 9899 >"$WORK/bad_skip.out" 2>&1 &&
    { cat "$WORK/bad_skip.out"; fail "JUDGE_NOT_SCTP_TO let the sabotaged frames through"; }
echo "PASS: the judge passes good packets and condemns a bad checksum and a malformed chunk;" \
    "JUDGE_TOLERATE spares only its own message; JUDGE_NOT_SCTP_TO only its port's datagrams"
