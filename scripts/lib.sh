# shellcheck shell=bash disable=SC2034 # SEXTANT_* variables are read by the scripts that source this
# Helpers shared by the Sextant scripts (run.sh, test.sh, ...). Sourced, never run.
#
# ensure_postgres / ensure_redis find a server that answers (the user's DATABASE_URL / REDIS_URL
# first, then the usual local addresses), start or install a local one when they can, and
# otherwise say exactly what to run. They never stop a server: PostgreSQL and Redis are shared
# system services, so whoever started them here leaves them running.

set -euo pipefail

SEXTANT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Where the local servers are looked for and started. Not meant to be changed in normal use;
# the tests of these scripts point them at spare ports.
: "${SEXTANT_LOCAL_PG_PORT:=5432}"
: "${SEXTANT_LOCAL_REDIS_PORT:=6379}"
# Seconds to wait for a server that is starting.
: "${SEXTANT_SERVER_WAIT:=30}"

# Set to 1 when these helpers started a server themselves (callers say so when they stop).
SEXTANT_STARTED_POSTGRES=0
SEXTANT_STARTED_REDIS=0

say() { printf 'sextant: %s\n' "$*" >&2 || true; }
die() {
    printf 'sextant: error: %s\n' "$*" >&2
    exit 1
}
is_root() { [[ $(id -u) -eq 0 ]]; }

