#!/usr/bin/env bash
# The rest of the bad-input matrix: offsets, split requests, tiny and odd reads, big random writes;
# and what read-back may contain. After every case the module still answers correctly.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
load >/dev/null

still_answers() {
	assert_eq "$1: the module still answers" "query=1 nspid=1" \
		"$("$SYS" ask 1 | sed -n 2p | cut -d' ' -f1-2)"
}

assert_eq "a write at a non-zero offset is a request like any other" ok "$("$SYS" pwrite 4096 '1\n')"
still_answers "pwrite"

got=$("$SYS" writes 1 '@1')
assert_eq "a query split across two write() calls is two requests: '1' then '@1'" "ok EINVAL" \
	"$(head -n1 <<<"$got")"
assert_eq "... and the file reads back the answer to the first" "query=1" \
	"$(sed -n 2p <<<"$got" | cut -d' ' -f1)"
got=$("$SYS" writes 1 "$$")
assert_eq "two requests on one file: the second answer replaces the first" "query=$$" \
	"$(sed -n 2p <<<"$got" | cut -d' ' -f1)"

# A write that answers but fails (ESRCH: a PID without a process) still rewinds the file.
missing=$(unused_pid)
exec 3<>"$PROC"
echo 1 >&3
cat <&3 >/dev/null
echo "1 $missing" >&3 2>/dev/null
got=$(cat <&3)
exec 3>&-
assert_eq "after a read, a write failing with ESRCH reads back its own answer from the start" \
	"query=1 query=$missing" "$(cut -d' ' -f1 <<<"$got" | xargs)"

full=$("$SYS" ask "1 $$ 1" | tail -n +2)
for chunk in 1 2 7 64; do
	assert_eq "reads of $chunk bytes put the answer back together" "$full" \
		"$("$SYS" pread "$chunk" 0 "1 $$ 1")"
done
for offset in 1 13 $((${#full} - 1)); do
	assert_eq "a read at offset $offset returns the answer from there" "${full:offset}" \
		"$("$SYS" pread 5 "$offset" "1 $$ 1")"
done
assert_eq "a read past the end returns nothing" "" "$("$SYS" pread 16 100000 1)"
still_answers "reads"

log_mark
head -c 1048576 /dev/urandom >/tmp/random.bin
assert_eq "1 MiB of random bytes: E2BIG" E2BIG "$("$SYS" write-file "$PROC" /tmp/random.bin)"
for i in 1 2 3 4 5 6 7 8; do
	head -c $((i * 4096)) /tmp/random.bin | tail -c 4096 >/tmp/random.4k
	r=$("$SYS" write-file "$PROC" /tmp/random.4k)
	[ "$r" = EINVAL ] || [ "$r" = ESRCH ] || [ "$r" = ok ] || fail "4 KiB of random bytes #$i: $r"
done
pass "4 KiB random writes answer EINVAL, ESRCH or ok, never anything else"
assert_eq "random input logs no kernel report" "" "$(log_reports)"
still_answers "random input"

# Read-back carries only the documented fields: no pointers, no stray bytes.
bad=$("$SYS" ask "all" | tail -n +2 |
	grep -Ev '^query=all nspid=[0-9]+(,[0-9]+)* nstgid=[0-9]+(,[0-9]+)* level=[0-9]+(,[0-9]+)* ns=[0-9]+(,[0-9]+)* comm=[!-~]*$' || true)
assert_eq "every read-back line of 'all' matches the documented grammar" "" "$bad"
unload
