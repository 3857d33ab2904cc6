#!/usr/bin/env bash
# The pidns command (cli/): its output equals the kernel log's chain (without "pidns: "), through
# the module's ioctl and through the /proc fallback; names escaped as the kernel log escapes them;
# N@P, --pidfd, --all, --json (parsed), --verbose naming the source, exit codes and messages.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload

if ! nest_start 3; then
	fail "start a nest of depth 3"
	exit 0
fi
t=$NEST_TARGET
mapfile -t inums < <(nest_inums)
want=$(expected_chain "$t" "${inums[@]}")
want=${want//pidns: /}

assert_eq "load log=0" ok "$(load log=0)"
assert_eq "pidns PID (module) prints the kernel log's chain" "$want" "$("$PIDNS" "$t")"
assert_eq "pidns --verbose names the module" \
	"pidns: source: module (PIDNS_GET_CHAIN on /proc/pidns)" "$("$PIDNS" --verbose "$t" 2>&1 >/dev/null)"
assert_eq "pidns --pidfd PID: the same" "$want" "$("$PIDNS" --pidfd "$t")"
assert_eq "pidns 2@P (P: PID 1 of the deepest level): the same" "$want" "$("$PIDNS" "2@${NEST_INIT[3]}")"
assert_eq "pidns --pidfd 2@P: the same" "$want" "$("$PIDNS" --pidfd "2@${NEST_INIT[3]}")"
assert_eq "pidns --proc PID (fallback, from the host) prints the same" "$want" "$("$PIDNS" --proc "$t")"
assert_eq "pidns --proc 2@P: the same" "$want" "$("$PIDNS" --proc "2@${NEST_INIT[3]}")"
assert_eq "pidns --proc --verbose names /proc" "pidns: source: proc (/proc/PID/status, /proc/PID/ns/pid): --proc" \
	"$("$PIDNS" --proc --verbose "$t" 2>&1 >/dev/null)"

json_m=$("$PIDNS" --json "$t")
json_p=$("$PIDNS" --json --proc "$t")
assert_eq "--json: module and fallback agree but for the source" "${json_m/\"module\"/\"proc\"}" "$json_p"
read -r -a nrs <<<"$(nspid "$t")"
read -r -a tgids <<<"$(ns_field "$t" NStgid)"
ids=$(for p in 1 "${NEST_INIT[@]}"; do "$SYS" nsid "$p"; done | paste -sd, -)
got=$(python3 -c '
import json, sys
o = json.loads(sys.argv[1])
L = o["levels"]
print(",".join(str(l["pid"]) for l in L), ",".join(str(l["tgid"]) for l in L),
      ",".join(str(l["level"]) for l in L), ",".join(str(l["ns"]) for l in L),
      ",".join(str(l["ns_id"]) for l in L), o["comm"], o["query"], o["source"])
' "$json_m")
assert_eq "--json parses: pids, tgids, levels, ns, ns_id, comm, query, source" \
	"$(join_by , "${nrs[@]}") $(join_by , "${tgids[@]}") 0,1,2,3 $(join_by , "${inums[@]}") $ids sleep $t module" \
	"$got"

# Inside the deepest namespace: the module tells the depths, the fallback cannot.
inner=$(nsenter -t "${NEST_INIT[3]}" -p -m "$PIDNS" 2)
assert_eq "inside level 3: pidns 2 shows level 3 only" "pid 2 (sleep) level 3 ns pid:[${inums[3]}]" "$inner"
inner=$(nsenter -t "${NEST_INIT[1]}" -p -m "$PIDNS" --proc "${nrs[1]}")
assert_eq "inside level 1, fallback: the same PIDs, depths unknown (level ?)" \
	"$(printf 'pid 2 (sleep) level ? ns pid:[%s]\n  pid %s level ? ns pid:[%s]\n    pid %s level ? ns pid:[%s]' \
		"${inums[3]}" "${nrs[2]}" "${inums[2]}" "${nrs[1]}" "${inums[1]}")" "$inner"

# --all: the target and PID 1 are there, the same through both sources. Left out: the processes
# of this comparison (pidns, grep, and the shells of the command substitutions, whose PIDs
# differ), and workqueue workers, whose name in /proc carries their current work
# ("kworker/0:0-events"; fs/proc/array.c, proc_task_name) and changes from one read to the next.
# Compared: the processes that lived through both listings (in /proc before the first and after the
# second), so that one that starts or exits in between (a udev worker) is no difference.
quiet='"comm":"(pidns|grep|bash|kworker/[^"]*)"'
before=$(proc_pids)
all_m=$("$PIDNS" --all --json | grep -Ev "$quiet")
all_p=$("$PIDNS" --all --json --proc | grep -Ev "$quiet")
lived=$(LC_ALL=C comm -12 <(echo "$before") <(proc_pids))
all_m=$(only_queries "$lived" "$all_m")
all_p=$(only_queries "$lived" "$all_p")
assert_eq "--all: more than a handful of processes compared" yes \
	"$([ "$(wc -l <<<"$all_p")" -gt 10 ] && echo yes || echo no)"
assert_eq "--all --json lists the target" "$json_m" "$(grep "\"query\":\"$t\"" <<<"$all_m")"
assert_eq "--all: module and fallback list the same processes" \
	"${all_m//\"module\"/\"proc\"}" "$all_p"

# Names that would forge fields, split the line or drive the terminal: the command shows them as
# the kernel log does (rust/escape.rs, the same function), through the module and the fallback;
# and a name that is a key of /proc/PID/status, which the fallback must not take for the line.
renamed() { ! grep -qxE 'vmh|bash' "/proc/$1/comm"; }
fresh_log_budget
for name in 'x) level 0 ns p' 'a\nb\x1b[31m\\\xff\xc3\xa9' 'NSpid:'; do
	"$SYS" named "$name" &
	named=$!
	wait_for "the process to take its name" 120 renamed "$named"
	log_mark
	"$SYS" write "$PROC" "$named" >/dev/null
	kernel=$(log_pidns)
	kernel=${kernel//pidns: /}
	assert_eq "a process named '$name': pidns prints the kernel log's line" "$kernel" "$("$PIDNS" "$named")"
	assert_eq "a process named '$name': so does the fallback" "$kernel" "$("$PIDNS" --proc "$named")"
	out=$("$PIDNS" "$named")
	assert_eq "a process named '$name': one line, printable ASCII only" "1 0" \
		"$(wc -l <<<"$out") $(LC_ALL=C grep -vc '^[[:print:]]*$' <<<"$out")"
	kill "$named"
	wait "$named" 2>/dev/null
done
assert_eq "load log=0 again" ok "$(unload && load log=0)"

# Output: buffered (a few write()s for --all, not one a process); a failed write said, exit 1; a
# reader that goes away ends the command quietly, as it ends ls (SIGPIPE).
n=$("$PIDNS" --all | grep -c '^pid ')
strace -f -qq -e trace=write -o /tmp/pidns-writes "$PIDNS" --all >/dev/null
writes=$(grep -c 'write(1,' /tmp/pidns-writes)
echo "# --all: $n processes in $writes write()s"
assert_eq "--all: buffered (fewer than one write() per 4 processes)" yes \
	"$([ "$writes" -ge 1 ] && [ $((writes * 4)) -lt "$n" ] && echo yes || echo "no: $writes for $n")"
out=$("$PIDNS" "$t" 2>&1 >/dev/full)
rc=$?
assert_eq ">/dev/full: the error said, exit 1" "pidns: write error: No space left on device (ENOSPC) 1" "$out $rc"
got=$(python3 -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
print(p.returncode, repr(p.stderr))
' "$PIDNS" --all)
assert_eq "a reader gone: ended by SIGPIPE, nothing on stderr (as ls | head)" "-13 b''" "$got"

# Errors and exit codes.
none=$(unused_pid)
out=$("$PIDNS" "$none" 2>&1)
rc=$?
assert_eq "a missing process: one line on stderr" "pidns: $none: no such process" "$out"
assert_eq "a missing process: exit 1" 1 "$rc"
out=$("$PIDNS" "$t" "$none" 2>/dev/null)
rc=$?
assert_eq "a missing process among others: the others printed, exit 1" "$want 1" "$out $rc"
"$PIDNS" 0 >/dev/null 2>&1
assert_eq "a bad PID: usage error, exit 2" 2 "$?"
"$PIDNS" --bogus 1 >/dev/null 2>&1
assert_eq "an unknown option: exit 2" 2 "$?"
"$PIDNS" --help >/dev/null
assert_eq "--help: exit 0" 0 "$?"

# Without the module: the fallback answers, and says why.
unload
assert_eq "no module: pidns PID prints the same" "$want" "$("$PIDNS" "$t")"
assert_eq "no module: --verbose says /proc answered, and why" \
	"pidns: source: proc (/proc/PID/status, /proc/PID/ns/pid): /proc/pidns: No such file or directory (os error 2)" \
	"$("$PIDNS" --verbose "$t" 2>&1 >/dev/null)"
"$PIDNS" --module "$t" >/dev/null 2>&1
assert_eq "no module: --module fails with exit 1" 1 "$?"

# A /proc/pidns without the ioctl, as an older pidns.ko has (the test module makes one whose
# ioctl is procfs's ENOTTY): the command notices and falls back.
assert_eq "load a module whose /proc/pidns has no ioctl" ok "$("$SYS" load "$REPO/tests/vm/pidns_squatter.ko")"
assert_eq "no ioctl: pidns PID prints the same" "$want" "$("$PIDNS" "$t")"
assert_eq "no ioctl: --verbose says /proc answered, and why" \
	"pidns: source: proc (/proc/PID/status, /proc/PID/ns/pid): /proc/pidns: Inappropriate ioctl for device (os error 25): this pidns.ko has no PIDNS_GET_CHAIN (older)" \
	"$("$PIDNS" --verbose "$t" 2>&1 >/dev/null)"
out=$("$PIDNS" --module "$t" 2>&1)
rc=$?
assert_eq "no ioctl: --module says so once, exit 1" "pidns: $t: Inappropriate ioctl for device (ENOTTY) 1" "$out $rc"
rmmod pidns_squatter
nest_stop
