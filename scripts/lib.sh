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
# Not under DKMS (PIDNS_DKMS=1, scripts/dkms-build): there the kernel is the distribution's and so
# is its toolchain (/usr/bin's rustc and bindgen, which finds its own libclang); a rustup in
# root's home or a LIBCLANG_PATH of ours would build with another.
LLVM_SUFFIX=-19
if [ -z "${PIDNS_DKMS:-}" ]; then
	export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
	export PATH="$HOME/.cargo/bin:$PATH"
	RUST_TOOLCHAIN=$(sed -n 's/^channel *= *"\(.*\)"$/\1/p' "$PIDNS_ROOT/rust-toolchain.toml")
	export RUSTUP_TOOLCHAIN=$RUST_TOOLCHAIN
fi

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
	debian | debian:?*) die "PIDNS_KERNEL=$PIDNS_KERNEL has no config fragments (it is Debian's own kernel)" ;;
	*) die "PIDNS_KERNEL must be base, debug, debian or debian:<release>, not '$PIDNS_KERNEL'" ;;
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

# --- Debian's own kernels (PIDNS_KERNEL=debian or debian:<release>) ---------------------------
# Every amd64 kernel Debian builds with Rust (CONFIG_RUST=y), each with the packages it is made of
# pinned by SHA-256 (from the signed indexes of 2026-12), the root whose packages carry exactly the
# toolchain it was built with (its .config's RUSTC_VERSION_TEXT, BINDGEN_VERSION_TEXT and
# CC_VERSION_TEXT), and the linux-source package of its version (scripts/rust-meta builds the Rust
# metadata the headers lack from it). PIDNS_KERNEL=debian is the first.
#   release                  package version    suite             root    source package
DEBIAN_KERNELS=(
	"7.3.4+deb13-amd64        7.3.4-1~bpo13+1   trixie-backports  trixie  linux-source-7.3"
	"7.3.4+deb13-cloud-amd64  7.3.4-1~bpo13+1   trixie-backports  trixie  linux-source-7.3"
	"7.3.4+deb13-rt-amd64     7.3.4-1~bpo13+1   trixie-backports  trixie  linux-source-7.3"
	"7.2.12+deb13-amd64       7.2.12-1~bpo13+1  trixie-backports  trixie  linux-source-7.2"
	"7.2.13+deb14-amd64       7.2.13-1          sid               sid     linux-source-7.2"
)
# SHA-256 of every package above: "package=version sha256".
DEBIAN_PINS=(
	"linux-binary-7.3.4+deb13-amd64=7.3.4-1~bpo13+1 7e3248d03a84dcdda88c567aa8c4038f2e7795d2dd167b112c56f8901b6f513f"
	"linux-modules-7.3.4+deb13-amd64=7.3.4-1~bpo13+1 b3ea01922c9f133767a83cf6891c19b3693858ded617bf22d1e34f95382c08ea"
	"linux-base-7.3.4+deb13-amd64=7.3.4-1~bpo13+1 5663505495b5c90be94af42105c7b28629802516779102dac48d5a00cc00fccf"
	"linux-headers-7.3.4+deb13-amd64=7.3.4-1~bpo13+1 1c43249a7b98aee4af60f2b822ddb04a9e96c1c9e8b013e5f74d3d9faf318699"
	"linux-binary-7.3.4+deb13-cloud-amd64=7.3.4-1~bpo13+1 c4fbc8e404958693b28825474c20742d70594d65ca58aea7be6a279c81eb6fa0"
	"linux-modules-7.3.4+deb13-cloud-amd64=7.3.4-1~bpo13+1 359f04c363b7d3c5f9ce999ccb7351e00cc8eec0a30d6bc1cda37734987fc43d"
	"linux-base-7.3.4+deb13-cloud-amd64=7.3.4-1~bpo13+1 e08baa43706ba6e8daff58029b039f46beecfb3b3750c6fa0d6d5ca508a46a43"
	"linux-headers-7.3.4+deb13-cloud-amd64=7.3.4-1~bpo13+1 7cd1d71ea5c0dd03f1288767a9d489a02324cedcce17549971604f50450ccb3c"
	"linux-binary-7.3.4+deb13-rt-amd64=7.3.4-1~bpo13+1 7046cf548f57392d29006037c300a764bde1793907bcc8facbc153486dffda2f"
	"linux-modules-7.3.4+deb13-rt-amd64=7.3.4-1~bpo13+1 d56bd15446c747223e144c1cc30fb2f6c6f9793f24a91efeb7ea62b772c66982"
	"linux-base-7.3.4+deb13-rt-amd64=7.3.4-1~bpo13+1 1d9b533798a82098ed6c6df33b577d3aff204f6ba315abf77cf2904a20e32c14"
	"linux-headers-7.3.4+deb13-rt-amd64=7.3.4-1~bpo13+1 5b4a2ea376ad328afdad4bafaa370060d5876cbe53aa0ff2d4976bfe7155b464"
	"linux-headers-7.3.4+deb13-common=7.3.4-1~bpo13+1 886647d4a7b05d2aedd22f8e16917c5b75e97e8946966d6bac48962c40b19a06"
	"linux-kbuild-7.3.4+deb13=7.3.4-1~bpo13+1 248cce12d48862f7d38ca51efdb759c031192543d144f18bd36a5df37f156244"
	"linux-source-7.3=7.3.4-1~bpo13+1 703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3"
	"linux-binary-7.2.12+deb13-amd64=7.2.12-1~bpo13+1 0d916c7f1310a7cb0567f235785d1c4511d894eb95e9810a2bc1f67e7ec18c2f"
	"linux-modules-7.2.12+deb13-amd64=7.2.12-1~bpo13+1 abd8aad34e82ae541ec596eafa9ac84bbcddf943c5de051d330516c3dff395d6"
	"linux-base-7.2.12+deb13-amd64=7.2.12-1~bpo13+1 51c6a66bf190239492b16354c6212969d597220c3dbec1deacdab9dc151916f0"
	"linux-headers-7.2.12+deb13-amd64=7.2.12-1~bpo13+1 f4a0369d09122cf77410d651d7a1ecba8a861970013d566aafd79cdb7d261dd8"
	"linux-headers-7.2.12+deb13-common=7.2.12-1~bpo13+1 8456354805802dd3f44839693e5eb966fc75ac1ef5af4a7ffb0b368245580ce5"
	"linux-kbuild-7.2.12+deb13=7.2.12-1~bpo13+1 7b8867533c2fb100dacded82c2d2b4fc548841980f691b807d2d0b7d418f7356"
	"linux-source-7.2=7.2.12-1~bpo13+1 73ca6c22599ba411ab3179642d33501ca2c90174e13c3c8d86e996ea1cbf2a8f"
	"linux-binary-7.2.13+deb14-amd64=7.2.13-1 fb8cd0ade4ef82d9dde1dcf183d4bf4033db1b549b0acc9973855ad9cc48c4f5"
	"linux-modules-7.2.13+deb14-amd64=7.2.13-1 a37a3d200915c4cf524e90c81bbb2a8b683d292cd00873e89c23b2ef32b1bf11"
	"linux-base-7.2.13+deb14-amd64=7.2.13-1 2b2d3c6e224358c60974d0bc87461da99a85733eb1fec035b5167582c3bede2b"
	"linux-headers-7.2.13+deb14-amd64=7.2.13-1 ca62a68d18f87235d0c32b1a3e129f9cb7859ac5e6a0c95574081f02faed8573"
	"linux-headers-7.2.13+deb14-common=7.2.13-1 5067c68cf803b385f72e6ea530cfbb9226f5eb91bfb7e256b6fcb4f87fd6279c"
	"linux-kbuild-7.2.13+deb14=7.2.13-1 0cecebac12f863b32f0b0a5b48b3b762240ff614603e9d8fd550fc095de0e610"
	"linux-source-7.2=7.2.13-1 30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d"
)
# The roots: the packages that carry each toolchain exactly, and the libclang its bindgen loads
# (rust_is_available checks it; a wrong LIBCLANG_PATH makes olddefconfig drop CONFIG_RUST).
DEBIAN_ROOT_TOOLCHAIN_trixie=(gcc-14=14.2.0-19 rustc=1.85.1+dfsg1-1+deb13u1
	rust-src=1.85.1+dfsg1-1+deb13u1 bindgen=0.71.1-6 libclang-19-dev=1:19.1.7-3+b1 dwarves=1.30-1
	rust-clippy=1.85.1+dfsg1-1+deb13u1)
