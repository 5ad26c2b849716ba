#!/usr/bin/env bash
# bench/run.sh — the benchmark suite of issue 7 (see bench/README.md).
#
# Runs Tern (tools/tern perf), usrsctp (bench/usrsctp_perf) and plain UDP
# (bench/udp_perf) alternately, run by run, on the scenarios of issue 7 and
# writes a Markdown table (median and min–max of RUNS runs per figure, the
# Tern/usrsctp ratio as the median of the per-run ratios, Tern/limit where a
# UDP limit applies) and the raw runs as JSON.
#
#   bench/run.sh [BUILD_DIR] [--runs N] [--time T] [--out DIR] [--only G,G] [--json] [--smoke]
#
# BUILD_DIR (build/release): where tools/tern, bench/usrsctp_perf and bench/udp_perf are.
# Settings (options win over the environment):
#   RUNS=5            runs per figure             --runs N
#   TIME=5            seconds per bulk/rate/ping-pong run   --time T
#   SETUP_TIME=5      seconds per association setup run
#   SETUP_PARALLEL=16 associations in flight at once in the setup runs (both tools'
#                     --parallel; bench/README.md says why 16)
#   IDLE_ASSOCS=10000 associations of the idle-memory run
#   ONLY=             groups to run: bulk1500,bulklo,rate,pingpong,setup,idle (all)
#   OUT_DIR=bench/results (smoke: BUILD_DIR)       --out DIR
#   SCTP_PORT=5001 TERN_UDP_PORT=29899 USRSCTP_UDP_PORT=29898 UDP_PORT=29900
#                     (and UDP_PORT+1 for the UDP server without GRO)
# --smoke: every scenario once at tiny sizes (RUNS=1, --count 200, setup 0.2 s,
# 20 idle associations), the table into BUILD_DIR; exits 1 if a tool is not
# built, fails or reports verified false.
# --json: also print the raw runs' JSON on stdout at the end.
#
# A tool or mode that is missing or fails gives "n/a" in its cell, with the
# reason on stderr and under the table. Every process runs under `timeout`.
set -u -o pipefail

die() {
    echo "run.sh: $*" >&2
    exit 2
}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=""
SMOKE=0
JSON_OUT=0
OPT_RUNS="" OPT_TIME="" OPT_OUT="" OPT_ONLY=""
while [ $# -gt 0 ]; do
    case $1 in
    --runs) OPT_RUNS=${2:?}; shift ;;
    --time) OPT_TIME=${2:?}; shift ;;
    --out) OPT_OUT=${2:?}; shift ;;
    --only) OPT_ONLY=${2:?}; shift ;;
    --build) BUILD=${2:?}; shift ;;
    --json) JSON_OUT=1 ;;
    --smoke) SMOKE=1 ;;
    -h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) BUILD=$1 ;;
    esac
    shift
done
BUILD=${BUILD:-${BUILD_DIR:-build/release}}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -d "$BUILD" ] || die "no build directory $BUILD (make release, or pass BUILD_DIR)"

if [ $SMOKE = 1 ]; then
    RUNS=${OPT_RUNS:-1}
    TIME=${OPT_TIME:-0.2}
    COUNT=${COUNT:-200}
    SETUP_TIME=${SETUP_TIME:-0.2}
    IDLE_ASSOCS=${IDLE_ASSOCS:-20}
    OUT_DIR=${OPT_OUT:-$BUILD}
else
    RUNS=${OPT_RUNS:-${RUNS:-5}}
    TIME=${OPT_TIME:-${TIME:-5}}
    COUNT=""
    SETUP_TIME=${SETUP_TIME:-5}
    IDLE_ASSOCS=${IDLE_ASSOCS:-10000}
    OUT_DIR=${OPT_OUT:-${OUT_DIR:-$ROOT/bench/results}}
