#!/usr/bin/env bash
# Read-back, scoping, batch, N@P, all, threads, quiet mode and concurrent writers, every answer
# checked against the kernel's own /proc/PID/status (NSpid:, NStgid:) and /proc/PID/ns/pid.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
load >/dev/null

# nsfield PID KEY: NSpid/NStgid of PID from the /proc this shell sees, comma-separated.
nsfield() {
	local numbers
	read -r -a numbers <<<"$(ns_field "$1" "$2")"
	join_by , "${numbers[@]}"
}

NESTS=()

# --- read-back on the same open file ---------------------------------------------------------
exec 3<>"$PROC"
echo 1 >&3
got=$(cat <&3)
assert_eq "exec 3<>/proc/pidns; echo 1 >&3; cat <&3 reads the answer back" \
	"query=1 nspid=1 nstgid=1 level=0 ns=$(ns_inum 1) comm=$(cat /proc/1/comm)" "$got"
echo "$$" >&3
assert_eq "a second write on the same file replaces the answer" "$$" "$(field "$(cat <&3)" nspid)"
exec 3>&-

echo 1 >"$PROC"
assert_eq "a fresh open reads the latest answer of its namespace" "1" "$(field "$(cat "$PROC")" nspid)"

# --- nested namespaces: scoping, N@P, all -------------------------------------------------------
# Nests of depth 1, 2, 3 and 32 (MAX_PID_NS_LEVEL) side by side, so that one "all" from the host
# checks the processes of every depth at once.
declare -A INITS TARGETS
for depth in 1 2 3 32; do
	if ! nest_start "$depth"; then
		fail "depth $depth: start nested namespaces"
		continue
	fi
	TARGETS[$depth]=$NEST_TARGET
	INITS[$depth]="${NEST_INIT[*]}"
	NESTS+=("$NEST_TOP" "${NEST_INIT[1]}")
done

for depth in 1 2 3 32; do
	[ -n "${TARGETS[$depth]:-}" ] || continue
	t=${TARGETS[$depth]}
	read -r -a inits <<<"${INITS[$depth]}"
	NEST_INIT=("" "${inits[@]}") # NEST_INIT[k]: PID 1 of level k
	unset 'NEST_INIT[0]'
	read -r -a nrs <<<"$(nspid "$t")"
	mapfile -t inums < <(nest_inums)
	assert_eq "depth $depth: NSpid shows $((depth + 1)) levels" $((depth + 1)) "${#nrs[@]}"
	assert_eq "depth $depth: a new namespace reads back nothing of the host's answers" "" \
		"$(nsenter -t "${NEST_INIT[depth]}" -p -m cat "$PROC")"

	fresh_log_budget
	log_mark
	ans=$("$SYS" ask "$t")
	assert_eq "depth $depth: host asks for the host pid: ok" ok "$(nth_line 1 "$ans")"
	line=$(nth_line 2 "$ans")
	assert_eq "depth $depth: host read-back nspid = NSpid" "$(nsfield "$t" NSpid)" "$(field "$line" nspid)"
	assert_eq "depth $depth: host read-back nstgid = NStgid" "$(nsfield "$t" NStgid)" "$(field "$line" nstgid)"
	assert_eq "depth $depth: host read-back ns = every level's namespace" \
		"$(join_by , "${inums[@]}")" "$(field "$line" ns)"
	mapfile -t all_levels < <(for ((k = 0; k <= depth; k++)); do echo "$k"; done)
	assert_eq "depth $depth: host read-back level = 0..$depth" "$(join_by , "${all_levels[@]}")" \
		"$(field "$line" level)"
	assert_eq "depth $depth: the kernel log has the whole chain" \
		"$(expected_chain "$t" "${inums[@]}")" "$(log_pidns)"

	for k in 1 $((depth / 2)) "$depth"; do
		[ "$k" -ge 1 ] || continue
		init=${NEST_INIT[k]}
		line=$(nth_line 2 "$(nsenter -t "$init" -p -m "$SYS" ask "${nrs[k]}")")
		# What NSpid: shows at level k: the host's NSpid from level k down.
		assert_eq "depth $depth: a level-$k writer reads back only levels $k..$depth, as its NSpid" \
			"$(join_by , "${nrs[@]:k}")" "$(field "$line" nspid)"
		IFS=, read -r -a shown <<<"$(field "$line" nspid)"
		assert_eq "depth $depth: ... and no host PID" "" "$(for n in "${shown[@]}"; do [ "$n" = "$t" ] && echo "$n"; done)"
		levels=$(field "$line" level)
		assert_eq "depth $depth: ... its levels start at $k" "$k" "${levels%%,*}"
	done

	# N@P from the host: PID 2 in the deepest namespace, named by its init's host PID.
	ans=$("$SYS" ask "2@${NEST_INIT[depth]}")
	assert_eq "depth $depth: 2@<init of the deepest namespace> finds the sleeper" \
		"$(nsfield "$t" NSpid)" "$(field "$(nth_line 2 "$ans")" nspid)"
	assert_eq "depth $depth: ... and says which query it answers" \
		"2@${NEST_INIT[depth]}" "$(field "$(nth_line 2 "$ans")" query)"

	# all from inside the deepest level of this nest (and level 1 of the deepest nest).
	levels=("$depth")
	[ "$depth" -eq 32 ] && levels+=(1)
	for k in "${levels[@]}"; do
		got=$(nsenter -t "${NEST_INIT[k]}" -p -m "$SYS" check-all)
		assert_eq "depth $depth: all (level $k) matches that namespace's /proc" ok "${got%% *}"
		[ "${got%% *}" = ok ] || echo "# $got"
	done
	inner=$(($(count_lines "$(nsenter -t "${NEST_INIT[depth]}" -p -m "$SYS" ask all)") - 1))
	assert_eq "depth $depth: all in the deepest namespace lists its init, the sleeper and the asker" \
		3 "$inner"