DEBIAN_ROOT_LIBCLANG_trixie=/usr/lib/llvm-19/lib
DEBIAN_ROOT_TOOLCHAIN_sid=(gcc-16=16.2.0-4 rustc=1.97.1+dfsg1-1 rust-src=1.97.1+dfsg1-1
	bindgen=0.72.1-1+b3 libclang-21-dev=1:21.1.8-14 dwarves=1.32-1 rust-clippy=1.97.1+dfsg1-1)
DEBIAN_ROOT_LIBCLANG_sid=/usr/lib/llvm-21/lib
# What else building the metadata and the module needs, in every root.
DEBIAN_BUILD_DEPS=(make flex bison bc libelf-dev libssl-dev openssl cpio kmod python3 xz-utils)

# debian_kernel [RELEASE]: selects one kernel of DEBIAN_KERNELS (default: PIDNS_KERNEL's, see
# debian_release) and sets DEBIAN_KREL, DEBIAN_KPKG_VERSION, DEBIAN_SUITE, DEBIAN_ROOT (trixie or
# sid), DEBIAN_TOOLCHAIN, DEBIAN_LIBCLANG, DEBIAN_DEBS ("package sha256" for each package of the
# kernel) and DEBIAN_SOURCE ("package version sha256 suite").
debian_kernel() {
	local rel=${1:-$(debian_release)} entry r v suite root src flav common kbuild pkg
	for entry in "${DEBIAN_KERNELS[@]}"; do
		read -r r v suite root src <<<"$entry"
		[ "$r" = "$rel" ] || continue
		DEBIAN_KREL=$r DEBIAN_KPKG_VERSION=$v DEBIAN_SUITE=$suite DEBIAN_ROOT=$root
		local -n toolchain="DEBIAN_ROOT_TOOLCHAIN_$root" libclang="DEBIAN_ROOT_LIBCLANG_$root"
		DEBIAN_TOOLCHAIN=("${toolchain[@]}")
		DEBIAN_LIBCLANG=$libclang
		# 7.3.4+deb13-cloud-amd64 -> linux-headers-7.3.4+deb13-common, linux-kbuild-7.3.4+deb13
		flav=${r%-amd64}
		common=${flav%%+*}+$(cut -d- -f1 <<<"${flav#*+}")
		kbuild=$common
		DEBIAN_DEBS=()
		for pkg in "linux-binary-$r" "linux-modules-$r" "linux-base-$r" "linux-headers-$r" \
			"linux-headers-$common-common" "linux-kbuild-$kbuild"; do
			DEBIAN_DEBS+=("$pkg $(debian_pin "$pkg=$v")")
		done
		DEBIAN_SOURCE="$src $v $(debian_pin "$src=$v") $suite"
		return 0
	done
	die "Debian kernel '$rel' is not one pidns supports; these are: $(debian_releases | xargs)"
}

