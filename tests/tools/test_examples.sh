#!/usr/bin/env bash
# examples/server.c and examples/client.c against each other over loopback.
#   test_examples.sh SERVER CLIENT
. "$(dirname "$0")/lib.sh"
SERVER=$1
CLIENT=$2
start_server srv stdout "$SERVER" 7 0
timeout 20 "$CLIENT" 127.0.0.1 "$SRV_PORT" "$SRV_UDP" "hello from the example" \
    >"$WORK/client.out" || fail "example client failed"
expect "$WORK/client.out" "^echo: hello from the example$" "the echo"
wait_exit "$SRV_PID" "example server"
echo "PASS: examples"
