#!/usr/bin/env bash
# Churn, concurrency and unload stress: writers race with processes that fork and exit, rmmod
# races with writers, load/unload cycles; on the debug kernel, then a kmemleak scan.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
pid_max=$(cat /proc/sys/kernel/pid_max)

# only_keys RESULT KEY...: the KEY=count entries of RESULT that are not one of KEYs.
only_keys() {
	local entry key known
	for entry in $1; do
		known=no
		for key in "${@:2}"; do [ "${entry%%=*}" = "$key" ] && known=yes; done
		[ "$known" = yes ] || echo "$entry"
	done
}

# 4 writers x 10,000 queries (singles, batches, N@1, all) while processes fork and exit.
load log=0 >/dev/null
"$SYS" churn 600 >/tmp/churn.count &
churner=$!
started=$SECONDS
result=$("$SYS" stress 4 10000 "$pid_max")
kill "$churner"
wait "$churner" 2>/dev/null
echo "# stress: $result in $((SECONDS - started))s"
assert_eq "4 writers x 10,000 queries during fork/exit churn: only ok and ESRCH answers" "" \
	"$(only_keys "$result" ok ESRCH)"
assert "... and some requests succeeded" grep -q 'ok=' <<<"$result"
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
sleep 2
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

cycles=0
for ((i = 0; i < 20; i++)); do
	[ "$(load)" = ok ] && [ "$("$SYS" write "$PROC" "1 all")" = ok ] && rmmod pidns && cycles=$((cycles + 1))
done
assert_eq "20 load / query / unload cycles" 20 "$cycles"

# kmemleak (debug kernel only): nothing pidns allocated may be left unreferenced.
kmemleak=/sys/kernel/debug/kmemleak
[ -e "$kmemleak" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
if [ -w "$kmemleak" ]; then
	echo "# churned $(cat /tmp/churn.count) processes"
	echo scan >"$kmemleak"
	sleep 1
	echo scan >"$kmemleak"
	leaks=$(grep -c 'unreferenced object' "$kmemleak" || true)
	echo "# kmemleak: $leaks unreferenced objects"
	assert_eq "kmemleak finds no leak after all this" 0 "$leaks"
	[ "$leaks" -eq 0 ] || head -n 40 "$kmemleak" | sed 's/^/#   /'
else
	echo "# kmemleak is not in this kernel (PIDNS_KERNEL=debug has it): leak scan not run"
fi
