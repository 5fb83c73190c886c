#!/usr/bin/env bash
# make bench: the benchmark of DESIGN.md section 9 (issue #3), recorded in BENCHMARKS.md.
#
# Builds the release binaries, starts the five services on their own ports (18000-18005) with
# their own databases (sextant_bench_*, dropped and recreated so runs compare), Redis key
# prefix and data directory, waits until the gateway is ready, runs `sextant-bench run` and
# stops everything it started. Flags go to sextant-bench (`bash scripts/bench.sh --help`):
#
#   make bench BENCH_ARGS='--rate 1000 --duration 10s --csv-size 100M'   # a quick run
#   bash scripts/bench.sh --parts overhead,rate                            # skip the 1 GB CSV
#   bash scripts/bench.sh --parts checkpoint,chat,analyst,agent --streams 200    # the agent's parts
#
# The chat part holds one connection per stream (1,000 by default) in the gateway and in
# sextant-bench: the soft limit of open files is raised to the hard limit for everything
# started here, and the run stops at once when that is still too few.
#
# Settings: SEXTANT_BENCH_DIR (default $CARGO_TARGET_DIR/bench: logs/, the key, stored files
# and the generated CSV, which is deleted afterwards), SEXTANT_BENCH_PORT_BASE (18000),
# SEXTANT_BENCH_OUTPUT (BENCHMARKS.md at the repository root), SEXTANT_BENCH_NO_BUILD=1 (run the
# release binaries already built, e.g. to measure the same build again).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SEXTANT_ROOT"

for arg in "$@"; do
    case $arg in
    -h | --help)
        cargo_env
        if [[ -x $CARGO_TARGET_DIR/release/sextant-bench ]]; then
            "$CARGO_TARGET_DIR/release/sextant-bench" run --help
        else
            cargo run --quiet --release -p sextant-bench -- run --help
        fi
        exit 0
        ;;
    esac
done

SERVICES=(auth-service session-service file-service agent-service gateway)
# Open files the chat part needs besides one per stream (every process's own files,
# connections to PostgreSQL, Redis and the other services).
SPARE_FILES=512
declare -A PID_OF=()
PORT_BASE=${SEXTANT_BENCH_PORT_BASE:-18000}
AUTH_ADDR=127.0.0.1:$PORT_BASE
SESSION_ADDR=127.0.0.1:$((PORT_BASE + 1))
FILE_ADDR=127.0.0.1:$((PORT_BASE + 2))
GATEWAY_ADDR=127.0.0.1:$((PORT_BASE + 3))
AGENT_ADDR=127.0.0.1:$((PORT_BASE + 5))
REDIS_PREFIX="sextant-bench:"
OUTPUT=${SEXTANT_BENCH_OUTPUT:-$SEXTANT_ROOT/BENCHMARKS.md}

