#!/usr/bin/env bash
# In the VM, on the kernel DKMS built it for (tests/dkms/test-dkms.sh): the DKMS-built pidns.ko
# ($PIDNS_TEST_KO) answers as the seed's script did, at load (pid=N) and through /proc/pidns,
# and the packaged command ($PIDNS_PKG_CLI, from pidns_<version>_amd64.deb) prints the same chain.
# Run by tests/vm/run after test-abi.sh; prints "ok"/"not ok".
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/../vm/lib.sh"
unload

if ! nest_start 3; then
	fail "start a nest of depth 3"
	exit 0
fi
mapfile -t inums < <(nest_inums)
want=$(expected_chain "$NEST_TARGET" "${inums[@]}")

log_mark
assert_eq "insmod pid=<host pid of a process 3 namespaces down> succeeds" ok "$(load "pid=$NEST_TARGET")"
assert_eq "... and logs its chain, deepest first (NSpid's)" "$want" "$(log_pidns)"
log_mark
assert_eq "the host writes the PID to $PROC" ok "$("$SYS" write "$PROC" "$NEST_TARGET\n")"
assert_eq "... and the same chain is logged" "$want" "$(log_pidns)"
assert_eq "the packaged command prints the chain" "${want//pidns: /}" \
	"$("${PIDNS_PKG_CLI:?}" "$NEST_TARGET" 2>&1)"
nest_stop
unload
assert "pidns.ko unloads" bash -c '! grep -q "^pidns " /proc/modules'
