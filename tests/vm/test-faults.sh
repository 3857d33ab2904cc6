#!/usr/bin/env bash
# Allocation failures (the debug kernel's fault injection): thousands of mixed requests from a
# task whose slab allocations fail often. Each must succeed or fail cleanly (ENOMEM, ESRCH),
# each read-back be an old answer or a new one whole, with no kernel report and no leak.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload

debugfs=/sys/kernel/debug
[ -e "$debugfs/failslab" ] || mount -t debugfs none "$debugfs" 2>/dev/null
if [ ! -d "$debugfs/failslab" ] || [ ! -e /proc/self/make-it-fail ]; then
	echo "# no fault injection in this kernel (PIDNS_KERNEL=debug has it): allocation failures not tested"
	exit 0
fi

# configure DIR PROBABILITY: fail that share of the allocations of tasks with make-it-fail set,
# sleeping allocations (GFP_KERNEL) included, without a message per failure.
configure() {
	echo "$2" >"$1/probability"
	echo 1 >"$1/interval"
	echo -1 >"$1/times"
	echo 0 >"$1/space"
	echo 0 >"$1/verbose"
	echo Y >"$1/task-filter"
	echo N >"$1/ignore-gfp-wait"
}
configure "$debugfs/failslab" 20
# Pages of order 1 and up only (kmalloc's large buffers): the task's own page faults are order 0.
configure "$debugfs/fail_page_alloc" 20
echo 1 >"$debugfs/fail_page_alloc/min-order"
echo N >"$debugfs/fail_page_alloc/ignore-gfp-highmem"

# Leaks found before this test are not its own.
kmemleak=$debugfs/kmemleak
if [ -w "$kmemleak" ]; then
	echo scan >"$kmemleak"
	echo clear >"$kmemleak"
fi

load >/dev/null
nest_start 3 || fail "start a nest of 3 PID namespaces"
missing=$(unused_pid)
log_mark
result=$("$SYS" faults 3000 1 "$$" "$missing" "$NEST_TARGET" "${NEST_INIT[1]}")
configure "$debugfs/failslab" 0
configure "$debugfs/fail_page_alloc" 0
nest_stop
echo "# $result"
summary=$(head -n 1 <<<"$result")
count() { # KEY: the count of KEY in the summary (0 if absent)
	local entry
	for entry in $summary; do [ "${entry%%=*}" = "$1" ] && { echo "${entry#*=}"; return; }; done
	echo 0
}
odd=$(for entry in $summary; do
	case ${entry%%=*} in requests | ok | ESRCH | ENOMEM | reads | open-ENOMEM | read-ENOMEM) ;; *) echo "$entry" ;; esac
done)
assert_eq "3,000 requests under failslab: every result is ok, ESRCH or ENOMEM, every read-back whole" \
	"" "$odd"
assert "... allocations really failed (ENOMEM seen: $(count ENOMEM))" test "$(count ENOMEM)" -gt 0
assert "... and requests still got through (ok or ESRCH: $(($(count ok) + $(count ESRCH))))" \
	test $(($(count ok) + $(count ESRCH))) -gt 0
assert_eq "... no kernel report" "" "$(log_reports)"

# The module still answers, and nothing it allocated is left over.
line=$(nth_line 2 "$("$SYS" ask 1)")
assert_eq "afterwards the module still answers" "query=1 nspid=1" "${line%% nstgid=*}"
unload
if [ -w "$kmemleak" ]; then
	leaks=$(kmemleak_ours)
	assert_eq "kmemleak finds no leak after the failures" 0 "$leaks"
	[ "$leaks" -eq 0 ] || kmemleak_show
fi
