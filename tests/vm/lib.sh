# shellcheck shell=bash disable=SC2034 # the settings here are used by the tests that source it
# Helpers for the guest tests: assertions that print TAP-like lines, module loading, nested PID
# namespaces, and the expected chain built from the kernel's own /proc/PID/status (the oracle).

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$TESTS_DIR/../.." && pwd)
# The module under test: the one built here, or PIDNS_TEST_KO (tests/dkms: a DKMS-built one).
KO="${PIDNS_TEST_KO:-$REPO/pidns.ko}"
# vmh (tests/vm/helper, built by scripts/run-tests): system calls with exact errno answers; and the
# pidns command (cli/). tests/vm/run copies both to a tmpfs (PIDNS_TEST_BIN), where they start
# several times faster than over the guest's 9p root.
SYS="${PIDNS_TEST_BIN:-$REPO/target/x86_64-unknown-linux-gnu/release}/vmh"
PIDNS="${PIDNS_TEST_BIN:-$REPO/target/x86_64-unknown-linux-gnu/release}/pidns"
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

# --- text, with builtins only (each process started costs up to a second on the debug kernel) ----

# nth_line N TEXT: line N of TEXT (1 is the first).
nth_line() {
	local lines
	mapfile -t lines <<<"$2"
	printf '%s\n' "${lines[$1 - 1]-}"
}

# count_lines TEXT: how many lines TEXT has (0 for the empty string).
count_lines() {
	local lines
	[ -n "$1" ] || { echo 0; return; }
	mapfile -t lines <<<"$1"
	echo "${#lines[@]}"
}

# join_by SEP WORD...: the WORDs separated by SEP (one character).
join_by() {
	local IFS=$1
	shift
	echo "$*"
}

# --- the module ---------------------------------------------------------------------------------

loaded() {
	local name rest
	while read -r name rest; do [ "$name" = pidns ] && return 0; done </proc/modules
	return 1
}
# load [PARAM]: load the module, print "ok" or the errno name.
load() { "$SYS" load "$KO" "${1:-}"; }
unload() { if loaded; then rmmod pidns; fi; }
# fresh_log_budget [PARAMS]: reload the module, so that the kernel log's budget for /proc/pidns
# (128 lines every 5 s, for all writers together: the module's state) is whole again. A test
# that checks logged chains after others were logged calls it first: on a fast machine more than
# 128 lines of earlier checks fit in one 5 s window, and the chains asked next would only be
# counted, not logged.
fresh_log_budget() { unload && load "${1:-}" >/dev/null; }

# The kernel log since the last `log_mark`, pidns lines only, without the one-off "loading
# out-of-tree module taints kernel" notice. Records are found by sequence number (/dev/kmsg), so
# a ring buffer that wraps does not shift what a test sees, and nothing is ever cleared.
log_mark() { LOG_MARK=$("$SYS" kmsg); }
log_since_mark() { "$SYS" log "${LOG_MARK:-0}"; }
log_pidns() { "$SYS" log "${LOG_MARK:-0}" pidns; }

# Kernel reports that must never appear, since the last `log_mark`: BUG, WARNING, Oops, KASAN,
# lockdep, RCU, kmemleak, panic (tests/vm/helper/src/report.rs has the list).
log_reports() { "$SYS" log "${LOG_MARK:-0}" reports; }

# --- nested PID namespaces ----------------------------------------------------------------------

# nest_start DEPTH: start a sleeper DEPTH PID namespaces down (vmh nest). Sets NEST_TOP
# (the host-side process), NEST_INIT[k] (host PID of PID 1 of the level-k namespace, k = 1..DEPTH)
# and NEST_TARGET (host PID of the sleeper).
nest_start() {
	local depth=$1 tries pids=() out
	out=$(mktemp)
	"$SYS" nest "$depth" >"$out" &
	NEST_TOP=$!
	# vmh prints the host PIDs once the nest is up (a process listing from the shell costs seconds
	# on the debug kernel).
	for ((tries = 0; tries < 600; tries++)); do
		read -r -a pids <"$out"
		[ "${#pids[@]}" -eq $((depth + 1)) ] && break
		sleep 0.1
	done
	rm -f "$out"
	if [ "${#pids[@]}" -ne $((depth + 1)) ]; then
		echo "# nest_start: the nest of depth $depth did not come up" >&2
		return 1
	fi
	NEST_INIT=("$NEST_TOP" "${pids[@]:0:depth}")
	unset 'NEST_INIT[0]'
	NEST_TARGET=${pids[depth]}
}

# nest_stop: kill the namespaces (killing PID 1 of a namespace kills everything in it).
nest_stop() {
	if [ -n "${NEST_INIT[1]:-}" ]; then kill -9 "${NEST_INIT[1]}" 2>/dev/null || true; fi
	kill -9 "$NEST_TOP" 2>/dev/null || true
	wait "$NEST_TOP" 2>/dev/null || true
}