fi
ONLY=${OPT_ONLY:-${ONLY:-}}
SCTP_PORT=${SCTP_PORT:-5001}
TERN_UDP_PORT=${TERN_UDP_PORT:-29899}
USRSCTP_UDP_PORT=${USRSCTP_UDP_PORT:-29898}
UDP_PORT=${UDP_PORT:-29900}
UDP_NOGRO_PORT=$((UDP_PORT + 1))
HOST=127.0.0.1
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS: '$RUNS' is not a positive number"
[[ $TIME =~ ^[0-9]*\.?[0-9]+$ ]] || die "TIME: '$TIME' is not a number of seconds"
TIME_INT=$(awk -v t="$TIME" 'BEGIN { printf "%d", t + 0.999 }')
SETUP_INT=$(awk -v t="$SETUP_TIME" 'BEGIN { printf "%d", t + 0.999 }')
SETUP_PARALLEL=${SETUP_PARALLEL:-16}
[[ $SETUP_PARALLEL =~ ^[1-9][0-9]*$ ]] || die "SETUP_PARALLEL: '$SETUP_PARALLEL' is not a positive number"

declare -A BIN=([tern]=$BUILD/tools/tern [usrsctp]=$BUILD/bench/usrsctp_perf [udp]=$BUILD/bench/udp_perf)
declare -A PRE=([tern]=perf [usrsctp]="" [udp]="") # `tern perf client ...`
declare -A LABEL=([tern]=Tern [usrsctp]=usrsctp [udp]=UDP)
# The smoke run keeps the suite from rotting: every tool must be there
# (usrsctp_perf needs Debian's libusrsctp-dev, which scripts/install-deps.sh
# installs; the benchmarks need -DTERN_BENCH=ON, the default).
if [ $SMOKE = 1 ]; then
    for t in tern usrsctp udp; do
        if [ ! -x "${BIN[$t]}" ]; then
            echo "run.sh: smoke FAILED: ${BIN[$t]} is not built" >&2
            exit 1
        fi
    done
fi

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
mkdir -p "$OUT_DIR" || die "cannot create $OUT_DIR"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tern-bench.XXXXXX") || die "mktemp failed"
declare -A SRV_PID=() SRV_ERR=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    for k in "${!SRV_PID[@]}"; do kill "${SRV_PID[$k]}" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
: >"$WORK/runs.tsv"
: >"$WORK/errors.tsv"
: >"$WORK/raw.json"
FAILED=0
MICRO_FAILED=0

# ---- JSON: flatten one object into "path value" lines (awk: a fresh Debian has no jq) ----
flatten() {
    awk '
    { s = s $0 "\n" }
    END {
        n = length(s); depth = 0; key = ""
        for (i = 1; i <= n;) {
            c = substr(s, i, 1)
            if (c == "{") { stack[++depth] = key; key = ""; i++; continue }
            if (c == "}") { depth--; i++; continue }
            if (c == "\"") {
                str = ""
                for (j = i + 1; j <= n && (d = substr(s, j, 1)) != "\""; j++) {
                    if (d == "\\") { str = str substr(s, j, 2); j++ } else str = str d
                }
                i = j + 1
                for (k = i; substr(s, k, 1) ~ /[ \t\r\n]/; k++) ;
                if (substr(s, k, 1) == ":") { key = str; i = k + 1 } else emit(str)
                continue
            }
            if (c ~ /[-0-9tfn]/) {
                for (j = i; j <= n && substr(s, j, 1) ~ /[-+0-9.eEtrufalsn]/; j++) ;
                emit(substr(s, i, j - i)); i = j; continue
            }
            i++
        }
    }
    function emit(v,   p, q) {
        p = ""
        for (q = 2; q <= depth; q++) p = p stack[q] "."
        print p key, v
    }'
}
# jv FILE KEY: the value of KEY in a flattened file ("" if absent).
jv() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }

# ---- Servers -------------------------------------------------------------------------------
# start_server KEY TOOL ARGS...: starts `TOOL server ARGS` and waits (bounded)
# for its "listening" line; its output goes on to $WORK/KEY.log.
start_server() {
    local key=$1 tool=$2 line fd ok=0 lines=0
    shift 2
    SRV_ERR[$key]=""
    if [ ! -x "${BIN[$tool]}" ]; then
        SRV_ERR[$key]="${BIN[$tool]#"$ROOT"/} is not built"
        return 1
    fi
    # shellcheck disable=SC2086
    exec {fd}< <(exec timeout -k 2 "$SERVER_LIMIT" "${BIN[$tool]}" ${PRE[$tool]} server "$@" \
        2>>"$WORK/$key.err")
    SRV_PID[$key]=$!
    while [ $lines -lt 50 ] && IFS= read -r -t 10 -u "$fd" line; do
        lines=$((lines + 1))
        printf '%s\n' "$line" >>"$WORK/$key.log"
        case $line in *listening*) ok=1; break ;; esac
    done
    if [ $ok = 1 ]; then
        cat <&"$fd" >>"$WORK/$key.log" &
        exec {fd}<&-
        return 0
    fi
    exec {fd}<&-
    kill "${SRV_PID[$key]}" 2>/dev/null
    unset 'SRV_PID[$key]'
    SRV_ERR[$key]="server did not start: $(grep -v '^$' "$WORK/$key.err" 2>/dev/null | head -n 1)"
    return 1
}

