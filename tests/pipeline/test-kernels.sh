#!/usr/bin/env bash
# The supported kernels: Kbuild refuses a kernel outside 7.2 and 7.3 with one line before
# compiling anything, and hands rustc the cfg of 7.2's API on 7.2 only; the table of Debian's
# kernels (scripts/lib.sh) names, for each, all its packages with a SHA-256 pin, a root with a
# toolchain, and its source package; PIDNS_KERNEL=debian:<release> selects one, and an unknown
# release is refused with the list. Prints "ok"/"not ok".
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"
case "${1:-}" in
-h | --help)
	echo "Usage: tests/pipeline/test-kernels.sh"
	exit 0
	;;
esac
# shellcheck source=tests/pipeline/lib.sh
. "$(dirname "$0")/lib.sh"
# kbuild VERSION PATCHLEVEL: what reading Kbuild for such a kernel says (the rust flags, or the
# error), as Kbuild reads it inside the kernel's make (which sets these variables).
# shellcheck disable=SC2016 # $(rustflags-y) is make's, expanded by make
kbuild() {
	make -s --no-print-directory -f "$PIDNS_ROOT/Kbuild" -f - VERSION="$1" PATCHLEVEL="$2" \
		KERNELRELEASE="$1.$2.0-test" src="$PIDNS_ROOT" 2>&1 <<<'all: ; @echo "rustflags: $(rustflags-y)"' || true
}
check "Linux 7.3: no compatibility cfg" [ "$(kbuild 7 3)" = "rustflags: " ]
check "Linux 7.2: --cfg=pidns_7_2" [ "$(kbuild 7 2)" = "rustflags: --cfg=pidns_7_2" ]
out=$(kbuild 6 12)
check "Linux 6.12 is refused in one line naming the range and the kernel" \
	grep -qx '.*Kbuild:[0-9]*: \*\*\* pidns supports Linux 7.2 and 7.3 (their Rust kernel crate); this kernel is 6.12.0-test.  Stop.' <<<"$out"
check "... and so is 7.4" grep -q "this kernel is 7.4.0-test" <<<"$(kbuild 7 4)"

for rel in $(debian_releases); do
	debian_kernel "$rel"
	check "$rel: 6 packages (image, modules, base, headers, common headers, kbuild), each pinned" \
		[ "${#DEBIAN_DEBS[@]}" -eq 6 ]
	check "$rel: a toolchain root ($DEBIAN_ROOT) with rustc, bindgen and a gcc" \
		grep -q "gcc-[0-9]*=.*rustc=.*bindgen=" <<<"${DEBIAN_TOOLCHAIN[*]}"
	check "$rel: its source package, pinned" [ "$(wc -w <<<"$DEBIAN_SOURCE")" -eq 4 ]
done
check "PIDNS_KERNEL=debian is Debian's 7.3.4 amd64" [ "$(PIDNS_KERNEL=debian debian_release)" = 7.3.4+deb13-amd64 ]
check "PIDNS_KERNEL=debian:7.2.13+deb14-amd64 names that release" \
	[ "$(PIDNS_KERNEL=debian:7.2.13+deb14-amd64 debian_release)" = 7.2.13+deb14-amd64 ]
unknown=$( (debian_kernel 7.9.9+deb13-amd64) 2>&1 || true)
check "an unknown release is refused with the list of the supported ones" \
	grep -q "not one pidns supports; these are: 7.3.4+deb13-amd64 .*7.2.13+deb14-amd64" <<<"$unknown"

# The test modules are built where their sources are: the DKMS package ships pidns.ko's alone.
# shellcheck disable=SC2016 # $(obj-m) is make's
objs() {
	make -s --no-print-directory -f "$PIDNS_ROOT/Kbuild" -f - VERSION=7 PATCHLEVEL=3 \
		KERNELRELEASE=7.3.0-test src="$1" 2>&1 <<<'all: ; @echo "$(obj-m)"' || true
}
check "Kbuild, in the repository: pidns.ko and the two test modules" \
	[ "$(objs "$PIDNS_ROOT")" = "pidns.o pidns_kunit.o tests/vm/pidns_squatter.o" ]
dkms_src=$(mktemp -d)
mkdir -p "$dkms_src/rust"
touch "$dkms_src/rust/pidns.rs"
check "Kbuild, with pidns.ko's sources alone (the DKMS package's): pidns.ko alone" \
	[ "$(objs "$dkms_src")" = "pidns.o" ]
rm -rf "$dkms_src"

# dkms.conf builds for exactly the kernels Kbuild accepts.
range=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$PIDNS_ROOT/debian/pidns-dkms.dkms")
for rel in 7.2.12+deb13-amd64 7.3.4+deb13-rt-amd64 7.2.0; do
	check "dkms.conf's BUILD_EXCLUSIVE_KERNEL takes $rel" grep -qE "$range" <<<"$rel"
done
refuses() { ! grep -qE "$1" <<<"$2"; }
for rel in 6.12.57+deb13-amd64 7.4.1 7.20.0 17.3.0; do
	check "dkms.conf's BUILD_EXCLUSIVE_KERNEL refuses $rel" refuses "$range" "$rel"
done
