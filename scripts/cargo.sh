#!/usr/bin/env bash
# cargo with the project's build directory (CARGO_TARGET_DIR, see cargo_env in lib.sh), so that
# make build / lint / fmt share one build with make run and make test.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SEXTANT_ROOT"
cargo_env
exec cargo "$@"
