#!/usr/bin/env bash
# Loading and unloading: the pid= parameter, /proc/pidns's life cycle and mode.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload

log_mark
assert_eq "load without pid= succeeds" ok "$(load)"
assert_eq "load without pid= logs nothing" "" "$(log_pidns)"
assert_eq "/proc/pidns is a root-only file (0600 root:root)" "600 root:root" \
	"$(stat -c '%a %U:%G' "$PROC" 2>&1)"
unload
assert "unload removes /proc/pidns" test ! -e "$PROC"

log_mark
assert_eq "load with pid=0 succeeds" ok "$(load pid=0)"
assert_eq "load with pid=0 logs nothing" "" "$(log_pidns)"
unload

for bad in abc -5 2147483648 99999999999 12abc ""; do
	log_mark
	assert_eq "load with pid='$bad' is refused with EINVAL" EINVAL "$(load "pid=$bad")"
	assert "load with pid='$bad' leaves no module behind" test ! -e "$PROC"
	why=$(log_since_mark)
	assert_eq "load with pid='$bad' explains why in the kernel log" yes \
		"$([[ $why == *pid* ]] && echo yes)"
done
log_mark
load pid=-5 >/dev/null
assert_eq "pid=-5: the kernel log says a PID is positive" \
	"pidns: pid=-5: a PID is a positive number" "$(log_pidns)"

# log= is on or off on every kernel: a bool on 7.3, a number 0 or 1 on 7.2 (rust/compat.rs).
for good in 0 1; do
	assert_eq "load with log=$good succeeds" ok "$(load "log=$good")"
	unload
done
for bad in 2 abc; do
	assert_eq "load with log='$bad' is refused with EINVAL" EINVAL "$(load "log=$bad")"
	assert "load with log='$bad' leaves no module behind" test ! -e "$PROC"
done

missing=$(unused_pid)
log_mark
assert_eq "load with a PID no process has succeeds" ok "$(load "pid=$missing")"
assert_eq "... and logs one warning" "pidns: pid $missing: no such process" "$(log_pidns)"
assert "... and /proc/pidns is there" test -e "$PROC"
unload

log_mark
assert_eq "load with pid=1 succeeds" ok "$(load pid=1)"
assert_eq "pid=1 logs init's chain (one level in the initial namespace)" \
	"$(expected_chain 1 "$(ns_inum 1)")" "$(log_pidns)"
unload
