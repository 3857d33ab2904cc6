#!/usr/bin/env bash
# What the table of latest answers (one per PID namespace, for readers that have not written) may
# hold: at most max_answer bytes in all, the least recently written pushed out first; answers of
# namespaces that died are freed at the next request. Measured with memory.current of the
# writers' memory cgroup (the answers are charged to it). The namespaces' init processes live
# outside that cgroup, so that only the writers and their answers count there.
set -uo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
unload

cg=/sys/fs/cgroup
if ! grep -q '^cgroup2 /sys/fs/cgroup ' /proc/mounts; then mount -t cgroup2 none "$cg"; fi
echo +memory >"$cg/cgroup.subtree_control"
group=$cg/pidns-latest
mkdir -p "$group"
mem() { cat "$group/memory.current"; }
# in_group CMD...: CMD in the writers' cgroup.
in_group() { (echo "$BASHPID" >"$group/cgroup.procs" && exec "$@"); }

# 32,000 queries of PID 1: an answer of about 1.8 MB in a level-1 namespace.
req=$(printf '1 %.0s' {1..32000})
max=$((4 << 20))
load "log=0 max_answer=$max" >/dev/null

# The host's answer first: the least recently written.
exec 4<>"$PROC"
printf 1 >&4

inits=()
tops=()
for i in 1 2 3 4 5 6 7 8; do
	if ! nest_start 1; then
		fail "start PID namespace $i"
		continue
	fi
	inits+=("${NEST_INIT[1]}")
	tops+=("$NEST_TOP")
done
base=$(mem)
results=()
for init in "${inits[@]}"; do
	results+=("$(in_group nsenter -t "$init" -p -m "$SYS" ask "$req" | head -c 2)")
done
held=$(mem)
echo "# memory.current of the writers' cgroup: $base before, $held after 8 answers of ~1.8 MB (max_answer=$max)"
assert_eq "8 writers in 8 PID namespaces each ask for ~1.8 MB and exit" "ok ok ok ok ok ok ok ok" \
	"${results[*]}"
assert "... the table keeps at least the latest (memory.current grew by more than 1.5 MB)" \
	test $((held - base)) -gt 1500000
assert "... and at most max_answer in all (grew by less than 4 MiB + 1 MiB, not 8 x 1.8 MB)" \
	test $((held - base)) -lt $((max + (1 << 20)))
assert_eq "a fresh open on the host, whose latest answer was pushed out, reads nothing" "" \
	"$(cat "$PROC")"
got=$(cat <&4)
assert_eq "... while the host's file that wrote it still reads its answer" "query=1 nspid=1" \
	"${got%% nstgid=*}"
exec 4>&-

# The namespaces die (their init killed); the next request, from anywhere, frees their answers.
for i in "${!inits[@]}"; do
	kill -9 "${inits[i]}" "${tops[i]}" 2>/dev/null
	wait "${tops[i]}" 2>/dev/null
done
"$SYS" write "$PROC" 1 >/dev/null
freed=$(mem)
echo "# memory.current: $freed after the namespaces died and the host asked once more"
assert "the answers of namespaces that died are freed at the next request (within 1 MB of before)" \
	test $((freed - base)) -lt $((1 << 20))
unload
rmdir "$group" 2>/dev/null || true
