# shellcheck shell=bash disable=SC2034 # the settings here are used by the scripts that source it
# Shared settings and helpers for the scripts in this directory. Sourced, not run.
#
# Everything that is built or downloaded lives under $PIDNS_CACHE (default ~/.cache/pidns),
# never in the repository.

PIDNS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PIDNS_CACHE=${PIDNS_CACHE:-$HOME/.cache/pidns}

# The kernel we build against: Debian's linux-source package, pinned by version and hash.
KERNEL_PKG=linux-source-7.3
KERNEL_PKG_VERSION=7.3.4-1~bpo13+1
KERNEL_PKG_SHA256=703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3
KERNEL_SUITE=trixie-backports
KERNEL_VERSION=7.3.4

# One toolchain for the kernel and the module: LLVM 19 (Rust together with KASAN needs it), and
# rust-toolchain.toml's rustup toolchain, exported so that it holds in every directory (Kbuild runs
# rustc in the kernel's build directory, where no toolchain file is).
LLVM_SUFFIX=-19
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
export PATH="$HOME/.cargo/bin:$PATH"
RUST_TOOLCHAIN=$(sed -n 's/^channel *= *"\(.*\)"$/\1/p' "$PIDNS_ROOT/rust-toolchain.toml")
export RUSTUP_TOOLCHAIN=$RUST_TOOLCHAIN

VENV="$PIDNS_CACHE/venv"
# Debian's nginx package, unpacked (not installed: no service starts), for make demo's container.
NGINX_DIR="$PIDNS_CACHE/nginx"

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# Run as root, through sudo when we are not.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

# Which kernel: "base" (kernel/base.config; what make test uses) or "debug" (base plus
# kernel/debug.config: KASAN, kmemleak, lockdep, ...).
PIDNS_KERNEL=${PIDNS_KERNEL:-base}

# The config fragments of that kernel, one path a line.
config_fragments() {
	echo "$PIDNS_ROOT/kernel/base.config"
	case "$PIDNS_KERNEL" in
	base) ;;
	debug) echo "$PIDNS_ROOT/kernel/debug.config" ;;
	debian) die "PIDNS_KERNEL=debian has no config fragments (it is Debian's own kernel)" ;;
	*) die "PIDNS_KERNEL must be base, debug or debian, not '$PIDNS_KERNEL'" ;;
	esac
}

# What one of our kernels is made of, as text: the source package's pin, the config fragments'
# hash, and every tool's own version text (rustc -vV names its commit and LLVM). Its hash is the
# cache key, and the text is kept beside the build (pidns-pins): a new source, fragment or tool
# (a `rustup update`, a new clang-19) builds a new kernel beside the old one, never reuses it.
kernel_pins() {
	local fragments
	mapfile -t fragments < <(config_fragments)
	echo "source: $KERNEL_PKG $KERNEL_PKG_VERSION $KERNEL_PKG_SHA256"
	echo "fragments: $(cat "${fragments[@]}" | sha256sum | cut -c1-16)"
	echo "rust-toolchain: $RUST_TOOLCHAIN"
	rustc -vV 2>&1 | sed 's/^/rustc: /'
	echo "bindgen: $(bindgen --version 2>&1 | head -n 1)"
	echo "clang: $(clang$LLVM_SUFFIX --version 2>&1 | head -n 1)"
	echo "ld.lld: $(ld.lld$LLVM_SUFFIX --version 2>&1 | head -n 1)"
}

# Die unless rustup runs the pinned toolchain (a channel named by its version may be a link that
# `rustup update` moved on).
check_rust_toolchain() {
	local have
	have=$(rustc --version 2>&1 | head -n 1)
	case "$RUST_TOOLCHAIN" in
	[0-9]*) [[ $have == "rustc $RUST_TOOLCHAIN "* ]] ||
		die "rust-toolchain.toml pins Rust $RUST_TOOLCHAIN, but rustup runs '$have': rustup toolchain install $RUST_TOOLCHAIN --component rust-src,rustfmt,clippy" ;;
	esac
}

# The kernel build directory for the current configuration and toolchain.
kernel_build_dir() {
	printf '%s/kernel/%s-%s\n' "$PIDNS_CACHE" "$KERNEL_VERSION" "$(kernel_pins | sha256sum | cut -c1-12)"
}

# The unpacked source of the pinned package: one directory per package version.
kernel_src_dir() {
	printf '%s/src/linux-%s\n' "$PIDNS_CACHE" "${KERNEL_PKG_VERSION//[~:+]/_}"
}

# marker_matches FILE TEXT: FILE exists and holds TEXT: the pins a cache entry was made with.
marker_matches() {
	[ -f "$1" ] && [ "$(cat "$1")" = "$2" ]
}

# Print seconds as "1m05s".
fmt_secs() {
	printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
}

