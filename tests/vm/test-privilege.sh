#!/usr/bin/env bash
# Only root of the initial user namespace may use /proc/pidns: its kernel log shows host PIDs.
# Root of a child PID namespace gets answers scoped to its namespace.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
load >/dev/null

log_mark
got=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$SYS" write "$PROC" "1\n")
assert_eq "an unprivileged user cannot write /proc/pidns (EACCES)" EACCES "$got"
assert_eq "... and nothing is logged" "" "$(log_pidns)"

log_mark
got=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	unshare --user --map-root-user "$SYS" write "$PROC" "1\n")
assert_eq "root of a user namespace made by an unprivileged user (rootless container) is refused" \
	EACCES "$got"
assert_eq "... and nothing is logged" "" "$(log_pidns)"

# A user that is not root but holds the capabilities that pass file modes (CAP_DAC_OVERRIDE,
# CAP_DAC_READ_SEARCH) is still not root: refused at open, for reads, writes and the ioctl.
caps=+dac_override,+dac_read_search
as_dac_user() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="$caps" --ambient-caps="$caps" "$@"
}
assert_eq "(the capabilities reach the process)" "0000000000000006" \
	"$(as_dac_user grep -Po '^CapEff:\t\K.*' /proc/self/status)"
log_mark
assert_eq "a non-root user with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH cannot write (EACCES)" \
	EACCES "$(as_dac_user "$SYS" write "$PROC" "1\n")"
assert_eq "... nor read back" EACCES "$(as_dac_user "$SYS" ask "1")"
assert_eq "... nor call the ioctl" EACCES "$(as_dac_user "$SYS" chain 1 | cut -d' ' -f1)"
assert_eq "... and nothing is logged" "" "$(log_pidns)"

# An answer is read only in the PID namespace it was made in. A host shell asks for a host PID on
# an open file and hands the file to a container (an inherited descriptor): the container reads
# nothing of it. What the container writes on that file, it reads back; the host then reads nothing.
exec 3<>"$PROC"
printf '%s' "$$" >&3
host_answer=$(cat <&3)
assert_eq "the host reads its own answer back on the shared file" "query=$$ nspid=$$" \
	"${host_answer%% nstgid=*}"
printf '%s' "$$" >&3
got=$(unshare -pf --mount-proc sh -c 'cat <&3; echo "end $?"')
assert_eq "a process in a new PID namespace that inherited the file reads nothing of the host's answer" \
	"end 0" "$got"
got=$(unshare -pf --mount-proc sh -c 'echo 1 >&3 && cat <&3')
assert_eq "... while it reads back its own answer on the same file" "query=1 nspid=1 nstgid=1 level=1" \
	"${got%% ns=*}"
unshare -pf --mount-proc sh -c 'echo 1 >&3'
assert_eq "... and the host, in turn, reads nothing of the container's answer" "" "$(cat <&3)"
exec 3>&-

# Root of a child PID namespace (same user namespace) may ask, and sees no host PID.
nest_start 1
got=$(nsenter -t "${NEST_INIT[1]}" -p -m "$SYS" ask "1 2 all")
assert_eq "root of a child PID namespace gets answers" ok "$(head -n1 <<<"$got")"
assert_eq "... to its own PIDs 1 and 2" "query=1 nspid=1 query=2 nspid=2" \
	"$(sed -n '2,3p' <<<"$got" | cut -d' ' -f1-2 | xargs)"
assert_eq "... none of which names a host PID" "" \
	"$(grep -Eo 'nspid=[0-9,]+' <<<"$got" | grep -w -e "$NEST_TARGET" -e "${NEST_INIT[1]}" || true)"
nest_stop
unload
