#!/usr/bin/env bash
# Bad input to /proc/pidns: EINVAL with a rate-limited warning; a PID without a process: ESRCH
# with one warning; the module still answers afterwards.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
load >/dev/null

# First, while the warning limiter (shared by every warning user input triggers) is fresh.
missing=$(unused_pid)
log_mark
assert_eq "write of a PID no process has fails with ESRCH" ESRCH "$("$SYS" write "$PROC" "$missing\n")"
assert_eq "... and logs one warning" "pidns: pid $missing: no such process" "$(log_pidns)"

# Every malformed write in one process (one exec per case is slow on the debug kernel), each its
# own write() on one open file.
bads=('' '\n' ' \t\n' 'all all' abc '-1' '+1' 0 '000\n' 2147483648 99999999999999999999 '1 x' '12abc'
	'1\x00' '0x10' "$(printf '1%.0s' {1..70})" '1@' '@1' '1@@2' '1@2@3' 'all1' 'ALL')
# The warning limiter allows 10 lines per 5 s window: each batch starts with a fresh one (the module
# reloaded), and is allowed 10 lines for each window its writes could span (the time is measured:
# under TCG a batch may take longer than one window).
unload
load >/dev/null
log_mark
t0=$EPOCHREALTIME
read -r -a got <<<"$("$SYS" writes "${bads[@]}" | head -n 1)"
w=$(windows "$t0" "$EPOCHREALTIME")
for i in "${!bads[@]}"; do
	assert_eq "write '${bads[i]}' fails with EINVAL" EINVAL "${got[i]:-none}"
done
warned=$(log_pidns)
assert_eq "the first malformed write logs why it was rejected" \
	"pidns: request rejected (EINVAL): no query" "$(head -n 1 <<<"$warned")"
assert_eq "... and '0' and '000' their own reason" 2 "$(grep -c 'rejected (EINVAL): PID 0$' <<<"$warned")"
n=$(grep -c '^pidns: request rejected' <<<"$warned")
assert "${#bads[@]} malformed writes log at most 10 warnings per 5 s (rate-limited), got $n in $w window(s)" \
	[ "$n" -le $((10 * w)) ]
unload
load >/dev/null
log_mark
mapfile -t xs < <(printf 'x\n%.0s' {1..200})
t0=$EPOCHREALTIME
read -r -a got <<<"$("$SYS" writes "${xs[@]}" | head -n 1)"
w=$(windows "$t0" "$EPOCHREALTIME")
assert_eq "200 more malformed writes all fail with EINVAL" 200 "$(tr ' ' '\n' <<<"${got[*]}" | grep -c EINVAL)"
n=$(log_pidns | grep -c '^pidns: request rejected')
assert "... and log at most 10 warnings per 5 s, got $n in $w window(s)" [ "$n" -le $((10 * w)) ]

# A PID that names only a process group: its leader exited, a member lives on.
setsid bash -c 'sleep 1000000 & echo $! > /tmp/member; exit 0' &
wait $!
sleep 0.2
read -r member </tmp/member
# Field 5 of /proc/PID/stat is the process group (the command name, field 2, has no spaces here).
read -r _ _ _ _ pgid _ <"/proc/$member/stat"
if [ -n "$pgid" ] && [ ! -e "/proc/$pgid" ]; then
	log_mark
	assert_eq "write of a process-group-only PID fails with ESRCH" ESRCH \
		"$("$SYS" write "$PROC" "$pgid")"
else
	fail "set up a process group whose leader exited (pgid '$pgid')"
fi
kill "$member" 2>/dev/null

log_mark
assert_eq "after all that, the module still answers" ok "$("$SYS" write "$PROC" "1")"
assert_eq "... with init's chain" "$(expected_chain 1 "$(ns_inum 1)")" "$(log_pidns)"
unload
