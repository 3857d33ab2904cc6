#!/usr/bin/env bash
# make test-dkms: the Debian packages (make deb) installed as a user installs them, in a clean
# trixie root made for the test with dkms and the headers of four kernels (7.3.4, its PREEMPT_RT
# flavour and 7.2.12 from trixie-backports, and trixie's own 6.12, which has no Rust):
#   - `apt-get install ./pidns-dkms_*.deb ./pidns_*.deb` with apt's defaults is the only step: it
#     brings the toolchain and the linux-source packages, builds and installs pidns.ko for the
#     three kernels with Rust, skips 6.12 with DKMS's BUILD_EXCLUSIVE line, and never fails;
#   - the cloud flavour's headers installed later: DKMS's hook builds pidns.ko for it too;
#   - a reinstall (an upgrade's path) rebuilds for all four from the cached metadata;
#   - a kernel whose linux-source is missing is skipped (DKMS's exit 77) with one line naming the
#     package and version to install;
#   - purging leaves nothing behind (modules, DKMS's tree, the source, the metadata cache);
#   - each DKMS-built pidns.ko boots with its own Debian kernel in the VM: test-abi (vermagic, no
#     unknown symbol, taint O+E only) and tests/dkms/guest.sh (pid= at load, /proc/pidns, the
#     packaged command).
# Prints "ok"/"not ok" lines and ends with "N passed, N failed". Needs root (or sudo).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"
case "${1:-}" in
-h | --help)
	cat <<EOF
Usage: tests/dkms/test-dkms.sh    (or: make test-dkms)

Builds the packages (scripts/deb), installs them in a clean trixie root
(\$PIDNS_CACHE/dkms-test/root, made again each run), and boots each DKMS-built pidns.ko with its
kernel (scripts/debian-kernel sets up the boot trees). About 15 to 25 minutes.
EOF
	exit 0
	;;
esac
# shellcheck source=tests/pipeline/lib.sh
. "$PIDNS_ROOT/tests/pipeline/lib.sh"

# The kernels: three built at install, one installed later; trixie's stock 6.12 has no Rust.
FIRST=(7.3.4+deb13-amd64 7.3.4+deb13-rt-amd64 7.2.12+deb13-amd64)
LATER=7.3.4+deb13-cloud-amd64
ALL=("${FIRST[@]}" "$LATER")
NO_RUST=linux-headers-amd64 # trixie's: 6.12

cd "$PIDNS_ROOT"
work="$PIDNS_CACHE/dkms-test"
root="$work/root"
results="$work/results"
as_root rm -rf "$work"
mkdir -p "$work" "$results"
: >"$results/lines"
# ok/not ok lines go to the terminal and to the tally.
tally() { tee -a "$results/lines"; }
times=()
timed() { # NAME SECONDS
	times+=("$1: $(fmt_secs "$2")")
}
inroot() { "$PIDNS_ROOT/scripts/in-root" "$root" "$@"; }

# --- the packages ---------------------------------------------------------------------------------
start=$SECONDS
mapfile -t debs < <(scripts/deb)
timed "make deb" $((SECONDS - start))
check "make deb built pidns-dkms_*_all.deb and pidns_*_amd64.deb, lintian-clean (--pedantic)" \
	[ "${#debs[@]}" -eq 2 ] | tally
version=$(sed -n '1s/^pidns (\([^)]*\)).*/\1/p' debian/changelog)

# --- a clean trixie root with dkms and the headers ------------------------------------------------
start=$SECONDS
mirror=$(debian_mirror)
say "Making the test's trixie root: dkms, the headers of ${FIRST[*]} and trixie's 6.12"
as_root mmdebstrap --quiet --variant=apt "${MMDEBSTRAP_APT_OPTS[@]}" \
	--include="dkms,$(printf 'linux-headers-%s,' "${FIRST[@]}")$NO_RUST" trixie "$root" \
	"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
	"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main" >&2
