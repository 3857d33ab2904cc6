#!/usr/bin/env bash
# Bounds a hostile root (or root in a container) must not get past: one `all` a request, a cap
# on an answer's size, memory charged to the writer's cgroup and given back, no namespace kept
# alive by the module, a bounded and unforgeable kernel log, a clear error when /proc/pidns is
# taken (seen from any mount namespace), no lock held across a copy from user space, walks over
# many threads, and a C boundary under the module's own prefix.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload

# --- no pinned namespaces (first: no nest of this file is alive yet) -----------------------------
# With user.max_pid_namespaces low, 40 namespaces (more than the 32 answers the module keeps)
# ask and exit one after the other: each must be freed once its last process is gone.
load log=0 >/dev/null
max_ns=/proc/sys/user/max_pid_namespaces
read -r saved_max <"$max_ns"
echo 16 >"$max_ns"
assert_eq "40 PID namespaces that asked and exited, one after another, under user.max_pid_namespaces=16" \
	40 "$("$SYS" nscycle 40)"
echo "$saved_max" >"$max_ns"
unload

# --- one `all` a request; a cap on the answer -----------------------------------------------------
load >/dev/null
log_mark
assert_eq "a request with two 'all' fails with EINVAL" EINVAL "$("$SYS" write "$PROC" 'all 1 all')"
assert_eq "... and says why in the log" "pidns: request rejected (EINVAL): more than one 'all'" \
	"$(log_pidns)"
unload

