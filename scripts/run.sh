#!/usr/bin/env bash
# make run: PostgreSQL and Redis (found, started or installed), the four databases, a release
# build, then the five services on loopback until Ctrl-C. Safe to run again.
#
# Each service gets its settings below; a variable you export yourself wins (AUTH_LISTEN_ADDR,
# AUTH_DATABASE_URL, JWT_KEY_FILES, AUTH_URL, ...), and everything else you export (RUST_LOG,
# LOG_FORMAT, LLM_PROVIDER, LLM_BASE_URL, LLM_MODEL, LLM_API_KEY, ...) reaches every service.
# SEXTANT_DATA_DIR (default ./data) holds keys/, files/ and logs/. The browser app is built from
# frontend/ (npm ci, next build) and served by the gateway at its root; FRONTEND_DIR set to an
# export of your own skips that build.
# For the browser tests (scripts/e2e.sh): SEXTANT_PROFILE=debug runs the debug build and
# SEXTANT_DB_PREFIX (default sextant) names the databases.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SEXTANT_ROOT"

SERVICES=(auth-service session-service file-service agent-service gateway)
STARTED=()              # services started by this run, in order
declare -A PID_OF=()    # service name -> pid
declare -A ADDR_OF=()   # service name -> listen address

# Prints an address to connect to for listen address HOST:PORT (wildcards become loopback).
connect_addr() {
    local host=${1%:*} port=${1##*:}
    case $host in
    "" | 0.0.0.0) host=127.0.0.1 ;;
    "[::]") host="[::1]" ;;
    esac
    printf '%s:%s' "$host" "$port"
}

