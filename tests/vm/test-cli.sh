#!/usr/bin/env bash
# The pidns command (cli/): its output equals the kernel log's chain (without "pidns: "), through
# the module's ioctl and through the /proc fallback; names escaped as the kernel log escapes them
# (and as valid JSON); N@P, --pidfd, --all (always the caller's own namespace), --json (JSON
# Lines, parsed, error objects), --verbose naming the source, one ioctl per process, a user that
# is not root with and without the module, every usage error, exit codes and messages, the man
# page and `make install`.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload

# Python without a version manager's shim in front of it (pyenv's starts several processes).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
# as_nobody CMD...: CMD as user and group 65534, no supplementary groups, no capabilities.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
# hidepid_nobody ARG...: pidns ARG... as nobody, in a mount namespace whose /proc has hidepid=1
# (other users' processes listed, but none of their files readable).
hidepid_nobody() {
	# shellcheck disable=SC2016 # the inner sh expands them
	unshare -m sh -c 'mount -t proc -o hidepid=1 proc /proc &&
		exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"' sh "$PIDNS" "$@"
}
# new_pidns [--mount-proc]: in a new PID namespace whose PID 1 is bash, PIDs are used up until
# the next is one that /proc (without --mount-proc: the host's) has no process for; then
# pidns --all runs as that PID N. Prints "next N|" and, from pidns's first lines,
# "pid 1 (bash) level L|pid N (pidns) level L|".
new_pidns() {
	# shellcheck disable=SC2016 # the inner bash expands them
	unshare --pid --fork "$@" bash -c 'p=1
		while [ -e /proc/$((p + 1)) ]; do (:) & p=$!; wait $p; done
		echo "next $((p + 1))"
		"$0" --all; exit $?' "$PIDNS" 2>&1 |
		grep -E '^(pid|next) ' | cut -d' ' -f1-5 | tr '\n' '|'
}
# ioctls FILE: how many PIDNS_GET_CHAIN (_IOC(RW, 0xb9, 1, 0)) `strace -e trace=ioctl -o FILE` saw.
ioctls() { grep -cE '0xb9, 0x1, 0|0xc000b901' "$1"; }
# json_comm_check: reads JSON Lines on stdin; prints "ok" when each line is valid UTF-8 with no
# control character, parses as JSON, and its comm is /proc/QUERY/comm decoded as Python's
# errors="replace" does (each invalid sequence as U+FFFD); else what differs.
json_comm_check() {
	"$PY" -c '
import json, sys
bad = []
for line in sys.stdin.buffer.read().splitlines():
    try:
        text = line.decode("utf-8")
        o = json.loads(text)
    except ValueError as e:
        bad.append("%r: %s" % (line, e))
        continue
    if any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in text):
        bad.append("control character in %r" % text)
    raw = open("/proc/%s/comm" % o["query"], "rb").read()[:-1]
    if o.get("comm") != raw.decode("utf-8", "replace"):
        bad.append("comm %r, want %r" % (o.get("comm"), raw))