if ! nest_start 32; then fail "start a nest of 32 PID namespaces"; fi
deep=$NEST_TARGET
# About 13,000 queries for the deepest process in one 64 KiB write: ~8 MB of read-back.
big_request() {
	local n=$((65536 / (${#deep} + 1))) request="$deep" i
	for ((i = 1; i < n; i++)); do request+=" $deep"; done
	printf '%s' "$request" >/tmp/big.request
}
big_request
printf '1' >/tmp/small.request

assert_eq "max_answer below 4096 bytes is refused at load" EINVAL "$(load max_answer=100)"
log_mark
assert_eq "... also with pid=1" EINVAL "$(load "pid=1 max_answer=100")"
assert_eq "... and every parameter is checked before anything is logged (no chain of pid=1)" \
	"pidns: max_answer=100: from 4096 to 1073741824 bytes" "$(log_pidns)"
assert_eq "load with max_answer=1048576" ok "$(load max_answer=1048576)"
exec 3<>"$PROC"
echo 1 >&3
assert_eq "a request whose answer passes max_answer fails with EOVERFLOW" EOVERFLOW \
	"$("$SYS" write-file "$PROC" /tmp/big.request)"
line=$(cat <&3)
exec 3>&-
assert_eq "... and an open file keeps its previous answer" "query=1 nspid=1" "${line%% nstgid=*}"
unload

# --- memory charged to the writer's cgroup, and given back ----------------------------------------
cg=/sys/fs/cgroup
if ! grep -q '^cgroup2 /sys/fs/cgroup ' /proc/mounts; then
	mount -t cgroup2 none "$cg" 2>/dev/null || true
fi
if [ -e "$cg/cgroup.controllers" ] && grep -qw memory "$cg/cgroup.controllers"; then
	echo +memory >"$cg/cgroup.subtree_control" 2>/dev/null || true
	load log=0 >/dev/null
	mkdir -p "$cg/pidns-charge"
	read -r big_result small_result before after_big after_small <<<"$("$SYS" charge "$cg/pidns-charge" /tmp/big.request /tmp/small.request)"
	echo "# memory.current: $before before, $after_big after an ~8 MB answer, $after_small after a small one"
	assert_eq "an ~8 MB answer, then a small one, in a cgroup without a limit: ok ok" "ok ok" \
		"$big_result $small_result"
	assert "... is charged to the writer's cgroup (memory.current grew by more than 6 MB)" \
		test $((after_big - before)) -gt 6000000
	assert "... and given back when a small answer replaces it (dropped by more than 6 MB)" \
		test $((after_big - after_small)) -gt 6000000
	rmdir "$cg/pidns-charge" 2>/dev/null || true
	unload
else
	echo "# no memory cgroup controller in this kernel: accounting not checked"
fi
nest_stop

# --- a bounded kernel log that a command name cannot forge --------------------------------------
load >/dev/null
"$SYS" named 'x) level 0 ns p' &
named=$!
wait_for "the process to take its name" 120 grep -qx 'x) level 0 ns p' "/proc/$named/comm"
log_mark
assert_eq "ask for a process named 'x) level 0 ns p'" ok "$("$SYS" write "$PROC" "$named")"
assert_eq "its name is escaped in the kernel log as in the read-back" \
	"pidns: pid $named (x)\\x20level\\x200\\x20ns\\x20p) level 0 ns pid:[$(ns_inum 1)]" "$(log_pidns)"
kill "$named"
request=1
for ((i = 1; i < 100; i++)); do request+=" 1"; done
log_mark
assert_eq "a request of 100 queries (PID 1 each time)" ok "$("$SYS" write "$PROC" "$request")"
logged=$(log_pidns)
chains=$(grep -c '^pidns: pid 1 (' <<<"$logged")
echo "# it logged $chains chains, then: $(tail -n 1 <<<"$logged")"
assert_eq "... logs 16 chains (at most 16 a request)" 16 "$chains"

assert_eq "... and one line for the rest" \
	"pidns: 84 more processes answered, not logged (at most 16 a request)" "$(tail -n 1 <<<"$logged")"
unload

# --- /proc/pidns taken by another module ---------------------------------------------------------
squatter="$REPO/tests/vm/pidns_squatter.ko"
assert_eq "load a test module that creates /proc/pidns first" ok "$("$SYS" load "$squatter")"
log_mark
# The module's init fails with EEXIST, which the loader reports as EBUSY (EEXIST from
# init_module() means "already loaded").
assert_eq "then pidns.ko fails to load with EBUSY" EBUSY "$(load)"
assert_eq "... saying why, with no kernel warning" \
	"pidns: /proc/pidns exists already (another module made it): not loaded" "$(log_pidns)"
log_mark
# The loader's own /proc (a private one with subset=pid shows no pidns) must not matter.
# shellcheck disable=SC2016 # expanded by the inner sh
got=$(unshare -m sh -c 'mount -t proc -o subset=pid proc /proc && exec "$0" load "$1"' "$SYS" "$KO")
assert_eq "... also from a mount namespace whose /proc (subset=pid) does not show it" EBUSY "$got"
assert_eq "... saying why, with no kernel warning" \
	"pidns: /proc/pidns exists already (another module made it): not loaded" "$(log_pidns)"
rmmod pidns_squatter
assert_eq "once it is gone, pidns.ko loads" ok "$(load)"
unload

# --- no lock held across a copy from user space ------------------------------------------------
# Writer A's buffer is a userfaultfd page nobody serves: its copy waits. Reader B, on the same
# open file, must not wait behind it, unkillable (D state), as it did while a mutex was held
# across the copy: killed with SIGKILL, it is reaped at once. Then the page is served.
load >/dev/null
got=$("$SYS" stalled-write)
echo "# stalled-write: $got"
assert_eq "a reader of a file whose writer is stalled in a page fault is reaped within 1 s of SIGKILL" \
	b=reaped "$(grep -o 'b=[a-z]*' <<<"$got")"
assert_eq "... and the writer's request is answered once its page is served" a=ok \
	"$(grep -o 'a=[a-z]*' <<<"$got")"
unload

# --- a walk over thousands of threads ---------------------------------------------------------
# Thread PIDs are skipped by `all` one by one, yielding between them (with the soft-lockup
# detector on in the debug kernel).
load log=0 >/dev/null
threads=5000
unshare -pf --mount-proc "$SYS" threads "$threads" &
top=$!
threaded() {
	local init
	init=$(pgrep -P "$top") && grep -qx "Threads:[[:space:]]*$((threads + 1))" "/proc/$init/status"
}
if wait_for "a process with $threads threads in a new PID namespace" 300 threaded; then
	init=$(pgrep -P "$top")
	got=$(nsenter -t "$init" -p -m "$SYS" ask all)
	assert_eq "'all' inside a namespace of 2 processes and $threads threads lists the 2" \
		"ok 2" "$(head -n 1 <<<"$got") $(grep -c '^query=all ' <<<"$got")"
	got=$("$SYS" ask all)
	assert "... and 'all' from the host lists it once, not its threads" \
		test "$(grep -c "^query=all nspid=$init,1 " <<<"$got")" -eq 1
fi
kill -9 "$top" "$(pgrep -P "$top")" 2>/dev/null
wait "$top" 2>/dev/null
unload

# --- the C boundary under the module's own prefix ------------------------------------------------
load >/dev/null
syms=$(grep -F $'\t[pidns]' /proc/kallsyms)
assert_eq "no function of pidns.ko is named pidns_* (the kernel's own prefix)" "" \
	"$(grep -E ' [tT] pidns_' <<<"$syms")"
assert "... the shim's are pidnsmod_*" grep -qE $' [tT] pidnsmod_proc_open\t' <<<"$syms"
unload
