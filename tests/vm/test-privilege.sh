#!/usr/bin/env bash
# Only root may use /proc/pidns: its kernel log shows host PIDs.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
load >/dev/null

log_mark
got=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$SYS" write "$PROC" "1\n")
assert_eq "an unprivileged user cannot write /proc/pidns (EACCES)" EACCES "$got"
assert_eq "... and nothing is logged" "" "$(log_pidns)"
unload
