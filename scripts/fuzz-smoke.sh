#!/bin/sh
# Runs every libFuzzer harness in BUILD_DIR for SECONDS each, starting from
# its checked-in seed corpus (fuzz/corpus/<name>, read only: new inputs go to
# a scratch directory). Fails on the first crash, leak or timeout.
set -eu
BUILD_DIR=$1
SECONDS_EACH=${2:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARTIFACTS="$BUILD_DIR/artifacts"
mkdir -p "$ARTIFACTS"
found=0
for harness in "$BUILD_DIR"/fuzz/fuzz_*; do
    [ -x "$harness" ] || continue
    found=$((found + 1))
    name=$(basename "$harness" | sed 's/^fuzz_//')
    scratch=$(mktemp -d)
    echo "fuzz-smoke: $name for ${SECONDS_EACH}s"
    if ! "$harness" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$name-" \
        "$scratch" "$ROOT/fuzz/corpus/$name" >"$BUILD_DIR/$name.log" 2>&1; then
        tail -n 60 "$BUILD_DIR/$name.log"
        echo "fuzz-smoke: $name FAILED (artifacts in $ARTIFACTS)" >&2
        rm -rf "$scratch"
        exit 1
    fi
    grep -E "stat::number_of_executed_units|Done" "$BUILD_DIR/$name.log" | tail -n 2
    rm -rf "$scratch"
done
if [ "$found" = 0 ]; then
    echo "fuzz-smoke: no harness found in $BUILD_DIR/fuzz" >&2
    exit 1
fi
echo "fuzz-smoke: $found harness(es) passed"