# ns_inum PID: the inode of PID's PID namespace, as in `readlink /proc/PID/ns/pid`.
ns_inum() { "$SYS" nsinum "$1"; }

# nspid PID: the NSpid: numbers of PID as this process sees them, outermost first (builtins only:
# every process costs on the debug kernel).
nspid() { ns_field "$1" NSpid; }

# field LINE KEY: the value of KEY=... in a line of space-separated fields, as the read-back's and
# vmh's (builtins only: a subprocess is slow in TCG).
field() {
	local f words
	read -r -a words <<<"$1"
	for f in "${words[@]}"; do
		if [[ $f == "$2="* ]]; then
			echo "${f#*=}"
			return
		fi
	done
}

# ns_field PID KEY: the numbers of /proc/PID/status line KEY: (NSpid, NStgid), space-separated.
ns_field() {
	local key value
	while read -r key value; do
		if [ "$key" = "$2:" ]; then
			echo "${value//$'\t'/ }"
			return
		fi
	done <"/proc/$1/status"
}

# expected_chain PID NSINUM...: the kernel log lines pidns must print for PID, built from the
# kernel's NSpid: (seen from the initial namespace, so every level) and from the namespace
# inodes given for levels 0..deepest.
expected_chain() {
	local pid=$1 comm level indent
	shift
	local inums=("$@") nrs
	read -r -a nrs <<<"$(nspid "$pid")"
	read -r comm <"/proc/$pid/comm"
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
nest_inums() { "$SYS" nsinum 1 "${NEST_INIT[@]}"; }

# A PID that no process has in this namespace.
unused_pid() {
	local n
	read -r n </proc/sys/kernel/pid_max
	n=$((n - 7))
	while [ -e "/proc/$n" ]; do n=$((n - 1)); done
	echo "$n"
}

# The PIDs in /proc now, sorted as comm(1) wants them (a listing to compare two others against:
# what lived through both is in this listing taken before and in one taken after).
proc_pids() { find /proc -maxdepth 1 -name '[0-9]*' -printf '%f\n' | LC_ALL=C sort; }

# only_queries PIDS LINES: the JSON lines of LINES whose "query" is one of PIDS (one a line).
only_queries() {
	awk 'NR == FNR { keep["\"query\":\"" $1 "\""] = 1; next }
		match($0, /"query":"[0-9]+"/) && (substr($0, RSTART, RLENGTH) in keep)' \
		<(echo "$1") <(echo "$2")
}

# --- kmemleak (the debug kernel has it) ----------------------------------------------------------
KMEMLEAK=/sys/kernel/debug/kmemleak
# kmemleak_clear: forget what kmemleak found so far (another test's, the boot's), so that a later
# kmemleak_ours counts only what came after.
kmemleak_clear() {
	[ -e "$KMEMLEAK" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
	[ -w "$KMEMLEAK" ] || return 0
	echo scan >"$KMEMLEAK"
	echo clear >"$KMEMLEAK"
}
# kmemleak_ours: scan twice (an object must look unreferenced in two scans), then print how many
# unreferenced objects were allocated through pidns (their backtrace names it). Others (the rest
# of the kernel under fault injection, false positives) are said in a "# " line on stderr, not
# counted: they are not pidns's.
kmemleak_ours() {
	echo scan >"$KMEMLEAK"
	sleep 1
	echo scan >"$KMEMLEAK"
	awk 'BEGIN { RS = "unreferenced object" }
		NR > 1 { all++; if (/pidns/) ours++ }
		END {
			printf "# kmemleak: %d unreferenced objects, %d of them through pidns\n", all, ours > "/dev/stderr"
			print ours + 0
		}' "$KMEMLEAK"
}
# kmemleak_show: the first reports, as "#   " lines.
kmemleak_show() { head -n 40 "$KMEMLEAK" | sed 's/^/#   /'; }

# windows T0 T1: how many 5 s windows of a rate limiter the span T0..T1 ($EPOCHREALTIME) can
# touch (a window starts at the first line after the last one ended).
windows() { awk -v a="$1" -v b="$2" 'BEGIN { print 1 + int((b - a) / 5) }'; }

# wait_for WHAT SECONDS CMD...: poll CMD until it succeeds, for up to SECONDS; says "not ok" when
# it never does (the test then goes on and its own assertions fail with the reason).
wait_for() {
	local what=$1 limit=$2 start=$SECONDS
	shift 2
	until "$@"; do
		if ((SECONDS - start >= limit)); then
			fail "waiting for $what: not within ${limit}s"
			return 1
		fi
		sleep 0.05
	done
}

# pidns_fds_at_least PID N: process PID has at least N descriptors open on /proc/pidns.
pidns_fds_at_least() {
	local n=0 fd
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = /proc/pidns ] && n=$((n + 1))
	done
	[ "$n" -ge "$2" ]
}