stop_all() {
    trap '' HUP INT TERM PIPE
    set +e
    stop_children
    # The generated CSV and the stored copies are large; the logs stay.
    if [[ -n ${BENCH_DIR:-} ]]; then
        rm -rf "$BENCH_DIR/files" "$BENCH_DIR/scratch" "$BENCH_DIR"/*.csv
        say "logs in $BENCH_DIR/logs"
    fi
    clear_redis_keys
}

clear_redis_keys() {
    [[ -n ${REDIS_URL:-} ]] || return 0
    redis-cli --no-auth-warning -u "$REDIS_URL" --scan --pattern "${REDIS_PREFIX}*" 2>/dev/null |
        xargs -r -n 500 redis-cli --no-auth-warning -u "$REDIS_URL" del >/dev/null 2>&1 || true
}

# shellcheck disable=SC2016 # expanded by the inner bash
port_in_use() { timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

check_children() {
    local name status
    for name in "${!PID_OF[@]}"; do
        if ! kill -0 "${PID_OF[$name]}" 2>/dev/null; then
            status=0
            wait "${PID_OF[$name]}" 2>/dev/null || status=$?
            unset "PID_OF[$name]"
            tail -n 30 "$BENCH_DIR/logs/$name.log" >&2 || true
            die "$name exited (status $status); its log: $BENCH_DIR/logs/$name.log"
        fi
    done
}

# Prints how many open files the run needs: one per chat stream (when the chat part runs) and
# the spare ones. Reads --streams and --parts from the flags given to sextant-bench.
files_needed() {
    local streams=1000 parts="" i args=("$@")
    for ((i = 0; i < ${#args[@]}; i++)); do
        case ${args[i]} in
        --streams) streams=${args[i + 1]:-} ;;
        --streams=*) streams=${args[i]#*=} ;;
        --parts) parts=${args[i + 1]:-} ;;
        --parts=*) parts=${args[i]#*=} ;;
        esac
    done
    [[ $streams =~ ^[0-9]+$ ]] || die "--streams must be a number, not '$streams'"
    if [[ -n $parts && ,$parts, != *,chat,* ]]; then streams=0; fi
    echo $((streams + SPARE_FILES))
}

# Raises the soft limit of open files of this shell (and so of everything it starts) to the
# hard limit, and stops when it is still below NEEDED.
raise_open_files() {
    local needed=$1 hard soft
    hard=$(ulimit -Hn)
    [[ $hard == unlimited ]] && hard=1048576
    ulimit -Sn "$hard" 2>/dev/null || true
    soft=$(ulimit -Sn)
    [[ $soft == unlimited ]] && return 0
    if ((soft < needed)); then
        die "this run needs $needed open files per process (a connection per chat stream) but may open only $soft (hard limit $(ulimit -Hn)). Raise the hard limit (e.g. 'ulimit -Hn $needed' as root, or nofile in /etc/security/limits.conf), or ask for fewer streams: --streams N."
    fi
    say "open files: up to $soft per process (this run needs $needed)"
}

trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap stop_all EXIT

for addr in "$AUTH_ADDR" "$SESSION_ADDR" "$FILE_ADDR" "$GATEWAY_ADDR" "$AGENT_ADDR"; do
    port_in_use "${addr##*:}" && die "port ${addr##*:} is in use (a benchmark already running?). Set SEXTANT_BENCH_PORT_BASE to use other ports."
done

needed_files=$(files_needed "$@") || exit 1
raise_open_files "$needed_files"
cargo_env
ensure_postgres
ensure_redis

BENCH_DIR=${SEXTANT_BENCH_DIR:-$CARGO_TARGET_DIR/bench}
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
rm -rf "$BENCH_DIR/files" "$BENCH_DIR/scratch" "$BENCH_DIR/keys" "$BENCH_DIR/logs" "$BENCH_DIR"/*.csv
mkdir -p "$BENCH_DIR/files" "$BENCH_DIR/scratch" "$BENCH_DIR/keys" "$BENCH_DIR/logs"
chmod 700 "$BENCH_DIR/keys"
clear_redis_keys

declare -A DB_URL=()
for svc in auth session file agent; do
    db=sextant_bench_$svc
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -d "$PG_SERVER_URL" \
        -c "drop database if exists \"$db\" with (force)" -c "create database \"$db\"" >/dev/null ||
        die "could not recreate database $db on $(redact_url "$PG_SERVER_URL")"
    DB_URL[$svc]=$(pg_url_for "$db")
done
say "databases sextant_bench_{auth,session,file,agent} recreated"

if [[ ${SEXTANT_BENCH_NO_BUILD:-0} == 1 ]]; then
    say "using the release binaries already built (SEXTANT_BENCH_NO_BUILD=1)"
else
    say "building release binaries"
    cargo build --release --workspace --bins
fi
BIN=$CARGO_TARGET_DIR/release
for name in "${SERVICES[@]}" sextant-bench; do
    [[ -x $BIN/$name ]] || die "the build produced no $BIN/$name"
done

KEY=$BENCH_DIR/keys/jwt-ed25519.pem
"$BIN/auth-service" keygen "$KEY" >/dev/null

start_service() { # NAME VAR=VALUE...
    local name=$1
    shift
    setsid env NO_COLOR=1 "$@" "$BIN/$name" </dev/null >"$BENCH_DIR/logs/$name.log" 2>&1 &
    PID_OF[$name]=$!
}

start_service auth-service AUTH_LISTEN_ADDR="$AUTH_ADDR" AUTH_DATABASE_URL="${DB_URL[auth]}" \
    JWT_KEY_FILES="$KEY"
start_service session-service SESSION_LISTEN_ADDR="$SESSION_ADDR" \
    SESSION_DATABASE_URL="${DB_URL[session]}" REDIS_URL="$REDIS_URL" SESSION_REDIS_PREFIX="$REDIS_PREFIX" \
    AUTH_URL="http://$AUTH_ADDR" FILE_URL="http://$FILE_ADDR" AGENT_URL="http://$AGENT_ADDR"
start_service file-service FILE_LISTEN_ADDR="$FILE_ADDR" FILE_DATABASE_URL="${DB_URL[file]}" \
    REDIS_URL="$REDIS_URL" FILE_REDIS_PREFIX="$REDIS_PREFIX" AUTH_URL="http://$AUTH_ADDR" \
    SESSION_URL="http://$SESSION_ADDR" FILE_STORAGE_DIR="$BENCH_DIR/files"
start_service agent-service AGENT_LISTEN_ADDR="$AGENT_ADDR" AGENT_DATABASE_URL="${DB_URL[agent]}" \
    REDIS_URL="$REDIS_URL" AGENT_REDIS_PREFIX="$REDIS_PREFIX" AUTH_URL="http://$AUTH_ADDR" \
    SESSION_URL="http://$SESSION_ADDR" FILE_URL="http://$FILE_ADDR"
start_service gateway GATEWAY_LISTEN_ADDR="$GATEWAY_ADDR" AUTH_URL="http://$AUTH_ADDR" \
    SESSION_URL="http://$SESSION_ADDR" FILE_URL="http://$FILE_ADDR" AGENT_URL="http://$AGENT_ADDR"
say "started ${!PID_OF[*]} on ports $PORT_BASE-$((PORT_BASE + 5)) (logs in $BENCH_DIR/logs)"

deadline=$((SECONDS + 60))
until curl -fsS --max-time 2 -o /dev/null "http://$GATEWAY_ADDR/readyz" 2>/dev/null; do
    check_children
    ((SECONDS < deadline)) || die "not ready after 60s: $(curl -sS --max-time 2 "http://$GATEWAY_ADDR/readyz" 2>&1 || true)"
    sleep 0.5
done
say "ready"

# Redis serves every request of the overhead runs: its CPU is measured too when its pid is
# visible (a local server; not one in a container or on another host).
redis_port=$(sed -E 's#^[a-z]+://([^@/]*@)?[^:/]+:?([0-9]*).*#\2#' <<<"$REDIS_URL")
redis_pid=$(ss -Hltnp "sport = :${redis_port:-6379}" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)

command="make bench"
(($#)) && command+=" BENCH_ARGS='$*'"
revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git status --porcelain 2>/dev/null) ]] && revision+=" + uncommitted changes"

# As root the load generator runs at a higher priority, so that on a saturated 2-core machine
# its schedule is kept and its clocks read on time: its latencies are then the services'.
generator=("$BIN/sextant-bench")
notes=()
if is_root; then
    generator=(nice -n -10 "$BIN/sextant-bench")
    notes=(--note "the load generator ran at nice -10 (the services at 0), so that it keeps its schedule on a busy machine")
fi

"${generator[@]}" run "${notes[@]}" \
    --gateway-url "http://$GATEWAY_ADDR" --session-url "http://$SESSION_ADDR" \
    --gateway-pid "${PID_OF[gateway]}" --session-pid "${PID_OF[session-service]}" \
    --file-pid "${PID_OF[file-service]}" --agent-pid "${PID_OF[agent-service]}" \
    ${redis_pid:+--redis-pid "$redis_pid"} --agent-database-url "${DB_URL[agent]}" \
    --redis-url "$REDIS_URL" --redis-prefix "$REDIS_PREFIX" \
    --data-dir "$BENCH_DIR" --output "$OUTPUT" --command "$command" --revision "$revision" \
    --clock-ticks "$(getconf CLK_TCK)" "$@"
