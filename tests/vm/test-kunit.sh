#!/usr/bin/env bash
# The KUnit suites (rust/kunit.rs) run when their test module pidns_kunit.ko loads; their KTAP
# results in the kernel log become this runner's results, one per KUnit test case.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
# KUnit built in, or as a module (loaded first); Debian's kernel has none.
[ -d /sys/module/kunit ] || modprobe kunit 2>/dev/null
if [ ! -d /sys/module/kunit ]; then
	echo "# this kernel has no KUnit (CONFIG_KUNIT; PIDNS_KERNEL=debug has it): the suites are not run"
	exit 0
fi

log_mark
assert_eq "load pidns_kunit.ko (the KUnit suites run now)" ok "$("$SYS" load "$REPO/pidns_kunit.ko")"
ktap=$(log_since_mark)
cases=0
for suite in pidns_query pidns_render pidns_layout pidns_log_limit pidns_wrappers; do
	# A suite's block: "# Subtest: NAME", its case lines, then "ok N NAME" or "not ok N NAME".
	block=$(awk -v s="$suite" '$0 ~ "# Subtest: " s "$" { on = 1 } on { print } on && $0 ~ "ok [0-9]+ " s "$" { exit }' <<<"$ktap")
	assert "KUnit suite $suite ran" test -n "$block"
	while read -r verdict name; do
		cases=$((cases + 1))
		if [ "$verdict" = ok ]; then pass "KUnit $suite: $name"; else fail "KUnit $suite: $name" "$block"; fi
	done < <(sed -nE 's/^ +(ok|not ok) [0-9]+ ([a-z_0-9]+)$/\1 \2/p' <<<"$block" | sed 's/^not ok/not_ok/')
	assert "KUnit suite $suite passed as a whole" grep -qE "^ok [0-9]+ $suite$" <<<"$block"
done
assert "KUnit ran 14 test cases" test "$cases" -eq 14
rmmod pidns_kunit
