# shellcheck shell=bash disable=SC2034 # the settings here are used by the tests that source it
# Helpers for the guest tests: assertions that print TAP-like lines, module loading, nested PID
# namespaces, and the expected chain built from the kernel's own /proc/PID/status (the oracle).

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$TESTS_DIR/../.." && pwd)
KO="$REPO/pidns.ko"
# vmh (tests/vm/helper, built by scripts/run-tests): system calls with exact errno answers.
SYS="$TESTS_DIR/helper/target/release/vmh"
# check-all: every process's answer against /proc (python: slow to start, so used sparingly).
CHECK_ALL="$TESTS_DIR/check-all"
PROC=/proc/pidns

# --- assertions: each prints one "ok - NAME" or "not ok - NAME" line ---------------------------

pass() { echo "ok - $1"; }
fail() {
	echo "not ok - $1"
	shift
	local line
	for line in "$@"; do printf '#   %s\n' "$line"; done
}

# assert_eq NAME EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected:" "${2//$'\n'/$'\n'#     }" "actual:" "${3//$'\n'/$'\n'#     }"
	fi
}

# assert NAME CMD...: passes when CMD succeeds.
assert() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# --- the module ---------------------------------------------------------------------------------

loaded() { grep -q '^pidns ' /proc/modules; }
# load [PARAM]: load the module, print "ok" or the errno name.
load() { "$SYS" load "$KO" "${1:-}"; }
unload() { if loaded; then rmmod pidns; fi; }

# The kernel log since the last `log_mark`, pidns lines only, without the one-off "loading
# out-of-tree module taints kernel" notice. Records are found by sequence number (/dev/kmsg), so
# a ring buffer that wraps does not shift what a test sees, and nothing is ever cleared.
log_mark() { LOG_MARK=$("$SYS" kmsg); }
log_since_mark() { "$SYS" kmsg "${LOG_MARK:-0}" | cut -f2-; }
log_pidns() { log_since_mark | grep '^pidns: ' | grep -v 'taints kernel' || true; }

# Kernel reports that must never appear, since the last `log_mark`.
log_reports() {
	log_since_mark |
		grep -E 'BUG|WARNING|Oops|general protection|Call Trace|RCU|lockdep|KASAN|kmemleak|panic' || true
}

# --- nested PID namespaces ----------------------------------------------------------------------

# nest_start DEPTH: start a sleeper DEPTH PID namespaces down (vmh nest). Sets NEST_TOP
# (the host-side process), NEST_INIT[k] (host PID of PID 1 of the level-k namespace, k = 1..DEPTH)
# and NEST_TARGET (host PID of the sleeper).
nest_start() {
	local depth=$1 tries p k
	local -A child=() comm=()
	"$SYS" nest "$depth" &
	NEST_TOP=$!
	# One process listing per try (pgrep per level is slow under TCG): walk NEST_TOP's line of
	# descendants, process -> helper (unshares) -> next level's PID 1 -> ..., down to the sleeper.
	for ((tries = 0; tries < 120; tries++)); do
		child=() comm=()
		while read -r p pp c; do
			[ -z "${child[$pp]:-}" ] && child[$pp]=$p
			comm[$p]=$c
		done < <(ps -e -o pid=,ppid=,comm=)
		NEST_INIT=()
		p=$NEST_TOP
		for ((k = 1; k <= depth; k++)); do
			p=${child[${child[$p]:-x}]:-}
			[ -n "$p" ] || break
			NEST_INIT[k]=$p
		done
		NEST_TARGET=${p:+${child[$p]:-}}
		if [ "${#NEST_INIT[@]}" -eq "$depth" ] && [ -n "$NEST_TARGET" ] &&
			[ "${comm[$NEST_TARGET]}" = sleep ]; then
			return 0
		fi
		sleep 0.25
	done
	echo "# nest_start: the nest of depth $depth did not come up" >&2
	return 1
}

# nest_stop: kill the namespaces (killing PID 1 of a namespace kills everything in it).
nest_stop() {
	if [ -n "${NEST_INIT[1]:-}" ]; then kill -9 "${NEST_INIT[1]}" 2>/dev/null || true; fi
	kill -9 "$NEST_TOP" 2>/dev/null || true
	wait "$NEST_TOP" 2>/dev/null || true
}

# ns_inum PID: the inode of PID's PID namespace, as in `readlink /proc/PID/ns/pid`.
ns_inum() { readlink "/proc/$1/ns/pid" | tr -dc '0-9' && echo; }

# nspid PID: the NSpid: numbers of PID as this process sees them, outermost first.
nspid() { awk '$1 == "NSpid:" { $1 = ""; print substr($0, 2) }' "/proc/$1/status"; }

# expected_chain PID NSINUM...: the kernel log lines pidns must print for PID, built from the
# kernel's NSpid: (seen from the initial namespace, so every level) and from the namespace
# inodes given for levels 0..deepest.
expected_chain() {
	local pid=$1 comm level indent
	shift
	local inums=("$@") nrs
	read -r -a nrs <<<"$(nspid "$pid")"
	comm=$(cat "/proc/$pid/comm")
	local deepest=$((${#nrs[@]} - 1))
	for ((level = deepest; level >= 0; level--)); do
		indent=$(printf '%*s' $((2 * (deepest - level))) '')
		if [ "$level" -eq "$deepest" ]; then
			echo "pidns: ${indent}pid ${nrs[level]} ($comm) level $level ns pid:[${inums[level]}]"
		else
			echo "pidns: ${indent}pid ${nrs[level]} level $level ns pid:[${inums[level]}]"
		fi
	done
}

# nest_inums: namespace inodes of levels 0..depth of the current nest.
nest_inums() {
	local k
	ns_inum 1
	for ((k = 1; k < ${#NEST_INIT[@]} + 1; k++)); do ns_inum "${NEST_INIT[k]}"; done
}

# A PID that no process has in this namespace.
unused_pid() {
	local n=$(( $(cat /proc/sys/kernel/pid_max) - 7 ))
	while [ -e "/proc/$n" ]; do n=$((n - 1)); done
	echo "$n"
}