# Prints URL with its password replaced by ***, for messages (secrets never reach a log line).
redact_url() { sed -E 's#^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

# Prints URL (scheme://authority/db?query) with its database name replaced by DB.
url_with_db() {
    local url=$1 db=$2 query="" rest authority
    if [[ $url == *\?* ]]; then
        query="?${url#*\?}"
        url=${url%%\?*}
    fi
    rest=${url#*://}
    authority=${rest%%/*}
    printf '%s://%s/%s%s\n' "${url%%://*}" "$authority" "$db" "$query"
}

# Prints the URL of database DBNAME on the server ensure_postgres found.
pg_url_for() {
    [[ -n ${PG_SERVER_URL:-} ]] || die "pg_url_for: call ensure_postgres first"
    url_with_db "$PG_SERVER_URL" "$1"
}

# Installs Debian packages when root; returns 1 (installing nothing) otherwise.
apt_install() {
    is_root || return 1
    command -v apt-get >/dev/null || die "cannot install $* here: no apt-get (not Debian/Ubuntu)"
    say "installing $* with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

_pg_answers() { PGCONNECT_TIMEOUT=3 psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c 'select 1' >/dev/null 2>&1; }

# The local addresses tried after $DATABASE_URL: trust auth as postgres or root is usual on
# development machines; the sextant role is what _pg_create_role makes where it is not.
_pg_local_urls() {
    local port=$1
    printf '%s\n' \
        "postgres://postgres@127.0.0.1:$port/postgres" \
        "postgres://root@127.0.0.1:$port/postgres" \
        "postgres://sextant:sextant@127.0.0.1:$port/postgres"
}

# Sets and exports PG_SERVER_URL from the first URL that answers; returns 1 if none does.
_pg_pick() {
    local url server
    for url in "$@"; do
        [[ -n $url ]] || continue
        if _pg_answers "$url"; then
            # Prefer the maintenance database of that server; keep the URL as given if its
            # user may not connect there (CREATE DATABASE works from any database).
            server=$(url_with_db "$url" postgres)
            if _pg_answers "$server"; then PG_SERVER_URL=$server; else PG_SERVER_URL=$url; fi
            export PG_SERVER_URL
            return 0
        fi
    done
    return 1
}

# Newest PostgreSQL major version installed from Debian's packages, or nothing.
_pg_installed_version() {
    local v
    # shellcheck disable=SC2012 # version directories: plain names
    v=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1 || true)
    if [[ -z $v ]]; then
        v=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null |
            awk -F/ '{print $5}' | sort -V | tail -1 || true)
    fi
    printf '%s' "$v"
}

_pg_instructions() {
    cat >&2 <<EOF
sextant: error: no PostgreSQL answers, and starting one needs root. Run:

    sudo apt-get update && sudo apt-get install -y postgresql
    sudo pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql | sort -V | tail -1) main start

then run this again. Or point DATABASE_URL at a server that answers, e.g.
    export DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/postgres
(the user must be allowed to create databases).
EOF
    exit 1
}

# Starts (installing it first when needed) the local cluster; sets _PG_PORT to its port.
_pg_start_local() {
    local version
    version=$(_pg_installed_version)
    if [[ -z $version ]] || ! command -v pg_ctlcluster >/dev/null; then
        is_root || _pg_instructions
        apt_install postgresql
        version=$(_pg_installed_version)
        [[ -n $version ]] || die "installed postgresql but found no version under /etc/postgresql"
    fi
    is_root || _pg_instructions
    if [[ ! -d /etc/postgresql/$version/main ]]; then
        say "creating PostgreSQL $version cluster 'main'"
        pg_createcluster "$version" main
    fi
    _PG_PORT=$(pg_conftool -s "$version" main show port 2>/dev/null || echo 5432)
    # The Debian package may already have started it (postinst); only start a stopped cluster.
    if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
        say "starting PostgreSQL $version (cluster main, port $_PG_PORT)"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
            die "could not start PostgreSQL; see /var/log/postgresql/postgresql-$version-main.log"
        SEXTANT_STARTED_POSTGRES=1
    fi
}

# On a fresh Debian install TCP logins need a password: make a local role for Sextant over
# the Unix socket (peer auth as the postgres user). Root only; idempotent.
_pg_create_role() {
    local port=$1
    is_root && command -v runuser >/dev/null || return 1
    say "creating PostgreSQL role 'sextant' (password 'sextant', may create databases) on local port $port"
    runuser -u postgres -- psql -X -q -p "$port" -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sextant') THEN
        CREATE ROLE sextant LOGIN CREATEDB PASSWORD 'sextant';
    END IF;
END
$$;
SQL
}

# Finds or starts a PostgreSQL server; exports PG_SERVER_URL (its maintenance database).
ensure_postgres() {
    local port=$SEXTANT_LOCAL_PG_PORT deadline
    if ! command -v psql >/dev/null || ! command -v pg_isready >/dev/null; then
        apt_install postgresql-client || die "psql not found. Run: sudo apt-get update && sudo apt-get install -y postgresql-client"
    fi
    if [[ -n ${DATABASE_URL:-} ]]; then
        _pg_pick "$DATABASE_URL" && { say "PostgreSQL: $(redact_url "$PG_SERVER_URL") (from DATABASE_URL)"; return 0; }
        say "DATABASE_URL ($(redact_url "$DATABASE_URL")) does not answer; trying local PostgreSQL"
    fi
    # shellcheck disable=SC2046 # one URL per line, none with spaces
    if _pg_pick $(_pg_local_urls "$port"); then
        say "PostgreSQL: $(redact_url "$PG_SERVER_URL")"
        return 0
    fi

    _PG_PORT=$port
    if ! pg_isready -q -h 127.0.0.1 -p "$port" -t 3; then
        _pg_start_local
        port=$_PG_PORT
    fi
    deadline=$((SECONDS + SEXTANT_SERVER_WAIT))
    until pg_isready -q -h 127.0.0.1 -p "$port" -t 2; do
        ((SECONDS < deadline)) || die "PostgreSQL on 127.0.0.1:$port did not answer within ${SEXTANT_SERVER_WAIT}s (see /var/log/postgresql/)"
        sleep 1
    done
    # shellcheck disable=SC2046
    if _pg_pick $(_pg_local_urls "$port"); then
        say "PostgreSQL: $(redact_url "$PG_SERVER_URL")"
        return 0
    fi
    # It runs but refuses us: the password login of a stock Debian install.
    if _pg_create_role "$port" && _pg_pick "postgres://sextant:sextant@127.0.0.1:$port/postgres"; then
        say "PostgreSQL: $(redact_url "$PG_SERVER_URL")"
        return 0
    fi
    cat >&2 <<EOF
sextant: error: PostgreSQL runs on 127.0.0.1:$port but refuses the logins tried
(postgres, root and sextant:sextant). Either create a role for Sextant:

    sudo -u postgres psql -c "CREATE ROLE sextant LOGIN CREATEDB PASSWORD 'sextant'"

or point DATABASE_URL at a server and user that may create databases, e.g.
    export DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:$port/postgres
EOF
    exit 1
}

# Creates database NAME on the server ensure_postgres found, unless it exists.
ensure_database() {
    local name=$1 exists
    [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || die "ensure_database: unusual database name '$name'"
    [[ -n ${PG_SERVER_URL:-} ]] || die "ensure_database: call ensure_postgres first"
    exists=$(psql -X -q -At -d "$PG_SERVER_URL" -c "select 1 from pg_database where datname = '$name'")
    [[ $exists == 1 ]] && return 0
    say "creating database $name"
    if ! psql -X -q -v ON_ERROR_STOP=1 -d "$PG_SERVER_URL" -c "create database \"$name\"" >/dev/null; then
        # Another run may have created it in the meantime.
        exists=$(psql -X -q -At -d "$PG_SERVER_URL" -c "select 1 from pg_database where datname = '$name'")
        [[ $exists == 1 ]] || die "could not create database $name on $(redact_url "$PG_SERVER_URL")"
    fi
}

# ---------------------------------------------------------------------------------------------
# Redis

_redis_answers() { [[ $(timeout 3 redis-cli --no-auth-warning -u "$1" ping 2>/dev/null) == PONG ]]; }

_redis_instructions() {
    cat >&2 <<EOF
sextant: error: no Redis answers, and installing one needs root. Run:

    sudo apt-get update && sudo apt-get install -y redis-server
    sudo redis-server --daemonize yes --bind 127.0.0.1 -::1 --port $SEXTANT_LOCAL_REDIS_PORT --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log

then run this again (the package usually starts Redis itself, so the second line may say the
port is taken: that is fine). Or point REDIS_URL at a server that answers, e.g.
    export REDIS_URL=redis://HOST:6379
EOF
    exit 1
}

# Starts a local Redis (installing it first when needed): root uses the system directories,
# anyone else a directory of their own.
_redis_start_local() {
    local port=$SEXTANT_LOCAL_REDIS_PORT dir logdir
    if ! command -v redis-server >/dev/null; then
        apt_install redis-server || _redis_instructions
        # The package starts its own server where it can.
        sleep 1
        _redis_answers "redis://127.0.0.1:$port" && return 0
    fi
    if is_root; then
        dir=/var/lib/redis
        logdir=/var/log/redis
    else
        dir=${XDG_STATE_HOME:-${HOME:?}/.local/state}/sextant/redis
        logdir=$dir
    fi
    mkdir -p "$dir" "$logdir" || _redis_instructions
    say "starting Redis on 127.0.0.1:$port (log: $logdir/ci.log)"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no \
        --dir "$dir" --logfile "$logdir/ci.log" ||
        die "could not start redis-server; see $logdir/ci.log"
    SEXTANT_STARTED_REDIS=1
}

# Finds or starts a Redis server; exports REDIS_URL.
ensure_redis() {
    local url=redis://127.0.0.1:$SEXTANT_LOCAL_REDIS_PORT deadline
    if ! command -v redis-cli >/dev/null; then
        apt_install redis-tools || die "redis-cli not found. Run: sudo apt-get update && sudo apt-get install -y redis-tools"
    fi
    if [[ -n ${REDIS_URL:-} ]]; then
        if _redis_answers "$REDIS_URL"; then
            export REDIS_URL
            say "Redis: $(redact_url "$REDIS_URL") (from REDIS_URL)"
            return 0
        fi
        say "REDIS_URL ($(redact_url "$REDIS_URL")) does not answer; trying local Redis"
    fi
    if ! _redis_answers "$url"; then
        _redis_start_local
        deadline=$((SECONDS + SEXTANT_SERVER_WAIT))
        until _redis_answers "$url"; do
            ((SECONDS < deadline)) || die "Redis on 127.0.0.1:$SEXTANT_LOCAL_REDIS_PORT did not answer within ${SEXTANT_SERVER_WAIT}s"
            sleep 1
        done
    fi
    export REDIS_URL=$url
    say "Redis: $REDIS_URL"
}

# ---------------------------------------------------------------------------------------------
# Rust

# Checks for cargo and exports CARGO_TARGET_DIR: outside the clone, so that CI and fresh
# clones reuse one build cache.
cargo_env() {
    if ! command -v cargo >/dev/null; then
        if [[ -x ${HOME:?}/.cargo/bin/cargo ]]; then
            export PATH="$HOME/.cargo/bin:$PATH"
        else
            die "cargo not found. Install Rust with rustup (rust-toolchain.toml pins the version), then open a new shell."
        fi
    fi
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${HOME:?}/.cache/sextant/target}"
    mkdir -p "$CARGO_TARGET_DIR"
    check_build_space
}

# A full build needs several GB; a disk that fills up mid-build fails with errors far from
# the cause, so say it first. SEXTANT_MIN_FREE_GB (default 8) sets the bar.
check_build_space() {
    local free_kb min_gb=${SEXTANT_MIN_FREE_GB:-8}
    free_kb=$(df -Pk "$CARGO_TARGET_DIR" 2>/dev/null | awk 'NR == 2 { print $4 }')
    [[ $free_kb =~ ^[0-9]+$ ]] || return 0
    if ((free_kb < min_gb * 1024 * 1024)); then
        die "only $((free_kb / 1024)) MB free on the disk of $CARGO_TARGET_DIR; builds need about ${min_gb} GB." \
            "Free space (e.g. rm -rf '$CARGO_TARGET_DIR/debug/incremental' '$CARGO_TARGET_DIR/release', or cargo clean) and retry."
    fi
}

# Stops every process in the global associative array PID_OF (name -> pid): SIGTERM, then
# SIGKILL for those still running after SEXTANT_STOP_TIMEOUT seconds (10 by default).
# Returns 1 when there was nothing to stop.
stop_children() {
    local name pid deadline alive
    ((${#PID_OF[@]})) || return 1
    say "stopping ${!PID_OF[*]}"
    for pid in "${PID_OF[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    deadline=$((SECONDS + ${SEXTANT_STOP_TIMEOUT:-10}))
    while :; do
        alive=()
        for name in "${!PID_OF[@]}"; do
            kill -0 "${PID_OF[$name]}" 2>/dev/null && alive+=("$name")
        done
        ((${#alive[@]})) || break
        if ((SECONDS >= deadline)); then
            say "still running after ${SEXTANT_STOP_TIMEOUT:-10}s, killing: ${alive[*]}"
            for name in "${alive[@]}"; do kill -KILL "${PID_OF[$name]}" 2>/dev/null || true; done
            break
        fi
        sleep 0.2
    done
    wait 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# Frontend (Node.js, npm, Chromium)

SEXTANT_FRONTEND=$SEXTANT_ROOT/frontend

# Checks for Node.js 20+ and npm, installing Debian's when root and missing.
ensure_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        apt_install nodejs npm || die "Node.js 20+ and npm not found. Install them (e.g. sudo apt-get install -y nodejs npm) and retry."
    fi
    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    ((major >= 20)) || die "Node.js $(node --version) is too old for the frontend; it needs 20 or newer."
    export NEXT_TELEMETRY_DISABLED=1
}

# Installs the frontend's packages with `npm ci` from the committed lock file, unless
# node_modules already holds exactly that lock file's packages.
ensure_node_modules() {
    ensure_node
    local installed=$SEXTANT_FRONTEND/node_modules/.package-lock.json
    if [[ -e $installed && $installed -nt $SEXTANT_FRONTEND/package-lock.json ]]; then
        return 0
    fi
    say "installing the frontend's packages (npm ci)"
    (cd "$SEXTANT_FRONTEND" && npm ci --no-audit --no-fund) ||
        die "npm ci failed in frontend/ (is the npm registry reachable?)"
}

# Builds the static export into frontend/out unless it is newer than every source file.
build_frontend() {
    ensure_node_modules
    local out=$SEXTANT_FRONTEND/out/index.html newer
    if [[ -e $out && -e $SEXTANT_FRONTEND/out/csp-hashes.txt ]]; then
        newer=$(find "$SEXTANT_FRONTEND" \( -name node_modules -o -name out -o -name .next -o -name e2e \) -prune \
            -o -type f -newer "$out" -print -quit)
        [[ -z $newer ]] && return 0
    fi
    say "building the web app (next build)"
    (cd "$SEXTANT_FRONTEND" && npm run build) || die "the frontend build failed (npm run build in frontend/)"
    [[ -e $out ]] || die "npm run build wrote no $out"
}

# Exports SEXTANT_CHROMIUM: Debian's Chromium, installed with apt when missing (never a
# downloaded browser).
ensure_chromium() {
    SEXTANT_CHROMIUM=${SEXTANT_CHROMIUM:-/usr/bin/chromium}
    if [[ ! -x $SEXTANT_CHROMIUM ]]; then
        apt_install chromium || die "Chromium not found at $SEXTANT_CHROMIUM. Install it: sudo apt-get install -y chromium"
        [[ -x $SEXTANT_CHROMIUM ]] || die "installed chromium but found no $SEXTANT_CHROMIUM"
    fi
    export SEXTANT_CHROMIUM
}
