#!/usr/bin/env bash
# PIDNS_GET_CHAIN, the ioctl on /proc/pidns (include/uapi/linux/pidns.h): answers equal to the
# read-back and to /proc/PID/status at every depth of a 32-level nest and from every level, by PID
# and by pidfd; N@P with P a PID or a pidfd; scoping (a pidfd of a process the caller cannot see);
# every errno; the one command number; the struct's size rules and reserved field; a 32-bit caller
# (compat_ioctl); and the pidfd reuse race.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
# log=0: hundreds of answers below; the kernel log is not what is tested here.
assert_eq "load log=0" ok "$(load log=0)"

# --- one process, by PID and by pidfd, against the read-back --------------------------------------
ans=$("$SYS" chain 1)
assert_eq "PID 1: ok" ok "$(nth_line 1 "$ans")"
rb=$(nth_line 2 "$("$SYS" ask 1)")
assert_eq "PID 1: the ioctl's fields equal the read-back's" "${rb#query=1 }" "$(nth_line 2 "$ans")"
assert_eq "PID 1: ns_id is NS_GET_ID of its namespace" "ns_id=$("$SYS" nsid 1)" "$(nth_line 3 "$ans")"
assert_eq "PID 1 by pidfd: the same answer" "$ans" "$("$SYS" chain --pidfd 1)"
# A 32-bit program (tests/vm/helper/ioctl32.c, static, no libc) through compat_ioctl.
ans32=$("$SYS" chain32 1)
if [ "$ans32" = no-ia32 ]; then
	echo "# this kernel runs no 32-bit programs (CONFIG_IA32_EMULATION off): no 32-bit caller tests"
else
	assert_eq "PID 1 from a 32-bit program (compat_ioctl): the same answer" "$ans" "$ans32"
fi

# --- a nest of depth 32: every depth (its PID 1s are at depths 1..32), from every level ---------
if nest_start 32; then
	got=$("$SYS" check-levels "${NEST_INIT[@]}" "$NEST_TARGET")
	assert_eq "depths 1-32 from every level: ioctl by PID, by pidfd and read-back = NSpid/NStgid/ns" \
		ok "${got%% *}"
	echo "# check-levels: $(nth_line 1 "$got")"
	[ "${got%% *}" = ok ] || printf '#   %s\n' "$got" | head -n 20

	t=$NEST_TARGET
	read -r -a nrs <<<"$(nspid "$t")"
	init=${NEST_INIT[32]}
	want=$(nth_line 2 "$("$SYS" chain "$t")")
	ans=$("$SYS" chain --ns-of "$init" 2)
	assert_eq "N@P: 2@<init of level 32> is the sleeper" "$want" "$(nth_line 2 "$ans")"
	ans=$("$SYS" chain --ns-of-pidfd "$init" 2)
	assert_eq "N@P with P a pidfd: the same" "$want" "$(nth_line 2 "$ans")"
	if [ "$ans32" != no-ia32 ]; then
		assert_eq "the sleeper 32 levels down from a 32-bit program: 33 levels and ns_ids as from 64 bits" \
			"$("$SYS" chain "$t")" "$("$SYS" chain32 "$t")"
	fi
	assert_eq "N@P: a number no process has there: ESRCH" ESRCH "$("$SYS" chain --ns-of "$init" 77)"

	# Scoping: from level 16, only levels 16..32, never a host PID.
	inside=$(nsenter -t "${NEST_INIT[16]}" -p -m "$SYS" chain "${nrs[16]}")
	assert_eq "from level 16: nspid = NSpid from level 16 down" \
		"$(join_by , "${nrs[@]:16}")" "$(field "$(nth_line 2 "$inside")" nspid)"
	lv=$(field "$(nth_line 2 "$inside")" level)
	assert_eq "from level 16: the levels start at 16" 16 "${lv%%,*}"
	assert_eq "from level 16: the host PID is ESRCH there (or another process)" \
		"" "$(nsenter -t "${NEST_INIT[16]}" -p -m "$SYS" chain "$t" | grep -x "nspid=$t.*" || true)"
	got=$("$SYS" pidfd-outside "${NEST_INIT[16]}" 1 "$t")
	assert_eq "from level 16: a pidfd of a host process (passed in) is ESRCH" ESRCH \
		"$(field "$got" host)"
	assert_eq "from level 16: a pidfd of the sleeper gives levels 16..32" \
		"ok:$(join_by , "${nrs[@]:16}")" "$(field "$got" inner)"
	assert_eq "from level 16: N@P with P a pidfd of a host process is ESRCH" ESRCH \
		"$(field "$got" ns-of-host)"
	nest_stop
