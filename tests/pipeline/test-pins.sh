#!/usr/bin/env bash
# The cache keys (scripts/lib.sh): a kernel built with another rustc, bindgen, clang, source
# package or config fragment is never reused, and a pinned Rust channel that rustup has moved
# on (a `rustup update` of the toolchain it links to) is refused before any build. The other
# tools are stood in for by scripts on PATH that print another version. Prints "ok"/"not ok".
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"
case "${1:-}" in
-h | --help)
	echo "Usage: tests/pipeline/test-pins.sh"
	exit 0
	;;
esac
# shellcheck source=tests/pipeline/lib.sh
. "$(dirname "$0")/lib.sh"
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
# stand_in TOOL TEXT: TOOL now prints TEXT for any version question.
stand_in() {
	printf '#!/bin/sh\necho "%s"\n' "$2" >"$fake/$1"
	chmod +x "$fake/$1"
}

export PIDNS_KERNEL=debug PIDNS_CACHE=/nonexistent
base=$(kernel_build_dir)
check "the kernel's cache key is stable" [ "$base" = "$(kernel_build_dir)" ]

pinned_runs() { (check_rust_toolchain); } # a subshell: its die must not end the script
check "rustup runs the pinned Rust $RUST_TOOLCHAIN" pinned_runs
key_with() { # TOOL TEXT: the cache key with TOOL standing in
	stand_in "$1" "$2"
	PATH="$fake:$PATH" kernel_build_dir
	rm -f "${fake:?}/$1"
}
check "another rustc: another kernel (never E0514 against this one's metadata)" [ "$(key_with rustc "rustc 1.96.0 (00000000 2026-05-28)")" != "$base" ]
check "another bindgen: another kernel" [ "$(key_with bindgen "bindgen 0.73.3")" != "$base" ]
check "another clang: another kernel" [ "$(key_with "clang$LLVM_SUFFIX" "Debian clang version 19.1.8")" != "$base" ]
check "another source package: another kernel" [ "$(KERNEL_PKG_VERSION=7.3.4-2~bpo13+1 kernel_build_dir)" != "$base" ]
check "another source package: unpacked into another directory" [ "$(KERNEL_PKG_VERSION=7.3.4-2~bpo13+1 kernel_src_dir)" != "$(kernel_src_dir)" ]
check "other config fragments: another kernel" [ "$(PIDNS_KERNEL=base kernel_build_dir)" != "$base" ]

stand_in rustc "rustc 1.96.0 (00000000 2026-05-28)"
s=0
out=$(PATH="$fake:$PATH" check_rust_toolchain 2>&1) || s=$?
if [ "$s" -ne 0 ] && grep -q "pins Rust $RUST_TOOLCHAIN, but rustup runs 'rustc 1.96.0" <<<"$out"; then
	echo "ok - a pinned channel that now runs another rustc is refused, saying which"
else
	echo "not ok - a pinned channel that now runs another rustc is refused, saying which: $out"
fi

marker=$fake/marker
echo "a: 1" >"$marker"
markers_ok() {
	marker_matches "$marker" "a: 1" && ! marker_matches "$marker" "a: 2" &&
		! marker_matches "$fake/none" "a: 1"
}
check "a marker matches only the pins it was written with" markers_ok
