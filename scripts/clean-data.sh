#!/usr/bin/env bash
# make clean-data: deletes the data directory of make run (./data, or SEXTANT_DATA_DIR): the
# JWT signing key, uploaded files and logs. It asks nothing. The PostgreSQL databases
# (sextant_auth, sextant_session, sextant_file, sextant_agent) and Redis are left as they are.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SEXTANT_ROOT"

dir=${SEXTANT_DATA_DIR:-data}
if [[ ! -e $dir ]]; then
    say "nothing to remove: $dir does not exist"
    exit 0
fi
resolved=$(cd "$dir" && pwd -P)
case $resolved in
/ | "$(pwd -P)" | "$(cd ~ && pwd -P)") die "refusing to delete $resolved (SEXTANT_DATA_DIR=$dir)" ;;
esac
rm -rf -- "$resolved"
say "removed $resolved"
