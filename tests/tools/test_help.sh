#!/usr/bin/env bash
# Every subcommand answers --help (exit 0); `tern --help` lists them all; a
# bad option or subcommand is a usage error (exit 2).
#   test_help.sh TERN
. "$(dirname "$0")/lib.sh"
TERN=$1
"$TERN" --help >"$WORK/help.txt" || fail "tern --help"
for c in check echo cat perf demo; do
    expect "$WORK/help.txt" "^  $c " "tern --help lists $c"
    "$TERN" "$c" --help >"$WORK/$c.txt" || fail "tern $c --help"
    expect "$WORK/$c.txt" "^usage: tern $c" "tern $c --help"
    [ "$c" = check ] ||
        expect "$WORK/$c.txt" "--transport udp.raw" "tern $c --help: common options"
done
"$TERN" echo server --help >/dev/null || fail "tern echo server --help"
"$TERN" help perf >/dev/null || fail "tern help perf"
rc=0; "$TERN" nosuch 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "unknown command: exit $rc"
rc=0; "$TERN" perf client --nosuch 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "unknown option: exit $rc"
rc=0; "$TERN" echo client --transport ip 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "bad --transport: exit $rc"
echo "PASS: tern help"
