#!/usr/bin/env bash
# System calls per association set up (issue 7's setups/s goal): with the
# kernel's MTU toward a peer remembered by the context (api/sock.c
# kernel_mtu), a setup run does not open, connect and close a scratch UDP
# socket per association (4 or 5 system calls each, on both sides).
#   test_perf_syscalls.sh TERN
. "$(dirname "$0")/lib.sh"
TERN=$1
command -v strace >/dev/null 2>&1 || { echo "SKIP: strace is not installed"; exit 77; }
# LeakSanitizer cannot run under ptrace.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -c -o "$WORK/strace.txt" -e trace=socket,connect,close \
    timeout 60 "$TERN" perf loop --mode setup --count 300 --parallel 4 --size 64 --json \
    >"$WORK/setup.json" || fail "loop setup under strace failed"
expect "$WORK/setup.json" '"assocs": 300,' "associations"
expect "$WORK/setup.json" '"verified": true' "verified"
sockets=$(awk '$NF == "socket" { print $4 }' "$WORK/strace.txt")
sockets=${sockets:-0}
# The contexts' own sockets and a refresh per second: far fewer than one
# per association (600 would be one each on both sides).
[ "$sockets" -lt 60 ] || fail "$sockets socket() calls for 300 associations"
echo "PASS: $sockets socket() calls for 300 associations"
