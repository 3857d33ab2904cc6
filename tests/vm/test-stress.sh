#!/usr/bin/env bash
# Churn, concurrency and unload stress: writers race with processes that fork and exit, rmmod
# races with writers, load/unload cycles; on the debug kernel, then a kmemleak scan.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
pid_max=$(cat /proc/sys/kernel/pid_max)
kmemleak_clear # what earlier tests left is not this one's

# only_keys RESULT KEY...: the KEY=count entries of RESULT that are not one of KEYs.
only_keys() {
	local entry key known
	for entry in $1; do
		known=no
		for key in "${@:2}"; do [ "${entry%%=*}" = "$key" ] && known=yes; done
		[ "$known" = yes ] || echo "$entry"
	done
}

# 4 writers x 10,000 queries (singles, batches, N@1, all) on the PIDs handed out last, while
# processes fork and exit: lookups race with exit.
load log=0 >/dev/null
rm -f /tmp/churn.stop /tmp/churn.last
"$SYS" churn 600 /tmp/churn.stop /tmp/churn.last >/tmp/churn.count &
churner=$!
wait_for "the churner's first process" 120 test -s /tmp/churn.last
started=$SECONDS
result=$("$SYS" stress 4 10000 @/tmp/churn.last)
touch /tmp/churn.stop
wait "$churner"
read -r churned </tmp/churn.count
echo "# churned ${churned:-0} processes during the stress"
assert "processes forked and exited during the stress" test "${churned:-0}" -gt 0
echo "# stress: $result in $((SECONDS - started))s"
assert_eq "4 writers x 10,000 queries during fork/exit churn: only ok and ESRCH answers" "" \
	"$(only_keys "$result" ok ESRCH)"
assert_eq "... some found their process, some found it gone (ok and ESRCH both seen)" "yes yes" \
	"$([[ $result == *ok=* ]] && echo yes) $([[ $result == *ESRCH=* ]] && echo yes)"
unload

# The same with the kernel log on, smaller (every answer is logged).
load >/dev/null
result=$("$SYS" stress 2 500 "$pid_max")
assert_eq "2 writers x 500 queries with log=1: only ok and ESRCH answers" "" \
	"$(only_keys "$result" ok ESRCH)"
unload

# rmmod while 4 writers are busy: it waits for handlers in flight, never oopses.
load log=0 >/dev/null
"$SYS" stress 4 1000000 "$pid_max" >/tmp/stress.result &
writers=$!
# Every writer has /proc/pidns open before rmmod is tried (under TCG, starting 4 threads can take
# seconds): a writer that opened it after the removal would see no EIO.
wait_for "4 writers with /proc/pidns open" 120 pidns_fds_at_least "$writers" 4
removed=no
for ((i = 0; i < 100; i++)); do
	if rmmod pidns 2>/dev/null; then removed=yes; break; fi
	sleep 0.1
done
wait "$writers"
result=$(cat /tmp/stress.result)
echo "# rmmod during stress: $result"
assert_eq "rmmod while 4 writers are busy succeeds" yes "$removed"
assert_eq "... the writers saw answers, then EIO (their files were removed)" "" \
	"$(only_keys "$result" ok ESRCH EIO read-EIO)"
assert "... each of the 4 writers got EIO once, and stopped" grep -q 'EIO=4' <<<"$result"

# In one process: a shell loop of insmod/echo/rmmod costs a minute on the debug kernel.
assert_eq "20 load / query / unload cycles" 20 "$("$SYS" cycles "$KO" 20 "1 all")"

# kmemleak (debug kernel only): nothing pidns allocated may be left unreferenced.
if [ -w "$KMEMLEAK" ]; then
	leaks=$(kmemleak_ours)
	assert_eq "kmemleak finds no leak after all this" 0 "$leaks"
	[ "$leaks" -eq 0 ] || kmemleak_show
else
	echo "# kmemleak is not in this kernel (PIDNS_KERNEL=debug has it): leak scan not run"
fi
