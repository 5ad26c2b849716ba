#!/usr/bin/env bash
# `tern demo` runs with no setup, exits 0 and prints its log and summary.
#   test_demo.sh TERN
. "$(dirname "$0")/lib.sh"
TERN=$1
timeout 30 "$TERN" demo >"$WORK/demo.log" 2>&1 || fail "tern demo exited non-zero"
cat "$WORK/demo.log"
[ "$(grep -c '^  client -> server' "$WORK/demo.log")" = 16 ] || fail "16 messages client -> server"
[ "$(grep -c '^  server -> client' "$WORK/demo.log")" = 16 ] || fail "16 messages server -> client"
expect "$WORK/demo.log" "^summary" "summary"
expect "$WORK/demo.log" "messages +16 client -> server" "message count"
expect "$WORK/demo.log" "shutdown +graceful" "graceful shutdown"
expect "$WORK/demo.log" "notifications +client: .*COMM_UP" "notifications"
expect "$WORK/demo.log" "^tern demo: OK$" "verdict"
echo "PASS: tern demo"
