#!/usr/bin/env bash
# The browser end-to-end tests: starts the whole stack with run.sh (debug build, databases of
# their own, spare ports, a fresh data directory), drives Debian's Chromium against it with
# playwright-core (frontend/e2e/), then stops the stack. Screenshots go to
# $SEXTANT_SCREENSHOTS (default frontend/e2e/screenshots), the stack's logs to $E2E_DIR/logs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SEXTANT_ROOT"

ensure_chromium
ensure_node_modules
ensure_postgres

: "${SEXTANT_E2E_PORT_BASE:=18000}"
E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sextant-e2e.XXXXXX")
GATEWAY=http://127.0.0.1:$((SEXTANT_E2E_PORT_BASE + 3))
export SEXTANT_SCREENSHOTS=${SEXTANT_SCREENSHOTS:-$SEXTANT_FRONTEND/e2e/screenshots}
mkdir -p "$SEXTANT_SCREENSHOTS"
rm -f "$SEXTANT_SCREENSHOTS"/*.png # this run's screenshots only

# A clean slate: the databases of an earlier run are dropped (run.sh creates them again).
for db in auth session file agent; do
    psql -X -q -v ON_ERROR_STOP=1 -d "$PG_SERVER_URL" -c "drop database if exists sextant_e2e_$db with (force)" >/dev/null
done

STACK_PID=
stop_stack() {
    trap '' INT TERM
    if [[ -n $STACK_PID ]] && kill -0 "$STACK_PID" 2>/dev/null; then
        # run.sh stops its services on TERM (a background job ignores INT).
        kill -TERM "$STACK_PID" 2>/dev/null || true
        wait "$STACK_PID" 2>/dev/null || true
    fi
}
trap stop_stack EXIT

say "starting the stack for the browser tests (log: $E2E_DIR/stack.log)"
setsid env SEXTANT_PROFILE=debug SEXTANT_DB_PREFIX=sextant_e2e SEXTANT_DATA_DIR="$E2E_DIR" \
    AUTH_LISTEN_ADDR=127.0.0.1:$SEXTANT_E2E_PORT_BASE \
    SESSION_LISTEN_ADDR=127.0.0.1:$((SEXTANT_E2E_PORT_BASE + 1)) \
    FILE_LISTEN_ADDR=127.0.0.1:$((SEXTANT_E2E_PORT_BASE + 2)) \
    GATEWAY_LISTEN_ADDR=127.0.0.1:$((SEXTANT_E2E_PORT_BASE + 3)) \
    AGENT_LISTEN_ADDR=127.0.0.1:$((SEXTANT_E2E_PORT_BASE + 5)) \
    LLM_PROVIDER=offline OFFLINE_WORD_PAUSE_MS=60 \
    bash scripts/run.sh >"$E2E_DIR/stack.log" 2>&1 &
STACK_PID=$!

deadline=$((SECONDS + ${SEXTANT_E2E_START_TIMEOUT:-1800}))
until grep -q 'Sextant is running' "$E2E_DIR/stack.log"; do
    if ! kill -0 "$STACK_PID" 2>/dev/null; then
        tail -n 40 "$E2E_DIR/stack.log" >&2
        die "the stack stopped before it was ready (log: $E2E_DIR/stack.log)"
    fi
    ((SECONDS < deadline)) || die "the stack was not ready in time (log: $E2E_DIR/stack.log)"
    sleep 1
done
say "stack ready at $GATEWAY/"

status=0
(cd "$SEXTANT_FRONTEND" && SEXTANT_URL=$GATEWAY npm run e2e) || status=$?
if ((status != 0)); then
    for log in "$E2E_DIR"/logs/*.log; do
        printf '\n----- last lines of %s -----\n' "$log" >&2
        tail -n 20 "$log" >&2
    done
    die "the browser tests failed (screenshots in $SEXTANT_SCREENSHOTS, logs in $E2E_DIR/logs)"
fi
say "browser tests passed (screenshots in $SEXTANT_SCREENSHOTS)"
