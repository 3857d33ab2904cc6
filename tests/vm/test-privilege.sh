#!/usr/bin/env bash
# Only root of the initial user namespace may use /proc/pidns: its kernel log shows host PIDs.
# Root of a child PID namespace gets answers scoped to its namespace.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
load >/dev/null

log_mark
got=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$SYS" write "$PROC" "1\n")
assert_eq "an unprivileged user cannot write /proc/pidns (EACCES)" EACCES "$got"
assert_eq "... and nothing is logged" "" "$(log_pidns)"

log_mark
got=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	unshare --user --map-root-user "$SYS" write "$PROC" "1\n")
assert_eq "root of a user namespace made by an unprivileged user (rootless container) is refused" \
	EACCES "$got"
assert_eq "... and nothing is logged" "" "$(log_pidns)"

# Root of a child PID namespace (same user namespace) may ask, and sees no host PID.
nest_start 1
got=$(nsenter -t "${NEST_INIT[1]}" -p -m "$SYS" ask "1 2 all")
assert_eq "root of a child PID namespace gets answers" ok "$(head -n1 <<<"$got")"
assert_eq "... to its own PIDs 1 and 2" "query=1 nspid=1 query=2 nspid=2" \
	"$(sed -n '2,3p' <<<"$got" | cut -d' ' -f1-2 | xargs)"
assert_eq "... none of which names a host PID" "" \
	"$(grep -Eo 'nspid=[0-9,]+' <<<"$got" | grep -w -e "$NEST_TARGET" -e "${NEST_INIT[1]}" || true)"
nest_stop
unload
