#!/usr/bin/env bash
# The rest of the bad-input matrix: offsets, split requests, tiny and odd reads, big random writes;
# and what read-back may contain. After every case the module still answers correctly.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload
load >/dev/null

still_answers() {
	local line
	line=$(nth_line 2 "$("$SYS" ask 1)")
	assert_eq "$1: the module still answers" "query=1 nspid=1" "${line%% nstgid=*}"
}

# The file has no position: lseek, pread and pwrite fail with ESPIPE; write and read work.
assert_eq "no file position: write ok, then lseek, pread and pwrite fail with ESPIPE" \
	"ok ESPIPE ESPIPE ESPIPE" "$("$SYS" positional '1\n')"
still_answers "lseek, pread, pwrite"

got=$("$SYS" writes 1 '@1')
assert_eq "a query split across two write() calls is two requests: '1' then '@1'" "ok EINVAL" \
	"$(nth_line 1 "$got")"
line=$(nth_line 2 "$got")
assert_eq "... and the file reads back the answer to the first" "query=1" "${line%% *}"
line=$(nth_line 2 "$("$SYS" writes 1 "$$")")
assert_eq "two requests on one file: the second answer replaces the first" "query=$$" "${line%% *}"

# A write that answers but fails (ESRCH: a PID without a process) is read from its start.
missing=$(unused_pid)
exec 3<>"$PROC"
echo 1 >&3
cat <&3 >/dev/null
echo "1 $missing" >&3 2>/dev/null
mapfile -t lines <&3
assert_eq "after a read, a write failing with ESRCH reads back its own answer from the start" \
	"query=1 query=$missing" "${lines[0]%% *} ${lines[1]%% *}"
# A write refused before answering (EINVAL) keeps the old answer and where reading it stopped.
echo 1 >&3
read -r -N 6 first <&3
echo "1 x" >&3 2>/dev/null
rest=$(cat <&3)
exec 3>&-
assert_eq "a refused write (EINVAL) leaves the answer and the read cursor as they were" \
	"query=1 nspid=1" "$first${rest%% nstgid=*}"

full=$("$SYS" ask "1 $$ 1")
full=${full#*$'\n'}
for chunk in 1 2 7 64; do
	assert_eq "reads of $chunk bytes put the answer back together" "$full" \
		"$("$SYS" reads "$chunk" "1 $$ 1")"
done
still_answers "reads"

log_mark
head -c 1048576 /dev/urandom >/tmp/random.bin
assert_eq "1 MiB of random bytes: E2BIG" E2BIG "$("$SYS" write-file "$PROC" /tmp/random.bin)"
head -c 32768 /tmp/random.bin >/tmp/random.32k
read -r -a results <<<"$("$SYS" write-file "$PROC" /tmp/random.32k 4096)"
odd=$(for r in "${results[@]}"; do case $r in EINVAL | ESRCH | ok) ;; *) echo "$r" ;; esac; done)
assert_eq "8 writes of 4 KiB of random bytes answer EINVAL, ESRCH or ok, never anything else" \
	"8 " "${#results[@]} $odd"
assert_eq "random input logs no kernel report" "" "$(log_reports)"
still_answers "random input"

# Read-back carries only the documented fields: no pointers, no stray bytes.
bad=$("$SYS" ask "all" | tail -n +2 |
	grep -Ev '^query=all nspid=[0-9]+(,[0-9]+)* nstgid=[0-9]+(,[0-9]+)* level=[0-9]+(,[0-9]+)* ns=[0-9]+(,[0-9]+)* comm=[!-~]*$' || true)
assert_eq "every read-back line of 'all' matches the documented grammar" "" "$bad"
unload
