#!/usr/bin/env bash
# make test (and so CI): formatting, lints, every Rust test against real PostgreSQL and Redis,
# the frontend's type check and unit tests, then the browser end-to-end tests in headless
# Chromium against the whole stack (scripts/e2e.sh). Stops at the first failing step and
# names it.
#
# The Rust tests read TEST_DATABASE_URL (a server URL; each test creates a fresh database on
# it) and TEST_REDIS_URL (each test uses its own key prefix).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SEXTANT_ROOT"

cargo_env
ensure_postgres
ensure_redis
export TEST_DATABASE_URL=$PG_SERVER_URL
export TEST_REDIS_URL=$REDIS_URL

step() { # NAME COMMAND...
    local name=$1
    shift
    say "== $name: $*"
    if ! "$@"; then
        say "FAILED at step '$name': $*"
        exit 1
    fi
}

step format cargo fmt --all -- --check
step lint cargo clippy --workspace --all-targets -- -D warnings
# The offline analyst's two question banks run on their own so that their rates show in the output
# (`question bank NAME: C/T correct, R refused, W wrong (P%)`): the original bank (issue 5, on
# tests/data) and the public bank (issue 11, on public datasets, answers computed by pandas).
# `--skip` only keeps the workspace run from running them a second time; they are not skipped, the
# question-bank step right after runs both (and fails the build if any question is answered wrong).
BANK=offline::bank::the_question_bank_is_answered_correctly
PUBLIC_BANK=offline::bank::public::the_public_question_bank_has_no_wrong_answers
step rust-tests cargo test --workspace -- --skip "$BANK" --skip "$PUBLIC_BANK"
step question-bank cargo test -p agent-service --lib -- --exact "$BANK" "$PUBLIC_BANK" --nocapture --test-threads 1

ensure_node_modules
step frontend-types npm --prefix frontend run typecheck
step frontend-unit npm --prefix frontend test
step e2e bash scripts/e2e.sh

say "all steps passed: format, lint, rust-tests, question-bank, frontend-types, frontend-unit, e2e"