print("; ".join(bad) or "ok")
'
}

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
got=$("$PY" -c '
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

# One ioctl per process, no probe before it.
strace -f -qq -e trace=ioctl -o /tmp/pidns-ioctls "$PIDNS" "$t" >/dev/null
assert_eq "pidns PID: exactly one PIDNS_GET_CHAIN ioctl" 1 "$(ioctls /tmp/pidns-ioctls)"
strace -f -qq -e trace=ioctl -o /tmp/pidns-ioctls "$PIDNS" --all >/tmp/pidns-all
asked=$(ioctls /tmp/pidns-ioctls)
gone=$(grep -c 'ESRCH' /tmp/pidns-ioctls)
assert_eq "--all: one ioctl per process printed (and per process gone meanwhile), no more" \
	"$(grep -c '^pid ' /tmp/pidns-all)" "$((asked - gone))"

# JSON Lines: an object for each query, also for one that failed (and the stderr line, exit 1).
none=$(unused_pid)
for src in module proc; do
	flag=()
	[ "$src" = proc ] && flag=(--proc)
	out=$("$PIDNS" --json "${flag[@]}" "$t" "$none" 2>/tmp/pidns-err)
	rc=$?
	assert_eq "--json ($src): a missing process is an object too, after the others; exit 1" \
		"${json_m/\"module\"/\"$src\"}"$'\n'"{\"query\":\"$none\",\"error\":\"ESRCH\"} 1" "$out $rc"
	assert_eq "--json ($src): and its line on stderr" "pidns: $none: no such process" "$(</tmp/pidns-err)"
done

# Usage errors: exit 2, the message and "Try 'pidns --help'." on stderr, nothing on stdout, and
# nothing opened before: every case runs under one strace, which must see no open of /proc/pidns.
# Each case: the message, then the arguments as shell words.
usage=(
	"give PIDs (or N@P) or --all" ""
	"invalid option '--bogus'" "--bogus 1"
	'"0": not a PID or N@P' "0"
	'"abc": not a PID or N@P' "--module abc"
	'"-5": not a PID or N@P' "-- -5"
	"invalid option '-1'" "-1"
	"--proc and --module exclude each other" "--proc --module $t"
	"--proc and --module exclude each other" "--module --proc $t"
	"--all takes no PIDs" "--all $t"
	"--pidfd is for the PIDs given, not --all" "--all --pidfd"
	"unexpected argument for option '--json': \"yes\"" "--json=yes $t"
	'"\xFF1": not valid UTF-8' "\$'\\xff1'"
	$'invalid option \'--\xef\xbf\xbd\'' "\$'--\\xff'"
)
# Prints "STDERR|STATUS|STDOUT" for each case, newlines as "\n".
# shellcheck disable=SC2016 # the inner bash expands them
run_usage='
for ((i = 2; i <= $#; i += 2)); do
	eval "args=(${!i})"
	out=$("$0" "${args[@]}" 2>/tmp/pidns-err)
	rc=$?
	err=$(</tmp/pidns-err)
	echo "${err//[[:cntrl:]]/\\n}|$rc|$out"
done'
mapfile -t usage_got < <(strace -f -qq -e trace=open,openat -o /tmp/pidns-opens \
	bash -c "$run_usage" "$PIDNS" "${usage[@]}")
for ((i = 0; i < ${#usage[@]}; i += 2)); do
	assert_eq "usage error (pidns ${usage[i + 1]}): exit 2, said" \
		"pidns: ${usage[i]}\\nTry 'pidns --help'.|2|" "${usage_got[i / 2]-}"
done
assert_eq "usage errors: /proc/pidns never opened (strace, which saw the cases' redirections)" \
	"0 yes" "$(grep -c /proc/pidns /tmp/pidns-opens) $(grep -q pidns-err /tmp/pidns-opens && echo yes)"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$REPO/cli/Cargo.toml" | head -1)
out=$("$PIDNS" --version)
assert_eq "--version: pidns and cli/Cargo.toml's version, exit 0" "pidns $version 0" "$out $?"
assert_eq "--help names -v, --json as JSON Lines and --" "3" \
	"$("$PIDNS" --help | grep -cE '^  (-v, --verbose|--json +JSON Lines|-- +the arguments)')"
assert_eq "-- ends the options: pidns -- PID" "$want" "$("$PIDNS" -- "$t")"

# Not root: /proc/pidns is refused, /proc answers. The PIDs come from /proc/PID/status (anyone
# may read it); /proc/PID/ns/pid of root's processes is not readable (ptrace access), so their
# namespaces are unknown but for the outermost, the caller's own.
want_nobody=$(expected_chain "$t" "${inums[0]}" '?' '?' '?')
want_nobody=${want_nobody//pidns: /}
nobody_checks() { # STATE (the module loaded or not)
	local out rc
	out=$(as_nobody "$PIDNS" "$t" 2>&1)
	rc=$?
	assert_eq "not root, $1: the PIDs, unknown namespaces as ns pid:[?], exit 0" \
		"$want_nobody 0" "$out $rc"
	assert_eq "not root, $1: --verbose says why not the module" \
		"pidns: source: proc (/proc/PID/status, /proc/PID/ns/pid): /proc/pidns: $2" \
		"$(as_nobody "$PIDNS" -v "$t" 2>&1 >/dev/null)"
	out=$(as_nobody "$PIDNS" --json "$t")
	assert_eq "not root, $1: --json has null for the unknown namespaces" \
		"$(join_by , "${nrs[@]}") 0,1,2,3 ${inums[0]},None,None,None ${ids%%,*},None,None,None" \
		"$("$PY" -c '
import json, sys
L = json.loads(sys.argv[1])["levels"]
print(",".join(str(l["pid"]) for l in L), ",".join(str(l["level"]) for l in L),
      ",".join(str(l["ns"]) for l in L), ",".join(str(l["ns_id"]) for l in L))
' "$out")"
	out=$(as_nobody "$PIDNS" --all --json 2>/tmp/pidns-err)
	rc=$?
	assert_eq "not root, $1: --all answers every process, exit 0, nothing on stderr" \
		"$(as_nobody "$PIDNS" --json "$t") 0 " \
		"$(grep "\"query\":\"$t\"" <<<"$out") $rc $(</tmp/pidns-err)"
}
nobody_checks "module loaded" "Permission denied (EACCES)"
# A /proc with hidepid=1: other users' processes are listed but cannot be read at all.
out=$(hidepid_nobody --all 2>/tmp/pidns-err)
rc=$?
err=$(</tmp/pidns-err)
assert_eq "not root, hidepid=1: --all skips what it cannot read, one count line, exit 0" \
	"yes 0 yes" \
	"$(grep -q '^pid [0-9]* (pidns) level 0 ' <<<"$out" && echo yes) $rc \
$([[ $err =~ ^pidns:\ [0-9]+\ processes\ skipped:\ permission\ denied$ ]] && echo yes || echo "$err")"
out=$(hidepid_nobody --json 1 2>/tmp/pidns-err)
rc=$?
assert_eq "not root, hidepid=1: a process it cannot read is an error (EPERM), an object, exit 1" \
	'{"query":"1","error":"EPERM"} 1 pidns: 1: Operation not permitted (EPERM)' "$out $rc $(</tmp/pidns-err)"

# --all is the caller's own PID namespace: under unshare --pid --fork without a /proc of its
# own, the module's `all` lists the new namespace, also PIDs that the host's /proc has not.
out=$(new_pidns)
next=${out#next }
next=${next%%|*}
assert_eq "unshare -pf (module): --all lists the new namespace only (pidns as PID $next)" \
	"next $next|pid 1 (bash) level 1|pid $next (pidns) level 1|" "$out"

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
names_json="" named_pids=()
for name in 'x) level 0 ns p' 'a\nb\x1b[31m\\\xff\xc3\xa9' 'NSpid:' 'é日\x80z\xe6\x97\xc2\x9b'; do
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
	# Checked together below (one Python for all), while the processes still hold their names.
	names_json+=$("$PIDNS" --json "$named")$'\n'$("$PIDNS" --json --proc "$named")$'\n'
	named_pids+=("$named")
done
assert_eq "those names in --json (module, fallback): valid JSON and UTF-8, comm their UTF-8 text" \
	"ok 8" "$(json_comm_check <<<"${names_json%$'\n'}") $(count_lines "${names_json%$'\n'}")"
kill "${named_pids[@]}"
wait "${named_pids[@]}" 2>/dev/null
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
got=$("$PY" -c '
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
	"pidns: source: proc (/proc/PID/status, /proc/PID/ns/pid): /proc/pidns: No such file or directory (ENOENT)" \
	"$("$PIDNS" --verbose "$t" 2>&1 >/dev/null)"
out=$("$PIDNS" --module "$t" 2>&1)
assert_eq "no module: --module fails, said, exit 1" "pidns: /proc/pidns: No such file or directory (ENOENT) 1" "$out $?"
out=$("$PIDNS" --module abc 2>&1)
assert_eq "no module: --module abc is a usage error (exit 2), not a failed open" \
	"pidns: \"abc\": not a PID or N@P"$'\n'"Try 'pidns --help'. 2" "$out $?"
nobody_checks "no module" "No such file or directory (ENOENT)"
# Without the module, --all reads /proc only if it is the caller's own namespace's.
out=$(unshare --pid --fork "$PIDNS" --all 2>/tmp/pidns-err)
rc=$?
err=$(</tmp/pidns-err)
assert_eq "unshare -pf (no module): --all refuses the parent's /proc, says why, exit 1" "|1|yes" \
	"$out|$rc|$([[ $err == "pidns: /proc shows another PID namespace than this process's"* ]] && echo yes || echo "$err")"
assert_eq "unshare -pf --mount-proc (no module): --all lists the new namespace" \
	"next 2|pid 1 (bash) level ?|pid 2 (pidns) level ?|" "$(new_pidns --mount-proc)"

# A /proc/pidns without the ioctl, as an older pidns.ko has (the test module makes one whose
# ioctl is procfs's ENOTTY): the command notices and falls back.
assert_eq "load a module whose /proc/pidns has no ioctl" ok "$("$SYS" load "$REPO/tests/vm/pidns_squatter.ko")"
assert_eq "no ioctl: pidns PID prints the same" "$want" "$("$PIDNS" "$t")"
assert_eq "no ioctl: --verbose says /proc answered, and why" \
	"pidns: source: proc (/proc/PID/status, /proc/PID/ns/pid): /proc/pidns: Inappropriate ioctl for device (ENOTTY): this pidns.ko has no PIDNS_GET_CHAIN (older)" \
	"$("$PIDNS" --verbose "$t" 2>&1 >/dev/null)"
out=$("$PIDNS" --all --verbose 2>&1 >/tmp/pidns-all)
assert_eq "no ioctl: --all falls back to /proc, says why, lists the target" \
	"pidns: source: proc (/proc/PID/status, /proc/PID/ns/pid): /proc/pidns: all: Input/output error (EIO) yes" \
	"$out $(grep -qxF "pid 2 (sleep) level 3 ns pid:[${inums[3]}]" /tmp/pidns-all && echo yes)"
out=$("$PIDNS" --module "$t" 2>&1)
rc=$?
assert_eq "no ioctl: --module says so once, exit 1" "pidns: $t: Inappropriate ioctl for device (ENOTTY) 1" "$out $rc"
rmmod pidns_squatter
nest_stop

# Installable: the man page has no warnings, and `make install DESTDIR=` stages the stripped
# static command, its man page and the module.
assert_eq "pidns(1): man --warnings is silent" "" "$(man --warnings -l "$REPO/cli/pidns.1" 2>&1 >/dev/null)"
dest=$(mktemp -d)
out=$(make -s -C "$REPO" install DESTDIR="$dest" INSTALL_ONLY=1 2>&1)
rc=$?
rel=$(modinfo -F vermagic "$KO" | cut -d' ' -f1)
assert_eq "make install DESTDIR=: exit 0, the module, the command and the man page" \
	"0 yes yes yes" \
	"$rc $([ -f "$dest/lib/modules/$rel/updates/pidns.ko" ] && echo yes) \
$([ -x "$dest/usr/local/bin/pidns" ] && echo yes) $([ -f "$dest/usr/local/share/man/man1/pidns.1.gz" ] && echo yes)"
[ "$rc" -eq 0 ] || fail "make install output" "$out"
bin=$dest/usr/local/bin/pidns
assert_eq "installed command: runs, static (no interpreter), stripped (no .symtab)" \
	"$("$PIDNS" --version) 0 0" \
	"$("$bin" --version) $(readelf -lW "$bin" | grep -c INTERP) $(readelf -SW "$bin" | grep -c '\.symtab')"
assert_eq "installed man page: renders its NAME" "pidns - show a process's PID in every PID namespace it lives in" \
	"$(MANWIDTH=100 man -l "$dest/usr/local/share/man/man1/pidns.1.gz" 2>/dev/null | sed -n '/^NAME/{n;s/^ *//;p}')"
rm -rf "$dest"