# mmdebstrap leaves no package lists behind; a user's host has them.
inroot apt-get -qq update >&2
timed "the test's root (mmdebstrap, apt-get update)" $((SECONDS - start))
norust=$(basename "$(inroot sh -c 'ls -d /usr/src/linux-headers-6.12*-amd64 | head -n 1')")
norust=${norust#linux-headers-}
has_headers() { for rel; do inroot test -f "/lib/modules/$rel/build/.config" || return 1; done; }
check "the root has the headers of ${FIRST[*]} and $norust" has_headers "${FIRST[@]}" "$norust" | tally

# dkms_status REL: DKMS's word for pidns on REL ("installed", "built", or nothing).
dkms_status() { inroot dkms status -m pidns -v "$version" -k "$1" | sed -n 's/^pidns\/[^,]*, [^,]*, [^:]*: //p'; }
# built_ko REL: the path of pidns.ko DKMS installed for REL (DKMS compresses it as the kernel's own
# modules are), or nothing.
built_ko() { inroot sh -c "ls /lib/modules/$1/updates/dkms/pidns.ko* 2>/dev/null" || true; }

# --- install, as a user would ----------------------------------------------------------------------
start=$SECONDS
say "apt-get install ./deb/pidns-dkms_${version}_all.deb ./deb/pidns_${version}_amd64.deb"
s=0
inroot env DEBIAN_FRONTEND=noninteractive apt-get install -y "${debs[@]}" >"$results/install.log" 2>&1 || s=$?
timed "apt-get install (builds for ${FIRST[*]})" $((SECONDS - start))
check "apt-get install of both packages with apt's defaults succeeds" [ "$s" -eq 0 ] | tally
if [ "$s" -ne 0 ]; then
	tail -n 40 "$results/install.log" | sed 's/^/#   /'
	echo "$(grep -c '^ok ' "$results/lines") passed, $(grep -c '^not ok ' "$results/lines") failed"
	exit 1
fi
has_pkg() { inroot dpkg-query -W "$1" >/dev/null 2>&1; }
for pkg in linux-source-7.3 linux-source-7.2 rustc bindgen rust-src; do
	check "it brought $pkg (Depends, Recommends)" has_pkg "$pkg" | tally
done
for rel in "${FIRST[@]}"; do
	check "dkms status: pidns $version installed for $rel" [ "$(dkms_status "$rel")" = installed ] | tally
done
check "6.12 ($norust, no CONFIG_RUST) is skipped by DKMS's BUILD_EXCLUSIVE, not failed" \
	grep -q "BUILD_EXCLUSIVE directive" "$results/install.log" | tally
check "... and nothing is built for it" [ -z "$(dkms_status "$norust")$(built_ko "$norust")" ] | tally
check "of the unpacked kernel sources only what a module's build reads is kept (no drivers/)" \
	inroot sh -c '! ls -d /var/cache/pidns-dkms/src/*/drivers 2>/dev/null' | tally
echo "# the cache: $(inroot du -sh /var/cache/pidns-dkms/src /var/cache/pidns-dkms | awk '{ print $2 " " $1 }' | xargs)"
check "the packaged command is /usr/bin/pidns, its man page pidns(1)" \
	inroot test -x /usr/bin/pidns -a -f /usr/share/man/man1/pidns.1.gz | tally

# --- a new kernel's headers ------------------------------------------------------------------------
start=$SECONDS
say "apt-get install linux-headers-$LATER (DKMS's hook builds pidns.ko for it)"
s=0
inroot env DEBIAN_FRONTEND=noninteractive apt-get install -y "linux-headers-$LATER" \
	>"$results/later.log" 2>&1 || s=$?
timed "the headers of $LATER (DKMS's hook)" $((SECONDS - start))
check "apt-get install linux-headers-$LATER succeeds" [ "$s" -eq 0 ] | tally
check "dkms status: pidns $version installed for $LATER, built by the hook" \
	[ "$(dkms_status "$LATER")" = installed ] | tally

# --- a reinstall (the path of an upgrade) ------------------------------------------------------------
start=$SECONDS
s=0
inroot env DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall "${debs[0]}" \
	>"$results/reinstall.log" 2>&1 || s=$?
timed "apt-get install --reinstall (${#ALL[@]} kernels, metadata cached)" $((SECONDS - start))
check "a reinstall succeeds" [ "$s" -eq 0 ] | tally
for rel in "${ALL[@]}"; do
	check "after it: pidns installed for $rel" [ "$(dkms_status "$rel")" = installed ] | tally
	ko=$(built_ko "$rel")
	mkdir -p "$work/ko/$rel"
	case "$ko" in
	*.ko.xz) xz -dc "$root$ko" >"$work/ko/$rel/pidns.ko" ;;
	*.ko.zst) zstd -qdc "$root$ko" >"$work/ko/$rel/pidns.ko" ;;
	*.ko.gz) gzip -dc "$root$ko" >"$work/ko/$rel/pidns.ko" ;;
	*.ko) cp "$root$ko" "$work/ko/$rel/pidns.ko" ;;
	esac
	check "$rel: DKMS's pidns.ko has the vermagic of $rel" \
		[ "$(modinfo -F vermagic "$work/ko/$rel/pidns.ko" 2>/dev/null | cut -d' ' -f1)" = "$rel" ] | tally