else
	fail "start a nest of depth 32"
fi

# --- errnos ---------------------------------------------------------------------------------------
none=$(unused_pid)
V0=568
V1=832
assert_eq "ESRCH: a PID with no process" ESRCH "$("$SYS" chain "$none")"
assert_eq "EINVAL: PID 0" EINVAL "$("$SYS" chain-raw $V1 0 0 0)"
assert_eq "EINVAL: a negative PID" EINVAL "$("$SYS" chain-raw $V1 0 -5 0)"
assert_eq "EINVAL: an unknown flag" EINVAL "$("$SYS" chain-raw $V1 8 1 0)"
assert_eq "EINVAL: a high unknown flag" EINVAL "$("$SYS" chain-raw $V1 2147483648 1 0)"
assert_eq "EINVAL: PIDFD with NS_OF" EINVAL "$("$SYS" chain-raw $V1 3 pidfd:1 1)"
assert_eq "EINVAL: NS_OF_PIDFD without NS_OF" EINVAL "$("$SYS" chain-raw $V1 4 1 pidfd:1)"
assert_eq "EINVAL: NS_OF with P 0" EINVAL "$("$SYS" chain-raw $V1 2 1 0)"
assert_eq "ESRCH: NS_OF with P no process" ESRCH "$("$SYS" chain-raw $V1 2 1 "$none")"
assert_eq "EBADF: PIDFD with a closed descriptor" EBADF "$("$SYS" chain-raw $V1 1 closed 0)"
assert_eq "EBADF: PIDFD with a negative descriptor" EBADF "$("$SYS" chain-raw $V1 1 -1 0)"
assert_eq "EBADF: PIDFD with a file that is not a pidfd (/proc/pidns)" EBADF \
	"$("$SYS" chain-raw $V1 1 file:/proc/pidns 0)"
assert_eq "EBADF: NS_OF_PIDFD with a regular file" EBADF \
	"$("$SYS" chain-raw $V1 6 1 file:/proc/self/status)"
read -r -a bad <<<"$("$SYS" chain-bad)"
for kv in "${bad[@]}"; do
	case ${kv%%=*} in
	null | unmapped | straddling) want=EFAULT ;;
	# One number for every version: the size-encoding _IOWR numbers (the old PIDNS_GET_CHAIN and
	# its VER0 twin) are other commands, as is a read-only direction.
	other-nr | old-number | ver0-number | read-only-number) want=ENOTTY ;;
	# Of a 568-byte struct only the first 24 bytes are read and the answer's 56 written: the rest
	# may be unmapped.
	number | untouched-unmapped) want=ok ;;
	*) want=unknown ;;
	esac
	assert_eq "${kv%%=*}: ${want}" "$want" "${kv#*=}"
done
assert_eq "chain-bad: every case reported" 9 "${#bad[@]}"

# --- reserved must be 0, count is output only ---------------------------------------------------
assert_eq "EINVAL: reserved 1" EINVAL "$("$SYS" chain-raw --reserved=1 $V1 0 1 0)"
assert_eq "EINVAL: reserved 0x80000000" EINVAL "$("$SYS" chain-raw --reserved=2147483648 $V1 0 1 0)"
assert_eq "EINVAL: reserved 1 with size VER0" EINVAL "$("$SYS" chain-raw --reserved=1 $V0 0 1 0)"
assert_eq "count 99 on input is ignored: ok, count=1" "ok size=832 count=1" \
	"$(got=$("$SYS" chain-raw --count=99 $V1 0 1 0); echo "${got%% ns_id0=*}")"

