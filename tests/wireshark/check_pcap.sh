#!/bin/sh
# A second opinion on the wire format: Wireshark's SCTP dissector (tshark)
# decodes every packet a generator wrote: gen_packets (the encoder, one
# packet per chunk type) or gen_conversations (what the core sends).
#
#   check_pcap.sh GENERATOR WORKDIR [--sabotage]
#
# Passes when every frame is SCTP with checksum status Good, carries exactly
# the chunk types we meant to build, and no expert info of severity Note or
# above is raised (stricter than Warning: a Note such as "the padding of this
# final parameter should be the padding of the chunk" is an RFC nit we want). Exits 77 (CTest: skipped) when
# tshark is not installed. With --sabotage the generator writes two bad
# frames instead, and the run passes only if the judge condemns both: a bad
# checksum on frame 1 and an expert warning on frame 2.
set -eu
GEN=$1
WORK=$2
SABOTAGE=${3:-}
if ! command -v tshark >/dev/null 2>&1; then
    echo "SKIPPED: tshark is not installed (make deps installs it); wire format not judged"
    exit 77
fi
mkdir -p "$WORK"
: >"$WORK/verdict.txt"
say() { echo "$@" | tee -a "$WORK/verdict.txt"; }
PCAP="$WORK/tern-chunks.pcap"
"$GEN" $SABOTAGE "$PCAP" "$WORK/expected.txt"

ts() {
    tshark -n -r "$PCAP" -o 'sctp.checksum:CRC 32c' -d 'udp.port==9899,sctp' "$@" 2>"$WORK/tshark.err"
}
fail=0

frames=$(wc -l <"$WORK/expected.txt")
# Checksum status: 1 = Good (0 Bad, 2 Unverified).
if ! ts -T fields -e frame.number -e sctp.checksum.status -e sctp.chunk_type \
    -E separator=';' >"$WORK/decoded.txt"; then
    echo "FAIL: tshark could not read the capture:"
    cat "$WORK/tshark.err"
    exit 1
fi
got=$(wc -l <"$WORK/decoded.txt")
if [ "$got" != "$frames" ]; then
    say "FAIL: tshark decoded $got frames, $frames were written"
    fail=1
fi
n=0
while IFS=';' read -r num status types; do
    n=$((n + 1))
    want=$(sed -n "${n}p" "$WORK/expected.txt")
    if [ "$status" != "1" ]; then
        say "FAIL: frame $num: checksum status '$status' (want 1 = Good)"
        fail=1
    fi
    if [ "$types" != "$want" ]; then
        say "FAIL: frame $num: chunk types '$types', built '$want'"
        fail=1
    fi
done <"$WORK/decoded.txt"

# Any expert info of severity Note or above (Error includes malformed).
if ! ts -Y '_ws.expert.severity >= "Note"' -T fields -e frame.number \
    -e _ws.expert.message -e _ws.expert.severity >"$WORK/expert.txt"; then
    echo "FAIL: tshark rejected the expert filter:"
    cat "$WORK/tshark.err"
    fail=1
elif [ -s "$WORK/expert.txt" ]; then
    say "FAIL: expert messages of severity Note or above:"
    cat "$WORK/expert.txt"
    fail=1
fi

if [ -n "$SABOTAGE" ]; then
    if grep -q "^FAIL: frame 1: checksum status '0'" "$WORK/verdict.txt" &&
        grep -q "^2[[:space:]]" "$WORK/expert.txt"; then
        echo "the judge caught both sabotaged frames:"
        cat "$WORK/verdict.txt"
        exit 0
    fi
    echo "FAIL: the judge missed a sabotaged frame; its verdict:"
    cat "$WORK/verdict.txt" "$WORK/expert.txt"
    exit 1
fi
if [ "$fail" = 0 ]; then
    echo "tshark $(tshark --version 2>/dev/null | head -n 1 | awk '{print $3}'): $frames frames," \
        "all SCTP with CRC32c Good, chunk types as built, no expert notes or warnings"
fi
exit $fail
