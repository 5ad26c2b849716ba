# Shared by the tools tests (sourced): real processes over loopback, every
# wait bounded, readiness read from the servers' "listening on port P (UDP
# encapsulation port U)" line, never guessed with a sleep. Every server gets
# an ephemeral UDP port, so the tests run in parallel.
set -euo pipefail

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tern-tools.XXXXXX")
BG_PIDS=()

cleanup_lib() {
    local p
    for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup_lib EXIT

fail() {
    echo "FAIL: $*" >&2
    local f
    for f in "$WORK"/*.log "$WORK"/*.err; do
        [ -s "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
    done
    exit 1
}

# start_server NAME stdout|stderr CMD...: runs CMD (bounded by 60 s) in the
# background and waits at most 10 s for its "listening on port" line on the
# given stream; the rest of that stream goes to $WORK/NAME.log, the other
# one to $WORK/NAME.err (stdout) or $WORK/NAME.out (stderr). Sets SRV_PID,
# SRV_PORT and SRV_UDP (empty for raw IP); SRV_DRAIN is the copying process.
start_server() {
    local name=$1 which=$2
    shift 2
    local fifo=$WORK/$name.fifo line ready=
    mkfifo "$fifo"
    if [ "$which" = stdout ]; then
        timeout 60 "$@" >"$fifo" 2>"$WORK/$name.err" &
    else
        timeout 60 "$@" 2>"$fifo" >"$WORK/$name.out" &
    fi
    SRV_PID=$!
    BG_PIDS+=("$SRV_PID")
    exec {SRV_FD}<"$fifo"
    while IFS= read -r -t 10 line <&"$SRV_FD"; do
        echo "$line" >>"$WORK/$name.log"
        case $line in *"listening on port"*)
            ready=$line
            break
            ;;
        esac
    done
    if [ -z "$ready" ]; then
        exec {SRV_FD}<&-
        fail "$name: no 'listening on port' line within 10 s"
    fi
    cat <&"$SRV_FD" >>"$WORK/$name.log" &
    SRV_DRAIN=$!
    BG_PIDS+=("$SRV_DRAIN")
    exec {SRV_FD}<&-
    SRV_PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' <<<"$ready")
    SRV_UDP=$(sed -n 's/.*UDP encapsulation port \([0-9]*\).*/\1/p' <<<"$ready")
    echo "$name: ready: $ready"
}

# wait_exit PID NAME: waits for a background process (each was started under
# `timeout`, so this is bounded) and fails unless it exited 0.
wait_exit() {
    local rc=0
    wait "$1" || rc=$?
    [ "$rc" = 0 ] || fail "$2 exited with $rc"
}

# expect FILE PATTERN WHAT: FILE contains the extended regex PATTERN.
expect() {
    grep -Eq -- "$2" "$1" || fail "$3: '$2' not found in $1"
}
