#!/usr/bin/env bash
# pidns.ko fits the booted kernel: its vermagic is the kernel's release, it loads without an
# unknown symbol, and loading it taints the kernel with O (out-of-tree) and, where the kernel
# checks module signatures (Debian's), E (unsigned) only. Runs first: the kernel prints its
# one-off taint notices at the first load.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload

vermagic=$(modinfo -F vermagic "$KO")
assert_eq "pidns.ko's vermagic names the booted kernel ($(uname -r))" "$(uname -r)" "${vermagic%% *}"

# Taint flags, as /proc/sys/kernel/tainted's bits: O is bit 12, E bit 13.
read -r before </proc/sys/kernel/tainted
log_mark
assert_eq "pidns.ko loads" ok "$(load)"
read -r after </proc/sys/kernel/tainted
log=$(log_since_mark)
assert_eq "no \"Unknown symbol\" or version complaint in the kernel log" "" \
	"$(grep -iE 'unknown symbol|disagrees about version|invalid module format|version magic' <<<"$log")"
if [ -e /sys/module/module/parameters/sig_enforce ]; then
	want=OE # CONFIG_MODULE_SIG: an unsigned module adds E
else
	echo "# this kernel does not check module signatures (no CONFIG_MODULE_SIG): expecting O only"
	want=O
fi
assert_eq "pidns's own taint is $want" "$want" "$(cat /sys/module/pidns/taint 2>&1)"
expected=4096
[ "$want" = OE ] && expected=$((4096 + 8192))
# W (bit 9, a warning) and L (bit 14, a soft lockup) elsewhere in the kernel between the two reads
# are not the load's doing; their reports fail the run through the kernel-log check after each file.
others=$((512 | 16384))
assert_eq "the load adds no taint flag but $want (tainted $before -> $after)" 0 \
	"$((after & ~before & ~expected & ~others))"
assert_eq "the kernel is tainted $want after the load" "$expected" "$((after & expected))"
unload