# The Debian mirror this machine already uses: the first URI serving a main-archive suite in
# the machine's own apt sources (deb822 .sources files or the one-line format).
debian_mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk '
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /-security$/) s = 1 }
			/^$/ { if (u != "" && s) exit; u = ""; s = 0 }
			END { if (u != "" && s) print u }' "$f")
		if [ -n "$uri" ] && [[ $uri != *security* ]]; then
			echo "$uri"
			return
		fi
	done
	if [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
			/etc/apt/sources.list)
		[ -n "$uri" ] && { echo "$uri"; return; }
	fi
	die "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources"
}

# private_apt DIR MIRROR SUITE...: an apt configuration of its own under DIR (sources, lists,
# cache) for SUITE... main from MIRROR, verified by the machine's Debian archive keys; the
# system's sources are neither read nor changed. Sets the array apt_opts for apt-get/apt-cache.
# A Release file past its Valid-Until is accepted (a mirror that serves a frozen copy of the
# archive serves such files, and apt would refuse them from that day on): its signature is still
# verified, and what is downloaded is checked against our SHA-256 pins. apt_update warns of it.
private_apt() {
	local dir=$1 mirror=$2 suite
	shift 2
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/parts"
	for suite; do
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main"
	done >"$dir/sources.list"
	apt_opts=(
		-o "Dir::Etc::sourcelist=$dir/sources.list"
		-o "Dir::Etc::sourceparts=$dir/parts"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::Cache=$dir/cache"
		-o "Debug::NoLocking=1"
		-o "APT::Sandbox::User=root"
		-o "Acquire::Check-Valid-Until=false"
	)
}

# apt_update DIR: apt-get update with private_apt's options (set for DIR), then one warning line
# for each suite whose Release file is past its Valid-Until.
apt_update() {
	local f until now
	apt-get "${apt_opts[@]}" -qq update >&2 || return 1
	now=$(date +%s)
	for f in "$1"/lists/*_InRelease; do
		[ -f "$f" ] || continue
		until=$(sed -n 's/^Valid-Until: //p' "$f" | head -n 1)
		[ -n "$until" ] || continue
		if [ "$(date -d "$until" +%s)" -lt "$now" ]; then
			echo "warning: $(sed -n 's/^Codename: //p' "$f" | head -n 1)'s Release file expired on $until; accepted (signature verified, downloads checked against SHA-256 pins)" >&2
		fi
	done
}

# Options for mmdebstrap's own apt: the same acceptance of an expired Release file.
MMDEBSTRAP_APT_OPTS=(--aptopt='Acquire::Check-Valid-Until "false"')

# --- Debian's own kernel (PIDNS_KERNEL=debian) ----------------------------------------------------
# trixie-backports' linux-image-7.3.4+deb13-amd64 7.3.4-1~bpo13+1: the packages it is made of,
# pinned by SHA-256 (from the signed index of 2026-12), and the trixie toolchain it was built with
# (CONFIG_RUSTC_VERSION_TEXT, CONFIG_BINDGEN_VERSION_TEXT, CONFIG_CC_VERSION_TEXT).
DEBIAN_KREL=7.3.4+deb13-amd64
DEBIAN_KPKG_VERSION=7.3.4-1~bpo13+1
DEBIAN_DEBS=(
	"linux-binary-7.3.4+deb13-amd64 7e3248d03a84dcdda88c567aa8c4038f2e7795d2dd167b112c56f8901b6f513f"
	"linux-modules-7.3.4+deb13-amd64 b3ea01922c9f133767a83cf6891c19b3693858ded617bf22d1e34f95382c08ea"
	"linux-base-7.3.4+deb13-amd64 5663505495b5c90be94af42105c7b28629802516779102dac48d5a00cc00fccf"
	"linux-headers-7.3.4+deb13-amd64 1c43249a7b98aee4af60f2b822ddb04a9e96c1c9e8b013e5f74d3d9faf318699"
	"linux-headers-7.3.4+deb13-common 886647d4a7b05d2aedd22f8e16917c5b75e97e8946966d6bac48962c40b19a06"
	"linux-kbuild-7.3.4+deb13 248cce12d48862f7d38ca51efdb759c031192543d144f18bd36a5df37f156244"
)
# trixie's packages that carry exactly that toolchain, then what else building the metadata (and
# scripts/check's clippy run) needs.
DEBIAN_TOOLCHAIN=(gcc-14=14.2.0-19 rustc=1.85.1+dfsg1-1+deb13u1 rust-src=1.85.1+dfsg1-1+deb13u1
	bindgen=0.71.1-6 libclang-19-dev=1:19.1.7-3+b1 dwarves=1.30-1)
DEBIAN_BUILD_DEPS=(make flex bison bc libelf-dev libssl-dev openssl cpio kmod python3
	rust-clippy=1.85.1+dfsg1-1+deb13u1)

# The cache of one Debian kernel release: its packages, the trixie root with its toolchain, the
# metadata build directory and the boot tree.
debian_dir() { printf '%s/debian/%s\n' "$PIDNS_CACHE" "${1:-$DEBIAN_KREL}"; }