# Refuses to go on if a listen address is taken, naming the port and, when it can, its owner.
check_ports() {
    local name addr hostport host port owner prefix
    for name in "${SERVICES[@]}"; do
        prefix=${name%%-*}
        addr=${ADDR_OF[$name]}
        hostport=$(connect_addr "$addr")
        host=${hostport%:*} port=${hostport##*:}
        host=${host#[} host=${host%]}
        # shellcheck disable=SC2016 # expanded by the inner bash
        if timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null; then
            owner=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:.*' | head -1 || true)
            die "port $port ($name, $addr) is already in use${owner:+ by $owner}. Is a previous 'make run' still going? Stop it (Ctrl-C in its terminal) or set ${prefix^^}_LISTEN_ADDR."
        fi
    done
}

print_log_tail() {
    local name=$1 lines=${2:-40}
    printf '\n----- last %s lines of %s -----\n' "$lines" "$LOG_DIR/$name.log" >&2
    tail -n "$lines" "$LOG_DIR/$name.log" >&2 2>/dev/null || true
    printf -- '-----\n' >&2
}

# Fails (after showing its log) if a service this run started has exited.
check_children() {
    local name status
    for name in "${STARTED[@]}"; do
        if ! kill -0 "${PID_OF[$name]}" 2>/dev/null; then
            status=0
            wait "${PID_OF[$name]}" 2>/dev/null || status=$?
            unset "PID_OF[$name]"
            print_log_tail "$name"
            die "$name exited (status $status); stopping the others"
        fi
    done
}

stop_all() {
    # A second Ctrl-C must not cut the shutdown short, and neither may a closed terminal or
    # pipe (`make run | tee log`: tee dies with the same Ctrl-C, and writing to it would
    # kill this script before it stops the services).
    trap '' HUP INT TERM PIPE
    set +e
    if stop_children; then
        say "all services stopped (logs in $LOG_DIR)"
    fi
    if ((SEXTANT_STARTED_POSTGRES || SEXTANT_STARTED_REDIS)); then
        say "PostgreSQL/Redis started by this run are left running (shared system services)"
    fi
}

# --- settings (a value you exported wins) --------------------------------------------------
: "${AUTH_LISTEN_ADDR:=127.0.0.1:8000}"
: "${SESSION_LISTEN_ADDR:=127.0.0.1:8001}"
: "${FILE_LISTEN_ADDR:=127.0.0.1:8002}"
: "${AGENT_LISTEN_ADDR:=127.0.0.1:8005}"
: "${GATEWAY_LISTEN_ADDR:=127.0.0.1:8003}"
: "${AGENT_METRICS_ADDR:=127.0.0.1:9005}"
: "${AUTH_URL:=http://$(connect_addr "$AUTH_LISTEN_ADDR")}"
: "${SESSION_URL:=http://$(connect_addr "$SESSION_LISTEN_ADDR")}"
: "${FILE_URL:=http://$(connect_addr "$FILE_LISTEN_ADDR")}"
: "${AGENT_URL:=http://$(connect_addr "$AGENT_LISTEN_ADDR")}"
ADDR_OF=([auth-service]=$AUTH_LISTEN_ADDR [session-service]=$SESSION_LISTEN_ADDR
    [file-service]=$FILE_LISTEN_ADDR [agent-service]=$AGENT_LISTEN_ADDR [gateway]=$GATEWAY_LISTEN_ADDR)
GATEWAY_HTTP=http://$(connect_addr "$GATEWAY_LISTEN_ADDR")

DATA_DIR=${SEXTANT_DATA_DIR:-data}
mkdir -p "$DATA_DIR/keys" "$DATA_DIR/files" "$DATA_DIR/logs"
DATA_DIR=$(cd "$DATA_DIR" && pwd)
chmod 700 "$DATA_DIR/keys"
LOG_DIR=$DATA_DIR/logs

trap 'exit 129' HUP
trap 'exit 0' INT # Ctrl-C is how a run is meant to end
trap 'exit 143' TERM
trap stop_all EXIT

# --- prerequisites -------------------------------------------------------------------------
check_ports # before a long build, and again before starting
cargo_env
ensure_postgres
ensure_redis
DB=${SEXTANT_DB_PREFIX:-sextant}
for db in "${DB}_auth" "${DB}_session" "${DB}_file" "${DB}_agent"; do ensure_database "$db"; done
: "${AUTH_DATABASE_URL:=$(pg_url_for "${DB}_auth")}"
: "${SESSION_DATABASE_URL:=$(pg_url_for "${DB}_session")}"
: "${FILE_DATABASE_URL:=$(pg_url_for "${DB}_file")}"
: "${AGENT_DATABASE_URL:=$(pg_url_for "${DB}_agent")}"
: "${FILE_STORAGE_DIR:=$DATA_DIR/files}"

if [[ -z ${FRONTEND_DIR:-} ]]; then
    build_frontend
    FRONTEND_DIR=$SEXTANT_FRONTEND/out
fi

case ${SEXTANT_PROFILE:-release} in
release)
    say "building release binaries (the first build takes a while)"
    cargo build --release --workspace --bins
    BIN=$CARGO_TARGET_DIR/release
    ;;
debug)
    say "building debug binaries"
    cargo build --workspace --bins
    BIN=$CARGO_TARGET_DIR/debug
    ;;
*) die "SEXTANT_PROFILE must be release or debug, not '$SEXTANT_PROFILE'" ;;
esac
for name in "${SERVICES[@]}"; do
    [[ -x $BIN/$name ]] || die "the build produced no $BIN/$name"
done

if [[ -z ${JWT_KEY_FILES:-} ]]; then
    JWT_KEY_FILES=$DATA_DIR/keys/jwt-ed25519.pem
    if [[ ! -e $JWT_KEY_FILES ]]; then
        say "generating the JWT signing key $JWT_KEY_FILES"
        "$BIN/auth-service" keygen "$JWT_KEY_FILES"
    fi
fi