done

# --- a kernel whose source is missing: skipped, with the package to install ------------------------
rel=${FIRST[2]} # 7.2.12
debian_kernel "$rel"
want_src=$(awk '{ print $1 "=" $2 }' <<<"$DEBIAN_SOURCE")
inroot env DEBIAN_FRONTEND=noninteractive apt-get remove -y "${want_src%%=*}" >>"$results/skip.log" 2>&1 || true
inroot dkms remove -m pidns -v "$version" -k "$rel" >>"$results/skip.log" 2>&1 || true
inroot rm -rf "/var/cache/pidns-dkms/$rel"
s=0
inroot dkms install -m pidns -v "$version" -k "$rel" >>"$results/skip.log" 2>&1 || s=$?
check "without ${want_src%%=*}: dkms install for $rel exits 77 (skipped, not failed)" [ "$s" -eq 77 ] | tally
line=$(grep -h '^pidns: skipped' "$root/var/lib/dkms/pidns/$version/build/make.log" 2>/dev/null || true)
check "... with one line naming the package and version: apt install $want_src" \
	[ "$line" = "pidns: skipped for Linux $rel: no source for Linux ${rel%%+*}: apt install $want_src" ] | tally
[ -n "$line" ] && echo "#   $line"
s=0
inroot dkms autoinstall -k "$rel" >>"$results/skip.log" 2>&1 || s=$?
check "... and dkms autoinstall (the kernel hooks' way) succeeds over it" [ "$s" -eq 0 ] | tally

# --- purge -------------------------------------------------------------------------------------------
s=0
inroot env DEBIAN_FRONTEND=noninteractive apt-get purge -y pidns-dkms pidns >"$results/purge.log" 2>&1 || s=$?
check "apt-get purge pidns-dkms pidns succeeds" [ "$s" -eq 0 ] | tally
left=$(inroot sh -c 'ls -d /lib/modules/*/updates/dkms/pidns.ko* /var/lib/dkms/pidns /usr/src/pidns-* \
	/var/cache/pidns-dkms /usr/bin/pidns 2>/dev/null' || true)
check "purge leaves nothing: no pidns.ko, DKMS tree, source, metadata or command" [ -z "$left" ] | tally
[ -z "$left" ] || echo "#   left: ${left//$'\n'/ }"

# --- each DKMS-built pidns.ko with its own kernel ----------------------------------------------------
dpkg -x "${debs[1]}" "$work/cli"
cargo build --release --quiet -p pidns-vm-helper -p pidns
for rel in "${ALL[@]}"; do
	start=$SECONDS
	kdir=$(scripts/debian-kernel "$rel")
	log="$results/vm-$rel.log"
	# A guest whose virtiofsd was not up in time (the cloud flavour, on a loaded host) prints no
	# test line: it is booted once more.
	for try in 1 2; do
		PIDNS_KERNEL=debian:$rel KDIR=$kdir scripts/vm-run env PIDNS_TEST_KO="$work/ko/$rel/pidns.ko" \
			PIDNS_PKG_CLI="$work/cli/usr/bin/pidns" tests/vm/run tests/vm/test-abi.sh tests/dkms/guest.sh \
			>"$log" 2>&1 || true
		grep -q '^vm: [0-9]* passed' "$log" && break
		echo "# $rel: the guest printed no summary (try $try)"
	done
	grep -E '^(ok|not ok) ' "$log" | sed "s/^\(ok\|not ok\) - /\1 - $rel: /" | tally
	grep -q '^vm: [0-9]* passed' "$log" || echo "not ok - $rel: the guest ran (log: $log)" | tally
	timed "$rel in the VM (set-up and boot)" $((SECONDS - start))
done

printf '# %s\n' "${times[@]}"
passed=$(grep -c '^ok ' "$results/lines" || true)
failed=$(grep -c '^not ok ' "$results/lines" || true)
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