done

got=$("$SYS" check-all)
assert_eq "all (host, every depth at once) matches /proc for every process" ok "${got%% *}"
echo "# $got"
for p in "${NESTS[@]}"; do kill -9 "$p" 2>/dev/null; done
wait 2>/dev/null

# --- batch --------------------------------------------------------------------------------------
missing=$(unused_pid)
fresh_log_budget
log_mark
ans=$("$SYS" ask "1 $$ $missing 1")
assert_eq "batch with a missing PID: the write fails with ESRCH" ESRCH "$(nth_line 1 "$ans")"
mapfile -t lines < <(tail -n +2 <<<"$ans")
assert_eq "... after answering every query, in order" \
	"1 $$ $missing 1" "$(for l in "${lines[@]}"; do field "$l" query; done | xargs)"
assert_eq "... the missing one says so" "query=$missing error=ESRCH" "$(nth_line 4 "$ans")"
read -r init_comm </proc/1/comm
root_ns=$(ns_inum 1)
assert_eq "... and the log has the 3 chains and one warning" \
	"pidns: pid 1 ($init_comm) level 0 ns pid:[$root_ns]
pidns: pid $$ (bash) level 0 ns pid:[$root_ns]
pidns: pid $missing: no such process
pidns: pid 1 ($init_comm) level 0 ns pid:[$root_ns]" "$(log_pidns)"

log_mark
assert_eq "a batch with one malformed query fails with EINVAL" EINVAL "$("$SYS" write "$PROC" "1 2 x 3")"
assert_eq "... and nothing is looked up: only why is logged" \
	"pidns: request rejected (EINVAL): a PID that is not a decimal number" "$(log_pidns)"
assert_eq "a request over 64 KiB fails with E2BIG" E2BIG "$("$SYS" write "$PROC" "$(printf '%65537s' 1)")"

# --- threads ----------------------------------------------------------------------------------
nest_start 2
"$SYS" threads 2 &
threaded=$!
three_tasks() { local tasks=("/proc/$threaded/task"/*); [ "${#tasks[@]}" -ge 3 ]; }
wait_for "a process with 3 threads" 120 three_tasks
tid=""
for d in "/proc/$threaded/task"/*; do
	[ "${d##*/}" != "$threaded" ] && tid=${d##*/} && break
done
fresh_log_budget
log_mark
line=$(nth_line 2 "$("$SYS" ask "$tid")")
assert_eq "a thread's read-back nspid = its NSpid" "$(nsfield "$tid" NSpid)" "$(field "$line" nspid)"
assert_eq "a thread's read-back nstgid = its NStgid (the leader's)" "$threaded" "$(field "$line" nstgid)"
assert_eq "a thread's kernel log line shows its tgid" \
	"pidns: pid $tid (vmh) tgid $threaded level 0 ns pid:[$root_ns]" "$(log_pidns)"
kill "$threaded"
nest_stop

# --- quiet mode ---------------------------------------------------------------------------------
unload
log_mark
assert_eq "load with log=0 pid=1" ok "$(load "log=0 pid=1")"
assert_eq "pid= at load logs even with log=0" 1 "$(count_lines "$(log_pidns)")"
log_mark
ans=$("$SYS" ask "1 $$")
assert_eq "log=0: answers are read back" 3 "$(count_lines "$ans")"
assert_eq "log=0: nothing is logged" "" "$(log_pidns)"
# The biggest batch, quiet (12,000 log lines would only measure printk).
big=$(seq 1 12000 | tr '\n' ' ' | head -c 65000)
big="${big% *}"
read -r -a words <<<"$big"
assert_eq "a 64 KiB batch (${#words[@]} queries) is answered whole" "$((${#words[@]} + 1))" \
	"$(count_lines "$("$SYS" ask "$big")")"
unload
load >/dev/null

# --- concurrent writers -------------------------------------------------------------------------
nest_start 3
# The 20 lowest PIDs (init and kernel threads started at boot) but workqueue workers, which the
# kernel ends after 5 idle minutes: none of these exits during the test.
some=()
for ((p = 1; p < 1000 && ${#some[@]} < 20; p++)); do
	comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
	[[ $comm == kworker/* ]] || some+=("$p")
done
assert_eq "8 concurrent writers x 500 rounds each read back their own answer" ok \
	"$("$SYS" concurrent 8 500 "${some[@]}" "$NEST_TARGET")"
nest_stop
unload

# --- the README's one-line cross-check -----------------------------------------------------------
load >/dev/null
nest_start 2
t=$NEST_TARGET
assert "the README's one-liner: read-back nspid equals NSpid" diff \
	<(echo "$t" >/proc/pidns; cut -d' ' -f2 /proc/pidns | cut -d= -f2 | tr , '\t') \
	<(awk '/^NSpid:/ { $1 = ""; sub(/^ /, ""); gsub(/ /, "\t"); print }' "/proc/$t/status")
nest_stop
unload
