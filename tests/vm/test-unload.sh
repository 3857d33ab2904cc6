#!/usr/bin/env bash
# Unload and reload, also while writers are busy: no oops, no file left behind.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload

cycles=0
for ((i = 0; i < 3; i++)); do
	[ "$(load)" = ok ] && [ -e "$PROC" ] && [ "$("$SYS" write "$PROC" 1)" = ok ] &&
		rmmod pidns && [ ! -e "$PROC" ] && cycles=$((cycles + 1))
done
assert_eq "3 load / write / rmmod cycles from the shell" 3 "$cycles"
assert_eq "10 load / ask / unload cycles in one process" 10 "$("$SYS" cycles "$KO" 10 1)"

# Quiet (log=0), so that thousands of answers do not flood the kernel log.
load log=0 >/dev/null
rm -f /tmp/hammer.*
for w in 1 2 3; do "$SYS" hammer "$PROC" "1\n" 5 "/tmp/hammer.$w.ready" >"/tmp/hammer.$w" & done
# rmmod once every writer is busy (python starts slowly under TCG).
wait_for "3 busy writers" 120 test -e /tmp/hammer.1.ready -a -e /tmp/hammer.2.ready -a -e /tmp/hammer.3.ready
rmmod_ok=no
for ((i = 0; i < 50; i++)); do
	if rmmod pidns 2>/dev/null; then rmmod_ok=yes; break; fi
	sleep 0.1
done
wait
assert_eq "rmmod succeeds while writers are busy" yes "$rmmod_ok"
assert "/proc/pidns is gone after rmmod" test ! -e "$PROC"
for w in 1 2 3; do
	read -r answered failures <"/tmp/hammer.$w"
	assert "writer $w: answered before rmmod ($answered writes)" test "$answered" -gt 0
	# ENOENT: opened after the removal; EIO: opened before, written after (procfs's answer).
	assert_eq "writer $w: after rmmod only ENOENT or EIO (the file is gone)" "" \
		"$(tr ' ' '\n' <<<"${failures:-}" | grep -v '^ENOENT=\|^EIO=' || true)"
done
assert_eq "reload after that works" ok "$(load)"
unload