# The SHA-256 pinned for "package=version".
debian_pin() {
	local entry
	for entry in "${DEBIAN_PINS[@]}"; do
		[ "${entry%% *}" = "$1" ] && { echo "${entry#* }"; return 0; }
	done
	die "no SHA-256 pin for $1 (scripts/lib.sh: DEBIAN_PINS)"
}

# The releases of DEBIAN_KERNELS, one a line.
debian_releases() { printf '%s\n' "${DEBIAN_KERNELS[@]}" | awk '{ print $1 }'; }

# The Debian kernel PIDNS_KERNEL names: debian is the first of DEBIAN_KERNELS, debian:<release>
# that release.
debian_release() {
	case "$PIDNS_KERNEL" in
	debian) debian_releases | head -n 1 ;;
	debian:?*) echo "${PIDNS_KERNEL#debian:}" ;;
	*) die "PIDNS_KERNEL=$PIDNS_KERNEL is not a Debian kernel" ;;
	esac
}

# Whether PIDNS_KERNEL names a Debian kernel.
is_debian_kernel() { [[ $PIDNS_KERNEL == debian || $PIDNS_KERNEL == debian:?* ]]; }

# The cache of one Debian kernel release: its packages, the metadata build directory and the boot
# tree.
debian_dir() { printf '%s/debian/%s\n' "$PIDNS_CACHE" "${1:-$DEBIAN_KREL}"; }

# The root of one toolchain (trixie or sid), shared by the kernels built with it.
debian_root_dir() { printf '%s/debian/root-%s\n' "$PIDNS_CACHE" "${1:-$DEBIAN_ROOT}"; }
