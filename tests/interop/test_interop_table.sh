#!/bin/sh
# scripts/interop-table.sh makes the README's table from the result files
# the interop tests leave: a pass, a failure, an N/A and a note each show in
# their cell, a test that left no result says "not run", the counts add up,
# and the README's marked block (only it) is replaced.
#
#   test_interop_table.sh WORKDIR
set -eu
W=$1
TABLE=$(cd "$(dirname "$0")/../.." && pwd)/scripts/interop-table.sh
fail() {
    echo "FAIL: $*"
    exit 1
}
rm -rf "$W"
mkdir -p "$W/tests/interop/a" "$W/tests/interop/b" "$W/tests/interop/c" "$W/tests/interop/d"
printf 'usrsctp\tclient\tstreams_ordered\tPASS\t10 packets judged clean\t\n' >"$W/tests/interop/a/result"
printf 'usrsctp\tserver\tstreams_ordered\tFAIL\tclient exited with 3\t\n' >"$W/tests/interop/b/result"
printf 'pion\tclient\tstreams_unordered\tPASS\t5 packets judged clean\tPPIDs from 51\n' \
    >"$W/tests/interop/c/result"
printf 'werift-sctp\tserver\tfragment_1m\tN/A\tno graceful shutdown\n' >"$W/tests/interop/d/result"
"$TABLE" "$W" >"$W/table.md"
cat "$W/table.md"
grep -q '4 interop tests: 2 passed, 1 failed, 1 not supported' "$W/table.md" || fail "counts"
grep -q '^| usrsctp | .* | 1,000 messages each way on 10 streams, ordered | pass: 10 packets judged clean | \*\*FAIL\*\*: client exited with 3 |$' \
    "$W/table.md" || fail "the usrsctp row"
grep -q '| pass: 5 packets judged clean; PPIDs from 51 | not run |$' "$W/table.md" || fail "the pion row"
grep -q '^| werift-sctp | ? (npm) | .* | not run | \*\*N/A\*\*: no graceful shutdown |$' "$W/table.md" ||
    fail "the werift row (its version unknown: no node_modules here)"

printf 'intro\n<!-- interop-table begin -->\nold table\n<!-- interop-table end -->\nafter\n' >"$W/README.md"
"$TABLE" "$W" "$W/README.md" >/dev/null
! grep -q 'old table' "$W/README.md" || fail "the old table is still in the README"
grep -q '^intro$' "$W/README.md" && grep -q '^after$' "$W/README.md" || fail "text outside the markers changed"
[ "$(grep -c '^| usrsctp |' "$W/README.md")" = 1 ] || fail "the table is not in the README once"
printf 'no markers\n' >"$W/plain.md"
if "$TABLE" "$W" "$W/plain.md" >/dev/null 2>&1; then fail "a README without markers was accepted"; fi
echo "PASS: the interop table shows every result as recorded"
