#!/usr/bin/env bash
# The chain of PIDs for a process in nested PID namespaces of depth 1, 2 and 3, asked at load
# (pid=), by writing to /proc/pidns from the host, and from inside every level. The expected lines
# come from the kernel's own /proc/PID/status NSpid: and /proc/PID/ns/pid.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload

# First in the boot, before test-kunit loads the KUnit suites: pidns.ko itself carries none, so
# loading it never taints the kernel with TAINT_TEST (bit 18, 'N').
test_taint() { local t; read -r t </proc/sys/kernel/tainted; echo $(((t >> 18) & 1)); }
before=$(test_taint)
load >/dev/null
assert_eq "loading pidns.ko adds no TAINT_TEST (it runs no KUnit suite)" "$before 0" "$before $(test_taint)"
unload

for depth in 1 2 3; do
	if ! nest_start "$depth"; then
		fail "depth $depth: start nested namespaces"
		continue
	fi
	mapfile -t inums < <(nest_inums)
	want=$(expected_chain "$NEST_TARGET" "${inums[@]}")
	read -r -a nrs <<<"$(nspid "$NEST_TARGET")"
	assert_eq "depth $depth: NSpid shows $((depth + 1)) levels" $((depth + 1)) "${#nrs[@]}"
	assert_eq "depth $depth: the sleeper is PID 2 of the deepest namespace" 2 "${nrs[depth]}"

	log_mark
	assert_eq "depth $depth: insmod pid=<host pid> succeeds" ok "$(load "pid=$NEST_TARGET")"
	assert_eq "depth $depth: insmod pid=<host pid> logs the chain, deepest first" \
		"$want" "$(log_pidns)"

	log_mark
	assert_eq "depth $depth: host writes the host pid" ok "$("$SYS" write "$PROC" "$NEST_TARGET\n")"
	assert_eq "depth $depth: host write logs the same chain" "$want" "$(log_pidns)"

	for ((k = 1; k <= depth; k++)); do
		log_mark
		got=$(nsenter -t "${NEST_INIT[k]}" -p -m "$SYS" write "$PROC" "${nrs[k]}\n")
		assert_eq "depth $depth: a writer at level $k writes ${nrs[k]}" ok "$got"
		assert_eq "depth $depth: the level-$k write logs the same chain" "$want" "$(log_pidns)"
		log_mark
		got=$(nsenter -t "${NEST_INIT[k]}" -p -m sh -c "echo ${nrs[k]} > $PROC && echo ok")
		assert_eq "depth $depth: 'echo ${nrs[k]} > /proc/pidns' works at level $k (as in the seed)" \
			ok "$got"
		assert_eq "depth $depth: ... and logs the same chain" "$want" "$(log_pidns)"
	done

	# The writer's namespace decides: the host PID means nothing (or another process) inside.
	log_mark
	got=$(nsenter -t "${NEST_INIT[depth]}" -p -m "$SYS" write "$PROC" "2\n")
	assert_eq "depth $depth: PID 2 written inside resolves to the sleeper" ok "$got"
	assert_eq "depth $depth: ... whose chain is logged" "$want" "$(log_pidns)"
	unload
	nest_stop
done