# --- the struct's size: versions, a larger struct, a smaller one --------------------------------
got=$("$SYS" chain-raw $V1 0 1 0)
assert_eq "size VER1 (832): ok, size written back, ns_id filled" "ok size=832 count=1" \
	"${got%% ns_id0=*}"
assert_eq "... ns_id of level 0 is NS_GET_ID's" "$("$SYS" nsid 1)" "$(field "$got" ns_id0)"
assert_eq "... the entries past count keep the caller's bytes (only the answer is copied out)" \
	kept "$(field "$got" rest)"
got=$("$SYS" chain-raw $V0 0 1 0)
assert_eq "size VER0 (568, an older program): ok, 568 bytes written, no ns_id" \
	"ok size=568 count=1 ns_id0=0 pid0=1 rest=kept" "$got"
assert_eq "size VER0 - 1: EINVAL" EINVAL "$("$SYS" chain-raw $((V0 - 1)) 0 1 0)"
# Between two versions: a caller's mistake (572 would have half of ns_id[0] written).
assert_eq "size 572 (VER0 + 4, inside ns_id[0]): EINVAL" EINVAL "$("$SYS" chain-raw 572 0 1 0)"
assert_eq "size 800 (between VER0 and VER1): EINVAL" EINVAL "$("$SYS" chain-raw 800 0 1 0)"
assert_eq "size VER1 - 1 (831): EINVAL" EINVAL "$("$SYS" chain-raw $((V1 - 1)) 0 1 0)"
assert_eq "size 0: EINVAL" EINVAL "$("$SYS" chain-raw 0 0 1 0)"
assert_eq "size 4: EINVAL" EINVAL "$("$SYS" chain-raw 4 0 1 0)"
assert_eq "size 1000 (a newer program), zero tail: ok, 832 written" "ok size=832 count=1" \
	"$(got=$("$SYS" chain-raw 1000 0 1 0); echo "${got%% ns_id0=*}")"
assert_eq "size 1000, a non-zero byte at 999: E2BIG" E2BIG "$("$SYS" chain-raw 1000 0 1 0 7)"
assert_eq "size 840, zero tail: ok, 832 written" "ok size=832 count=1" \
	"$(got=$("$SYS" chain-raw 840 0 1 0); echo "${got%% ns_id0=*}")"
assert_eq "size 840, a non-zero byte at 839: E2BIG" E2BIG "$("$SYS" chain-raw 840 0 1 0 1)"
assert_eq "size 833, a non-zero byte at 832: E2BIG" E2BIG "$("$SYS" chain-raw 833 0 1 0 1)"
assert_eq "size 4096, zero tail: ok" ok "$(got=$("$SYS" chain-raw 4096 0 1 0); echo "${got%% *}")"
assert_eq "size 4097: E2BIG" E2BIG "$("$SYS" chain-raw 4097 0 1 0)"

# --- pidfd reuse race -------------------------------------------------------------------------------
got=$("$SYS" reuse)
echo "# reuse: $got"
assert_eq "reuse: the pidfd answers while the child lives" "$(field "$got" alive-want)" \
	"$(field "$got" alive)"
assert_eq "reuse: the pidfd of the reaped child: ESRCH" ESRCH "$(field "$got" reaped)"
assert_eq "reuse: N@P with P the reaped child's pidfd: ESRCH" ESRCH "$(field "$got" ns-of-reaped)"
assert_eq "reuse: its PID number was given to a new process" yes "$(field "$got" reused)"
assert_eq "reuse: the pidfd still gives ESRCH (module)" ESRCH "$(field "$got" pidfd)"
assert_eq "reuse: ... and through the /proc fallback" ESRCH "$(field "$got" pidfd-proc)"
assert_eq "reuse: the PID now names the new process" "$(field "$got" pid-want)" "$(field "$got" pid)"

unload
