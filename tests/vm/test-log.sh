#!/usr/bin/env bash
# The kernel log is the host's: no container can flood it. Chains logged for /proc/pidns share
# one budget for all writers, 128 lines every 5 s; the chains past it are counted in one line.
# One `echo N > /proc/pidns` from inside a container still logs its chain (the seed's use).
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
load >/dev/null

# Root in a new PID namespace (sharing the host's user namespace, as a Docker container does)
# writes its own PID, 1, 20,000 times: 40,000 lines before the limit.
writes=20000
log_mark
t0=$EPOCHREALTIME
read -r ok secs <<<"$(unshare -pf --mount-proc "$SYS" flood "$writes" 1)"
w=$(windows "$t0" "$EPOCHREALTIME")
echo "# $writes writes in ${secs}s ($w window(s) of 5 s)"
assert_eq "a container writes '1' $writes times, each answered" "$writes" "$ok"
logged=$(log_pidns)
nlines=$(count_lines "$logged")
assert "... and the log takes at most 128 lines (+1 count) per 5 s window: $nlines in $w window(s)" \
	[ "$nlines" -le $((129 * w)) ]
chains=$(grep -c '^pidns: pid 1 (vmh) level 1 ' <<<"$logged")
assert "... of which whole chains, at least one: $chains" [ "$chains" -ge 1 ]
assert_eq "... each chain with its two lines (the container's level and the host's)" "$chains" \
	"$(grep -c '^pidns:   pid [0-9]* level 0 ' <<<"$logged")"

# Once the interval is over, one write from a container logs first how many chains were not
# logged, then its own chain: nothing lost without a trace.
sleep 5.2
log_mark
got=$(unshare -pf --mount-proc sh -c "echo 1 > $PROC && echo ok")
assert_eq "then a single 'echo 1 > /proc/pidns' from a container succeeds" ok "$got"
after=$(log_pidns)
assert_eq "... and logs its chain, the host's level indented (the seed's use)" 1 \
	"$(grep -c '^pidns: pid 1 (sh) level 1 ns pid:\[[0-9]*\]$' <<<"$after")"
missed=$(sed -n 's/^pidns: \([0-9]*\) chains not logged (at most 128 lines every 5 s)$/\1/p' \
	<<<"$logged"$'\n'"$after" | awk '{ n += $1 } END { print n + 0 }')
assert_eq "... after a count of the chains not logged: logged ($chains) + counted = $writes" \
	"$writes" $((chains + missed))
unload
