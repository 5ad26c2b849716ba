#!/bin/sh
# The wire judge (issue 6): Debian's tshark decides whether a capture of
# SCTP over UDP encapsulation (RFC 6951) is clean.
#
#   wire-judge.sh PCAP UDP_PORT...
#
# Every UDP port given is decoded as SCTP. Fails (exit 1) when:
#   - tshark is missing or cannot read the capture (never a skip),
#   - the capture holds no SCTP packet,
#   - any SCTP packet's CRC32c checksum status is not Good
#     (sctp.checksum.status: 1 = Good, 0 = Bad, 2 = Unverified),
#   - the filter _ws.expert.severity >= "Warning" selects any frame on the
#     given ports (those frames and their expert messages are printed).
# JUDGE_TOLERATE=MESSAGE (environment): one expert message (exact text)
# that does not condemn a frame when every Warning-or-above item of that
# frame carries it; such frames are counted ("tolerated N frames") and
# nothing else is let through (the interop tests under loss: usrsctp's
# "More than 100 TSNs were gap-acknowledged in this SACK.").
# JUDGE_NOT_SCTP_TO=PORT (environment): datagrams sent to this UDP port are
# not SCTP and are left out of every check (run_scenario.sh's sync
# datagrams: their ephemeral source port may be a peer's port, freed when
# the peer exited, which would make them decoded as SCTP).
# Payloads are not handed to upper-layer dissectors
# (sctp.ulp_dissection:FALSE): the test payloads would otherwise be decoded
# as M3UA, NBAP, ... by their PPID and raise those protocols' warnings.
# On stdout, always: a chunk-type histogram, one line per chunk type seen,
#   chunk DATA 2000
#   chunk SACK 1043
#   ...
# plus "sack-with-gaps N" (SACKs carrying gap ack blocks) and a last line
# "wire-judge: OK ..." or "wire-judge: FAIL ...", so callers can grep it.
set -eu
if [ $# -lt 2 ]; then
    echo "usage: wire-judge.sh PCAP UDP_PORT..." >&2
    exit 2
fi
PCAP=$1
shift
PORTS="$*"
if ! command -v tshark >/dev/null 2>&1; then
    echo "wire-judge: FAIL: tshark is not installed (scripts/install-deps.sh installs it)"
    exit 1
fi
if [ ! -s "$PCAP" ]; then
    echo "wire-judge: FAIL: no capture at $PCAP"
    exit 1
fi
set -- $(for p in "$@"; do printf -- "-d udp.port==%s,sctp " "$p"; done)
ERR=$(mktemp)
OUT=$(mktemp)
trap 'rm -f "$ERR" "$OUT"' EXIT

ts() {
    tshark -n -r "$PCAP" -o 'sctp.checksum:CRC 32c' -o 'sctp.ulp_dissection:FALSE' "$@" 2>"$ERR"
}
# tshark prints this when run as root; it is not an error.
errors() { grep -v '^Running as user' "$ERR" || true; }

# The frames judged: SCTP, or on the given ports; never those sent to
# JUDGE_NOT_SCTP_TO.
NOT_SYNC=
[ -z "${JUDGE_NOT_SCTP_TO:-}" ] || NOT_SYNC=" && udp.dstport != $JUDGE_NOT_SCTP_TO"

fail=0
if ! ts "$@" -Y "sctp$NOT_SYNC" -T fields -e frame.number -e sctp.checksum.status -e sctp.chunk_type \
    -e sctp.sack_number_of_gap_blocks >"$OUT"; then
    echo "wire-judge: FAIL: tshark could not read $PCAP:"
    errors
    exit 1
fi
packets=$(wc -l <"$OUT")
if [ "$packets" = 0 ]; then
    echo "wire-judge: FAIL: no SCTP packet in $PCAP (UDP ports: $PORTS)"
    exit 1
fi
bad=$(awk -F'\t' '$2 != "1"' "$OUT")
if [ -n "$bad" ]; then
    echo "wire-judge: frames whose checksum status is not Good (1):"
    echo "$bad" | awk -F'\t' '{print "  frame " $1 ": checksum status \"" $2 "\""}' | head -n 50
    fail=1
fi

# The histogram, by chunk type name (RFC 9260 §3.2 and the extensions' RFCs).
awk -F'\t' '
BEGIN {
    n[0] = "DATA"; n[1] = "INIT"; n[2] = "INIT_ACK"; n[3] = "SACK"; n[4] = "HEARTBEAT"
    n[5] = "HEARTBEAT_ACK"; n[6] = "ABORT"; n[7] = "SHUTDOWN"; n[8] = "SHUTDOWN_ACK"
    n[9] = "ERROR"; n[10] = "COOKIE_ECHO"; n[11] = "COOKIE_ACK"; n[12] = "ECNE"; n[13] = "CWR"
    n[14] = "SHUTDOWN_COMPLETE"; n[15] = "AUTH"; n[16] = "NR_SACK"; n[64] = "I_DATA"
    n[128] = "ASCONF_ACK"; n[130] = "RE_CONFIG"; n[132] = "PAD"; n[192] = "FORWARD_TSN"
    n[193] = "ASCONF"; n[194] = "I_FORWARD_TSN"
}
{
    k = split($3, t, ",")
    for (i = 1; i <= k; i++) {
        name = (t[i] in n) ? n[t[i]] : "UNKNOWN_" t[i]
        if (!(name in c)) order[++m] = name
        c[name]++
    }
    k = split($4, g, ",")
    for (i = 1; i <= k; i++) if (g[i] + 0 > 0) gaps++
}
END {
    for (i = 1; i <= m; i++) printf "chunk %s %d\n", order[i], c[order[i]]
    printf "sack-with-gaps %d\n", gaps + 0
}' "$OUT"

# Only the frames of the given ports: the capture may hold other datagrams
# (the test drivers' sync datagrams), which some other dissector may claim
# by their port and call malformed.
ON_PORTS="udp.port in {$(echo "$PORTS" | sed "s/ /, /g")}$NOT_SYNC"
if ! ts "$@" -Y "$ON_PORTS && _ws.expert.severity >= \"Warning\"" -T fields -E 'aggregator=|' \
    -e frame.number -e _ws.expert.severity -e _ws.expert.message >"$OUT"; then
    echo "wire-judge: FAIL: tshark rejected the expert filter:"
    errors
    exit 1
fi
if [ -n "${JUDGE_TOLERATE:-}" ] && [ -s "$OUT" ]; then
    # Severity Warning is 0x600000 (6291456), Error 0x800000.
    KEEP=$(mktemp)
    awk -F'\t' -v ok="$JUDGE_TOLERATE" -v keep="$KEEP" '
        { ns = split($2, sev, "|"); nm = split($3, msg, "|"); bad = (ns != nm)
          for (i = 1; i <= ns; i++) if (sev[i] + 0 >= 6291456 && msg[i] != ok) bad = 1
          if (bad) print > keep; else n++ }
        END { printf "tolerated %d frames: \"%s\" (JUDGE_TOLERATE)\n", n, ok }' "$OUT"
    mv "$KEEP" "$OUT"
fi
if [ -s "$OUT" ]; then
    echo "wire-judge: frames with expert info of severity Warning or above" \
        "(frame, severity, messages):"
    head -n 50 "$OUT" | sed 's/^/  /'
    fail=1
fi
if [ "$fail" != 0 ]; then
    echo "wire-judge: FAIL: $PCAP ($packets SCTP packets)"
    exit 1
fi
echo "wire-judge: OK: $packets SCTP packets, all CRC32c Good, no expert warnings" \
    "(tshark $(tshark --version 2>/dev/null | head -n 1 | awk '{print $3}'))"