# What the servers said on stderr goes to ours; a sanitizer report fails the smoke.
server_stderr() {
    local f
    for f in "$WORK"/*.err; do
        [ -s "$f" ] || continue
        grep -q -E "ERROR: [A-Za-z]*Sanitizer|runtime error:" "$f" && FAILED=1
        echo "run.sh: the $(basename "$f" .err) server said:" >&2
        tail -n 20 "$f" | sed 's/^/    /' >&2
        : >"$f"
    done
}

stop_servers() { # and wait for them (timeout -k 2: at most 2 s), so their ports are free
    for k in "${!SRV_PID[@]}"; do kill "${SRV_PID[$k]}" 2>/dev/null; done
    for k in "${!SRV_PID[@]}"; do wait "${SRV_PID[$k]}" 2>/dev/null; done
    server_stderr
    SRV_PID=()
    SRV_ERR=()
}

# The server a job needs: KEY is the tool (+ "_nogro" for UDP without GRO).
# Started once per group (or per run with FRESH=1); restarted if it died.
ensure_server() {
    local key=$1 tool=${1%_nogro}
    if [ -n "${SRV_PID[$key]:-}" ] && kill -0 "${SRV_PID[$key]}" 2>/dev/null; then return 0; fi
    if [ -n "${SRV_PID[$key]:-}" ]; then
        echo "run.sh: the $key server died; restarting (its stderr follows at the end of the group)" >&2
        unset 'SRV_PID[$key]'
    elif [ -n "${SRV_ERR[$key]:-}" ]; then
        return 1 # it failed to start in this group: do not retry every run
    fi
    # shellcheck disable=SC2086 # SRV_ARGS: words
    case $key in
    tern) start_server tern tern --port "$SCTP_PORT" --udp-port "$TERN_UDP_PORT" --json $SRV_ARGS ;;
    usrsctp) start_server usrsctp usrsctp --port "$SCTP_PORT" --udp-port "$USRSCTP_UDP_PORT" \
        --json $SRV_ARGS ;;
    udp) start_server udp udp --udp-port "$UDP_PORT" --json ;;
    udp_nogro) start_server udp_nogro udp --udp-port "$UDP_NOGRO_PORT" --no-gro --json ;;
    esac
}

# ---- Runs ----------------------------------------------------------------------------------
declare -a ROW_IDS=()
declare -A ROW_TITLE=() ROW_LIMIT=() ROW_FMT=()
# row ID TITLE FORMAT [LIMIT]: a table row; LIMIT: the row whose UDP figure
# is this row's limit ("self": the UDP column of this row, run by run).
row() {
    ROW_IDS+=("$1")
    ROW_TITLE[$1]=$2
    ROW_FMT[$1]=$3
    ROW_LIMIT[$1]=${4:-}
}

note() { # note ROW TOOL REASON: why a cell lacks a figure (first reason per cell kept)
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$WORK/errors.tsv"
    echo "run.sh: ${ROW_TITLE[$1]:-$1}, ${LABEL[$2]} run $RUN: $3" >&2
}

# job TOOL SERVER_KEY "CLIENT ARGS" ROW=KEY... : one client run; each ROW gets
# the JSON value KEY (or a computed figure: cpu_per_gb) or NA.
job() {
    local tool=$1 skey=$2 cargs=$3 limit reason="" rc=0 figs
    shift 3
    figs=("$@")
    local out=$WORK/client.out err=$WORK/client.stderr flat=$WORK/client.flat
    : >"$out"
    : >"$err"
    case $cargs in
    *--mode\ idle*) limit=$((IDLE_ASSOCS / 20 + 60)) ;;
    *--mode\ setup*) limit=$((SETUP_INT * 3 + 30)) ;;
    *) limit=$((TIME_INT * 3 + 30)) ;;
    esac
    local rport
    case $skey in
    tern) rport=$TERN_UDP_PORT ;; usrsctp) rport=$USRSCTP_UDP_PORT ;;
    udp) rport=$UDP_PORT ;; udp_nogro) rport=$UDP_NOGRO_PORT ;;
    esac
    if [ ! -x "${BIN[$tool]}" ]; then
        reason="${BIN[$tool]#"$ROOT"/} is not built"
        rc=127
    elif ! ensure_server "$skey"; then
        reason=${SRV_ERR[$skey]}
        rc=126
    else
        local port=()
        [ "$tool" != udp ] && port=(--port "$SCTP_PORT")
        # shellcheck disable=SC2086
        timeout -k 2 "$limit" "${BIN[$tool]}" ${PRE[$tool]} client "$HOST" "${port[@]}" \
            --remote-udp-port "$rport" $cargs --json >"$out" 2>"$err"
        rc=$?
    fi
    flatten <"$out" >"$flat"
    local verified
    verified=$(jv "$flat" verified)
    if [ -z "$reason" ]; then
        if [ $rc = 124 ] || [ $rc = 137 ]; then
            reason="timed out after ${limit} s"
        elif [ $rc != 0 ]; then
            local pick="tail -n 1" # usage errors (exit 2) say what on their first line
            [ $rc = 2 ] && pick="head -n 1"
            reason="exit $rc: $(grep -v '^$' "$err" | $pick)"
        elif [ "$verified" != true ]; then
            reason="verified is ${verified:-absent}: $(grep -v '^$' "$err" | tail -n 1)"
        fi
    fi
    JOB_REASON=$reason JOB_RC=$rc # for run_group
    # Raw run, as JSON.
    local result=null # the tool's JSON object, on one line
    if [ -n "$verified" ] && [ "$(tr -d " \n" <"$out" | cut -c1)" = "{" ]; then
        result=$(tr "\n\t" "  " <"$out")
    fi
    {
        printf '{"group": "%s", "run": %d, "tool": "%s", "args": "%s", "rc": %d, "error": ' \
            "$GROUP" "$RUN" "$tool" "$cargs" "$rc"
        if [ -n "$reason" ]; then
            printf '"%s"' "$(printf '%s' "$reason" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr -d '\n\t')"
        else printf null; fi
        printf ', "result": %s}\n' "$result"
    } >>"$WORK/raw.json"
    local f r k v
    for f in "${figs[@]}"; do
        r=${f%%=*}
        k=${f#*=}
        v=""
        if [ -z "$reason" ]; then
            case $k in
            cpu_per_gb)
                v=$(awk -v c="$(jv "$flat" client.cpu_s)" -v s="$(jv "$flat" server.cpu_s)" \
                    -v b="$(jv "$flat" bytes)" \
                    'BEGIN { if (c != "" && s != "" && b > 0) printf "%.6g", (c + s) / (b / 1e9) }')
                ;;
            *) v=$(jv "$flat" "$k") ;;
            esac
            [ -z "$v" ] && note "$r" "$tool" "no \"$k\" in its JSON"
        else
            note "$r" "$tool" "$reason"
        fi
        printf '%s\t%s\t%d\t%s\n' "$r" "$tool" "$RUN" "${v:-NA}" >>"$WORK/runs.tsv"
    done
}

want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

# The amount of one run: --time T, or in smoke mode --count N.
amount() { if [ -n "$COUNT" ]; then echo "--count $COUNT"; else echo "--time $TIME"; fi; }

SIZES="64 1024 16384 65536"
declare -A SIZE_NAME=([64]="64 B" [1024]="1 KiB" [16384]="16 KiB" [65536]="64 KiB")

# ---- The rows ------------------------------------------------------------------------------
for mtu in 1500 lo; do
    for s in $SIZES; do
        lim=udp_65000
        [ $mtu = 1500 ] && lim=udp_gso1452
        mt="loopback path MTU"
        [ $mtu = 1500 ] && mt="MTU 1500"
        row "bulk_${mtu}_$s" "bulk ${SIZE_NAME[$s]} messages, $mt (MB/s)" mb "$lim"
    done
    if [ $mtu = 1500 ]; then
        row udp_1452 "UDP limit: 1452-byte datagrams, sendmmsg (MB/s)" mb
        row udp_gso1452 "UDP limit: GSO 1452-byte segments, receiver without GRO (MB/s)" mb
        row udp_gso1452_gro "UDP limit: GSO 1452-byte segments, receiver with GRO (MB/s)" mb
    else
        row udp_65000 "UDP limit: 65,000-byte datagrams (MB/s)" mb
    fi
done
for st in 1 16; do
    for o in o u; do
        ot=ordered
        [ $o = u ] && ot=unordered
        row "rate_${st}_$o" "64 B messages, $st stream$([ $st = 1 ] || echo s), $ot (msg/s)" rate udp_64
    done
done
row udp_64 "UDP limit: 64-byte datagrams, sendmmsg (msg/s)" rate
row pp_p50 "ping-pong 64 B, p50 (µs)" us self
row pp_p99 "ping-pong 64 B, p99 (µs)" us self
row setup "association setups/s (connect, echo, close; $SETUP_PARALLEL in flight)" rate
row idle_client "memory per idle association, client (bytes)" rate
row idle_server "memory per idle association, server (bytes)" rate
for mtu in 1500 lo; do
    for s in $SIZES; do
        mt="loopback MTU"
        [ $mtu = 1500 ] && mt="MTU 1500"
        lim=cpu_udp_65000
        [ $mtu = 1500 ] && lim=cpu_udp_gso1452
        row "cpu_${mtu}_$s" "CPU s per GB, both sides: bulk ${SIZE_NAME[$s]}, $mt" cpu "$lim"
    done
done
row cpu_udp_1452 "CPU s per GB, both sides: UDP 1452-byte sendmmsg" cpu
row cpu_udp_gso1452 "CPU s per GB, both sides: UDP GSO 1452, no GRO" cpu
row cpu_udp_65000 "CPU s per GB, both sides: UDP 65,000-byte datagrams" cpu

# drop_run TOOL ROW=KEY...: forgets this run's figures of TOOL in those rows
# (before a second try).
drop_run() {
    local tool=$1 f
    shift
    for f in "$@"; do
        awk -F '\t' -v r="${f%%=*}" -v t="$tool" -v n="$RUN" \
            '!($1 == r && $2 == t && $3 == n)' "$WORK/runs.tsv" >"$WORK/runs.tmp"
        mv "$WORK/runs.tmp" "$WORK/runs.tsv"
    done
}

# ---- The groups: each runs RUNS times, jobs alternating tool by tool ------------------------
# run_group NAME SERVER_ARGS FRESH JOBS...: a job is "tool|server key|client args|row=key ...".
run_group() {
    GROUP=$1 SRV_ARGS=$2
    local fresh=$3 j tool skey cargs figs
    shift 3
    want "$GROUP" || return 0
    echo "run.sh: $GROUP: $# jobs x $RUNS runs" >&2
    SERVER_LIMIT=$((($# * RUNS + 2) * (TIME_INT * 3 + SETUP_INT + IDLE_ASSOCS / 20 + 60)))
    for ((RUN = 1; RUN <= RUNS; RUN++)); do
        for j in "$@"; do
            IFS='|' read -r tool skey cargs figs <<<"$j"
            # shellcheck disable=SC2086
            job "$tool" "$skey" "$cargs" $figs
            if [ -n "$JOB_REASON" ] && [ "$JOB_RC" != 127 ] && [ "$JOB_RC" != 126 ]; then
                # Once more with fresh servers: usrsctp's own threads crash
                # now and then under many setups at once (sctplab/usrsctp
                # issues 554, 697: sctp_common_input_processing locks a
                # NULL socket). The failure stays in the notes; this run's
                # figures come from the second try.
                echo "run.sh: ${LABEL[$tool]} run $RUN failed; once more with fresh servers" >&2
                stop_servers
                drop_run "$tool" $figs
                # shellcheck disable=SC2086
                job "$tool" "$skey" "$cargs" $figs
            fi
            # Smoke: a tool that is built must work (a missing one, 127, is skipped).
            [ -n "$JOB_REASON" ] && [ "$JOB_RC" != 127 ] && FAILED=1
            [ "$fresh" = 1 ] && stop_servers
        done
    done
    stop_servers
}

A=$(amount)
jobs=()
for s in $SIZES; do
    for t in tern usrsctp; do
        jobs+=("$t|$t|--size $s --mtu 1500 $A|bulk_1500_$s=mbytes_per_s cpu_1500_$s=cpu_per_gb")
    done
done
jobs+=("udp|udp|--size 1452 $A|udp_1452=mbytes_per_s cpu_udp_1452=cpu_per_gb"
    "udp|udp_nogro|--gso 1452 $A|udp_gso1452=mbytes_per_s cpu_udp_gso1452=cpu_per_gb"
    "udp|udp|--gso 1452 $A|udp_gso1452_gro=mbytes_per_s")
run_group bulk1500 "--mtu 1500" 0 "${jobs[@]}"

jobs=()
for s in $SIZES; do
    for t in tern usrsctp; do
        jobs+=("$t|$t|--size $s $A|bulk_lo_$s=mbytes_per_s cpu_lo_$s=cpu_per_gb")
    done
done
jobs+=("udp|udp|--size 65000 $A|udp_65000=mbytes_per_s cpu_udp_65000=cpu_per_gb")
run_group bulklo "" 0 "${jobs[@]}"

jobs=()
for st in 1 16; do
    for o in o u; do
        un=""
        [ $o = u ] && un=--unordered
        for t in tern usrsctp; do
            jobs+=("$t|$t|--size 64 --streams $st $un $A|rate_${st}_$o=messages_per_s")
        done
    done
done
jobs+=("udp|udp|--size 64 $A|udp_64=messages_per_s")
run_group rate "" 0 "${jobs[@]}"

jobs=()
for t in tern usrsctp udp; do
    jobs+=("$t|$t|--mode pingpong --size 64 --nodelay $A|pp_p50=p50_us pp_p99=p99_us")
done
run_group pingpong "" 0 "${jobs[@]}"

# A fresh server per run: a setup run leaves nothing behind for the next.
SETUP_ARGS="--mode setup --size 64 --time $SETUP_TIME --parallel $SETUP_PARALLEL"
run_group setup "" 1 "tern|tern|$SETUP_ARGS|setup=assocs_per_s" \
    "usrsctp|usrsctp|$SETUP_ARGS|setup=assocs_per_s"

# Idle memory: a fresh server per run, so its RSS growth is this run's.
run_group idle "" 1 \
    "tern|tern|--mode idle --assocs $IDLE_ASSOCS|idle_client=client_rss_per_assoc idle_server=server_rss_per_assoc" \
    "usrsctp|usrsctp|--mode idle --assocs $IDLE_ASSOCS|idle_client=client_rss_per_assoc idle_server=server_rss_per_assoc"

# ---- The table -----------------------------------------------------------------------------
DATE=$(date -u +%Y-%m-%d)
if [ $SMOKE = 1 ]; then
    MD=$OUT_DIR/bench-smoke.md JS=$OUT_DIR/bench-smoke.json
else
    MD=$OUT_DIR/$DATE.md JS=$OUT_DIR/$DATE.json
fi
for id in "${ROW_IDS[@]}"; do
    printf '%s\t%s\t%s\t%s\n' "$id" "${ROW_LIMIT[$id]}" "${ROW_FMT[$id]}" "${ROW_TITLE[$id]}"
done >"$WORK/rows.tsv"

# Statistics: per row and tool the median, min and max of the runs that
# worked; Tern/usrsctp the median of the per-run ratios; Tern/limit per run
# against this row's UDP run ("self"), else against the limit row's median.
table() {
    awk -F '\t' -v runs="$RUNS" -v smoke="$SMOKE" '
    function fmt(v, f) {
        if (f == "cpu" || f == "us") return v >= 100 ? sprintf("%.0f", v) : v >= 10 ? sprintf("%.1f", v) : sprintf("%.2f", v)
        if (v >= 100) return commas(sprintf("%.0f", v))
        return v >= 10 ? sprintf("%.1f", v) : sprintf("%.2f", v)
    }
    function ratio(x) { return sprintf(x >= 10 ? "%.1f×" : x >= 0.1 ? "%.2f×" : "%.3f×", x) }
    function commas(s,   r) {
        r = ""
        while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
        return s r
    }
    function median(a, n,   i, j, t) { # sorts a[1..n]
        for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function stats(r, t,   i, n, a) { # sets MED, MIN, MAX, N; returns N
        n = 0
        for (i = 1; i <= runs; i++) if ((r SUBSEP t SUBSEP i) in val) a[++n] = val[r, t, i]
        N = n
        if (n == 0) return 0
        MED = median(a, n); MIN = a[1]; MAX = a[n]
        return n
    }
    function cell(r, t, f,   s) {
        if (!stats(r, t)) return (r SUBSEP t) in tried ? "n/a" : ""
        s = fmt(MED, f)
        if (N > 1) s = s " (" fmt(MIN, f) "–" fmt(MAX, f) ")"
        if (N < tried[r, t]) s = s " [" N "/" tried[r, t] " runs]"
        return s
    }
    function pair_ratio(r, t, u,   i, n, a) {
        n = 0
        for (i = 1; i <= runs; i++)
            if ((r SUBSEP t SUBSEP i) in val && (r SUBSEP u SUBSEP i) in val && val[r, u, i] > 0)
                a[++n] = val[r, t, i] / val[r, u, i]
        if (n == 0) return ""
        return ratio(median(a, n))
    }
    FILENAME == ARGV[1] { nrow++; id[nrow] = $1; lim[$1] = $2; f[$1] = $3; title[$1] = $4; next }
    { tried[$1, $2]++; if ($4 != "NA" && $4 != "") val[$1, $2, $3] = $4 + 0 }
    BEGIN { limname["udp_gso1452"] = "GSO 1452"; limname["udp_65000"] = "65,000 B"; limname["udp_64"] = "64 B"
            limname["cpu_udp_gso1452"] = "GSO 1452"; limname["cpu_udp_65000"] = "65,000 B" }
    END {
        print "| figure | Tern | usrsctp | UDP limit | Tern/usrsctp | Tern/limit |"
        print "|---|---|---|---|---|---|"
        for (k = 1; k <= nrow; k++) {
            r = id[k]; ct = cell(r, "tern", f[r]); cu = cell(r, "usrsctp", f[r]); cl = cell(r, "udp", f[r])
            if (ct == "" && cu == "" && cl == "") continue # not run (--only)
            tu = pair_ratio(r, "tern", "usrsctp"); tl = ""
            if (lim[r] == "self") tl = pair_ratio(r, "tern", "udp")
            else if (lim[r] != "" && stats(r, "tern") && (t_med = MED) != "" && stats(lim[r], "udp") && MED > 0)
                tl = ratio(t_med / MED)
            if (lim[r] != "" && lim[r] != "self" && cl == "" && stats(lim[r], "udp"))
                cl = fmt(MED, f[r]) " (" limname[lim[r]] ")"
            printf "| %s | %s | %s | %s | %s | %s |\n", title[r], ct, cu, cl, tu, tl
        }
        if (!smoke) goals()
    }
    # The goals of issue 7, judged on the medians above ("?" where a figure is missing).
    function med(r, t) { return stats(r, t) ? MED : "" }
    function pr(r, t, u,   s) { s = pair_ratio(r, t, u); sub(/×/, "", s); return s }
    function goal(name, have, ok, need) {
        printf "| %s | %s | %s | %s |\n", name, need, have == "" ? "n/a" : have, have == "" ? "?" : ok ? "met" : "**not met**"
    }
    function goals(   a, b, l) {
        print ""
        print "## Goals of issue 7"
        print ""
        print "| goal | needed | measured | |"
        print "|---|---|---|---|"
        a = pr("bulk_1500_65536", "tern", "usrsctp")
        goal("bulk 64 KiB, MTU 1500 vs usrsctp", a == "" ? "" : a "×", a + 0 >= 10, "≥ 10×")
        b = med("bulk_1500_65536", "tern"); l = med("udp_gso1452", "udp")
        a = b != "" && l > 0 ? sprintf("%.0f%%", 100 * b / l) : ""
        goal("bulk 64 KiB, MTU 1500 vs UDP GSO 1452", a, l > 0 && b / l >= 0.6, "≥ 60%")
        b = med("bulk_lo_65536", "tern")
        goal("bulk 64 KiB, loopback path MTU", b == "" ? "" : commas(sprintf("%.0f", b)) " MB/s", b >= 3000, "≥ 3,000 MB/s")
        a = pr("bulk_1500_1024", "tern", "usrsctp")
        goal("1 KiB messages (MTU 1500) vs usrsctp", a == "" ? "" : a "×", a + 0 >= 10, "≥ 10×")
        a = pr("rate_1_o", "tern", "usrsctp")
        goal("64 B messages/s (1 stream, ordered) vs usrsctp", a == "" ? "" : a "×", a + 0 >= 10, "≥ 10×")
        a = pr("pp_p50", "tern", "udp")
        goal("ping-pong p50 vs UDP", a == "" ? "" : a "×", a + 0 <= 1.3, "≤ 1.3×")
        a = pr("setup", "tern", "usrsctp")
        goal("association setups/s vs usrsctp", a == "" ? "" : a "×", a + 0 >= 10, "≥ 10×")
        a = med("idle_client", "tern"); b = med("idle_server", "tern")
        goal("memory per idle association (client, server)", a == "" || b == "" ? "" : commas(sprintf("%.0f", a)) " B, " commas(sprintf("%.0f", b)) " B", a <= 4096 && b <= 4096, "≤ 4,096 B")
    }' "$WORK/rows.tsv" "$WORK/runs.tsv"
}

{
    cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
    echo "# Tern benchmarks, $DATE$([ $SMOKE = 1 ] && echo ' (smoke: tiny sizes, not figures)')"
    echo
    echo "- machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r)"
    echo "- commit: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
    if [ -n "$COUNT" ]; then amt="--count $COUNT messages per run"; else amt="$TIME s per run"; fi
    echo "- settings: RUNS=$RUNS, $amt, setup $SETUP_TIME s with $SETUP_PARALLEL in flight," \
        "$IDLE_ASSOCS idle associations," \
        "loopback ($HOST), build ${BUILD#"$ROOT"/}${ONLY:+, only $ONLY}"
    echo "- tools: Tern \`tools/tern perf\`, usrsctp \`bench/usrsctp_perf\` (libusrsctp, UDP" \
        "encapsulation), UDP \`bench/udp_perf\`; run alternately, run by run"
    echo "- cells: median (min–max) of the runs; Tern/usrsctp: the median of the per-run ratios;" \
        "Tern/limit: per run against UDP in the same row, else the median against the UDP limit" \
        "row (MTU 1500: GSO 1452 without GRO; loopback MTU: 65,000-byte datagrams; message" \
        "rate: 64-byte datagrams). Latency, memory and CPU: lower is better."
    echo "- MB = 10^6 bytes. Bulk figures are end to end as each tool reports them (UDP: what" \
        "the receiver got; UDP may drop, its loss is in the JSON)."
    echo
    table
    if [ -s "$WORK/errors.tsv" ]; then
        echo
        echo "## n/a and failed runs"
        echo
        awk -F '\t' 'FILENAME == ARGV[1] { title[$1] = $4; next }
            !(($1, $2) in seen) { seen[$1, $2] = 1; printf "- %s, %s: %s\n", title[$1], $2, $3 }' \
            "$WORK/rows.tsv" "$WORK/errors.tsv"
    fi
    # The micro-benchmarks (bench_*), folded in as they print.
    echo
    echo "## Micro-benchmarks"
    for b in "$BUILD"/bench/bench_*; do
        [ -x "$b" ] || continue
        echo
        echo "\`${b##*/}$([ $SMOKE = 1 ] && echo ' --quick')\`:"
        echo
        echo '```'
        if [ $SMOKE = 1 ]; then
            timeout -k 2 60 "$b" --quick 2>&1 || { echo "(failed: exit $?)"; FAILED=1; MICRO_FAILED=1; }
        else
            timeout -k 2 600 "$b" 2>&1 || { echo "(failed: exit $?)"; FAILED=1; MICRO_FAILED=1; }
        fi
        echo '```'
    done
} >"$WORK/table.md"
cp "$WORK/table.md" "$MD"
{
    echo "["
    sed '$!s/$/,/' "$WORK/raw.json"
    echo "]"
} >"$JS"
cat "$MD"
echo >&2
echo "run.sh: wrote ${MD#"$ROOT"/} and ${JS#"$ROOT"/}" >&2
[ $JSON_OUT = 1 ] && cat "$JS"
if [ $MICRO_FAILED = 1 ]; then
    echo "run.sh: a micro-benchmark (bench_*) FAILED" >&2
    exit 1
fi
if [ $SMOKE = 1 ] && [ $FAILED = 1 ]; then
    echo "run.sh: smoke FAILED: see the reasons above (and in ${MD#"$ROOT"/})" >&2
    exit 1
fi
exit 0
