#!/usr/bin/env bash
# `tern cat` both ways: a file, chunked into messages, arrives byte for byte;
# stdin lines too. End of input shuts down gracefully and both sides exit 0.
#   test_cat.sh TERN
. "$(dirname "$0")/lib.sh"
TERN=$1

head -c 1500000 /dev/urandom >"$WORK/file.bin"
for i in $(seq 1 500); do echo "line $i"; done >"$WORK/lines.txt"

# 1. connector sends the file, the listener (-d: sends nothing) writes it out.
start_server l1 stderr "$TERN" cat -l -d --udp-port 0 127.0.0.1 0
timeout 30 "$TERN" cat --file "$WORK/file.bin" --size 16K --stream 3 --ppid 42 \
    --remote-udp-port "$SRV_UDP" 127.0.0.1 "$SRV_PORT" </dev/null >"$WORK/c1.out" ||
    fail "cat --file (connector) failed"
wait_exit "$SRV_PID" "listener 1"
cmp "$WORK/file.bin" "$WORK/l1.out" || fail "connector -> listener: the file differs"

# 2. the listener sends the file, the connector (-d) writes it out.
start_server l2 stderr "$TERN" cat -l --file "$WORK/file.bin" --udp-port 0 0
timeout 30 "$TERN" cat -d --remote-udp-port "$SRV_UDP" 127.0.0.1 "$SRV_PORT" \
    >"$WORK/c2.out" || fail "cat -d (connector) failed"
wait_exit "$SRV_PID" "listener 2"
cmp "$WORK/file.bin" "$WORK/c2.out" || fail "listener -> connector: the file differs"

# 3. stdin lines, one message each (-v: one line per message on stderr).
start_server l3 stderr "$TERN" cat -l -d -v --udp-port 0 0
timeout 30 "$TERN" cat --unordered --remote-udp-port "$SRV_UDP" 127.0.0.1 "$SRV_PORT" \
    <"$WORK/lines.txt" >"$WORK/c3.out" || fail "cat (stdin) failed"
wait_exit "$SRV_PID" "listener 3"
wait "$SRV_DRAIN" || true
[ "$(grep -c 'unordered, ' "$WORK/l3.log")" = 500 ] || fail "expected 500 messages in -v output"
# unordered messages may overtake each other: compare sorted
cmp <(sort "$WORK/lines.txt") <(sort "$WORK/l3.out") || fail "stdin lines differ"
echo "PASS: tern cat"
