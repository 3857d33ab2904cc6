#!/usr/bin/env bash
# Bad input to /proc/pidns: EINVAL with nothing logged; a PID without a process: ESRCH with one
# warning; the module still answers afterwards.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
load >/dev/null

log_mark
for bad in '' '\n' ' \t\n' abc '-1' '+1' 0 '000\n' 2147483648 99999999999999999999 '1 x' '12abc' \
	'1\x00' '0x10' "$(printf '1%.0s' {1..70})" '1@' '@1' '1@@2' '1@2@3' 'all1' 'ALL'; do
	assert_eq "write '$bad' fails with EINVAL" EINVAL "$("$SYS" write "$PROC" "$bad")"
done
assert_eq "none of these malformed writes logged anything" "" "$(log_pidns)"

missing=$(unused_pid)
log_mark
assert_eq "write of a PID no process has fails with ESRCH" ESRCH "$("$SYS" write "$PROC" "$missing\n")"
assert_eq "... and logs one warning" "pidns: pid $missing: no such process" "$(log_pidns)"

# A PID that names only a process group: its leader exited, a member lives on.
setsid bash -c 'sleep 1000000 & echo $! > /tmp/member; exit 0' &
wait $!
sleep 0.2
pgid=$(ps -o pgid= -p "$(cat /tmp/member)" | tr -d ' ')
if [ -n "$pgid" ] && [ ! -e "/proc/$pgid" ]; then
	log_mark
	assert_eq "write of a process-group-only PID fails with ESRCH" ESRCH \
		"$("$SYS" write "$PROC" "$pgid")"
else
	fail "set up a process group whose leader exited (pgid '$pgid')"
fi
kill "$(cat /tmp/member)" 2>/dev/null

log_mark
assert_eq "after all that, the module still answers" ok "$("$SYS" write "$PROC" "1")"
assert_eq "... with init's chain" "$(expected_chain 1 "$(ns_inum 1)")" "$(log_pidns)"
unload