# --- services --------------------------------------------------------------------------------
# Database migrations are run by each service at start-up.
start_service() { # NAME VAR=VALUE...
    local name=$1 log=$LOG_DIR/$1.log
    shift
    [[ -e $log ]] && mv -f "$log" "$log.1"
    # A session of its own: a Ctrl-C in the terminal reaches only this script, which then stops
    # every service in turn (SIGTERM, then SIGKILL) instead of racing their own exits.
    # NO_COLOR: the logs are files, so no terminal colour codes in them.
    setsid env NO_COLOR="${NO_COLOR:-1}" "$@" "$BIN/$name" </dev/null >"$log" 2>&1 &
    PID_OF[$name]=$!
    STARTED+=("$name")
    say "started $name on ${ADDR_OF[$name]} (pid $!)"
}

check_ports
start_service auth-service AUTH_LISTEN_ADDR="$AUTH_LISTEN_ADDR" \
    AUTH_DATABASE_URL="$AUTH_DATABASE_URL" JWT_KEY_FILES="$JWT_KEY_FILES"
start_service session-service SESSION_LISTEN_ADDR="$SESSION_LISTEN_ADDR" \
    SESSION_DATABASE_URL="$SESSION_DATABASE_URL" REDIS_URL="$REDIS_URL" AUTH_URL="$AUTH_URL" \
    FILE_URL="$FILE_URL" AGENT_URL="$AGENT_URL"
start_service file-service FILE_LISTEN_ADDR="$FILE_LISTEN_ADDR" \
    FILE_DATABASE_URL="$FILE_DATABASE_URL" REDIS_URL="$REDIS_URL" AUTH_URL="$AUTH_URL" \
    SESSION_URL="$SESSION_URL" FILE_STORAGE_DIR="$FILE_STORAGE_DIR"
start_service agent-service AGENT_LISTEN_ADDR="$AGENT_LISTEN_ADDR" \
    AGENT_DATABASE_URL="$AGENT_DATABASE_URL" REDIS_URL="$REDIS_URL" AUTH_URL="$AUTH_URL" \
    SESSION_URL="$SESSION_URL" FILE_URL="$FILE_URL" AGENT_METRICS_ADDR="$AGENT_METRICS_ADDR"
start_service gateway GATEWAY_LISTEN_ADDR="$GATEWAY_LISTEN_ADDR" AUTH_URL="$AUTH_URL" \
    SESSION_URL="$SESSION_URL" FILE_URL="$FILE_URL" AGENT_URL="$AGENT_URL" FRONTEND_DIR="$FRONTEND_DIR"

# --- ready? ----------------------------------------------------------------------------------
ready_timeout=${SEXTANT_READY_TIMEOUT:-60}
deadline=$((SECONDS + ready_timeout))
until curl -fsS --max-time 2 -o /dev/null "$GATEWAY_HTTP/readyz" 2>/dev/null; do
    check_children
    if ((SECONDS >= deadline)); then
        for name in "${STARTED[@]}"; do print_log_tail "$name" 15; done
        answer=$(curl -sS --max-time 2 "$GATEWAY_HTTP/readyz" 2>&1 || true)
        die "not ready after ${ready_timeout}s: $GATEWAY_HTTP/readyz answered: ${answer:-nothing}"
    fi
    sleep 0.5
done

cat <<EOF

  Sextant is running. Open $GATEWAY_HTTP/ in your browser.

    web app        $GATEWAY_HTTP/
    API (gateway)  $GATEWAY_HTTP/api/v1/gateway
    health         $GATEWAY_HTTP/healthz   ready: $GATEWAY_HTTP/readyz   metrics: $GATEWAY_HTTP/metrics
                   the agent's metrics (model calls, breaker, tokens, cost): http://$(connect_addr "$AGENT_METRICS_ADDR")/metrics
    logs           $LOG_DIR/<service>.log
    PostgreSQL     $(redact_url "$PG_SERVER_URL")   Redis: $(redact_url "$REDIS_URL")

  Ctrl-C to stop.

EOF

# --- run until Ctrl-C or until a service dies -------------------------------------------------
while :; do
    check_children
    sleep 1
done
