#!/usr/bin/env bash
# `tern check` exits 0 here and says UDP encapsulation works, in text and JSON.
#   test_check.sh TERN
. "$(dirname "$0")/lib.sh"
TERN=$1
timeout 30 "$TERN" check >"$WORK/check.log" 2>&1 || fail "tern check exited non-zero"
cat "$WORK/check.log"
expect "$WORK/check.log" "UDP encapsulation +works: handshake" "UDP line"
expect "$WORK/check.log" "kernel SCTP" "kernel line"
expect "$WORK/check.log" "loopback MTU +IPv4 [0-9]+" "MTU line"
expect "$WORK/check.log" "^result: Tern can run here" "verdict"
timeout 30 "$TERN" check --json >"$WORK/check.json" || fail "tern check --json exited non-zero"
expect "$WORK/check.json" '"udp": \{"ok": true, "handshake_ms": [0-9.]+' "JSON udp"
expect "$WORK/check.json" '"tern_can_run": true' "JSON verdict"
echo "PASS: tern check"
