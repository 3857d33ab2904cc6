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

# One toolchain for the kernel and the module: LLVM 19 (Rust together with KASAN needs it).
LLVM_SUFFIX=-19
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
export PATH="$HOME/.cargo/bin:$PATH"

VENV="$PIDNS_CACHE/venv"

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
	*) die "PIDNS_KERNEL must be base or debug, not '$PIDNS_KERNEL'" ;;
	esac
}

# The hash of those fragments: part of the cache key, so changing a fragment builds a new kernel
# beside the old one.
config_hash() {
	local fragments
	mapfile -t fragments < <(config_fragments)
	cat "${fragments[@]}" | sha256sum | cut -c1-12
}

# The kernel build directory for the current configuration.
kernel_build_dir() {
	printf '%s/kernel/%s-%s\n' "$PIDNS_CACHE" "$KERNEL_VERSION" "$(config_hash)"
}

# Print seconds as "1m05s".
fmt_secs() {
	printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
}
