# SPDX-License-Identifier: GPL-2.0
#
# pidns: build glue only. The module itself is described in Kbuild.
#
#   make             build pidns.ko (setting up the toolchain and kernel first if needed)
#   make demo        the seed's scenario, end to end, in a VM
#   make test        every test, on the debug kernel: host checks and VM tests; ends with
#                    "N passed, N failed"
#   make test-matrix the module on each of Debian's kernels with Rust (7.2, 7.3; generic, cloud,
#                    PREEMPT_RT), a shorter set of the guest tests on each
#   make bench       pidns against NSpid, pidfd and nsfs, in a VM on the plain kernel
#   make deb         the Debian packages pidns-dkms (the module, built by DKMS) and pidns (the
#                    command) into deb/, built in a trixie root and checked by lintian
#   make test-dkms   the packages installed in a clean trixie root: DKMS builds for three
#                    kernels and a later one, purge; each pidns.ko booted with its kernel
#   make check       rustfmt, clippy and shellcheck only
#   make clean       remove build output from the repository
#   make install     build pidns.ko for the running kernel and install it (updates/, depmod),
#                    and the pidns command and its man page under $(DESTDIR)$(PREFIX)
#   make KDIR=/path/to/linux   build against your own Rust-enabled kernel tree or headers
#                    (Debian's headers, which lack the Rust metadata, get it from scripts/rust-meta)

# rustup's tools (rustc, bindgen) and LLVM 19's libclang, also when the caller's PATH lacks them,
# and rust-toolchain.toml's toolchain also where Kbuild runs rustc (the kernel's directory).
export PATH := $(HOME)/.cargo/bin:$(PATH)
export LIBCLANG_PATH ?= /usr/lib/llvm-19/lib
export RUSTUP_TOOLCHAIN := $(shell sed -n 's/^channel *= *"\(.*\)"$$/\1/p' $(CURDIR)/rust-toolchain.toml)

# Which of our kernels: the tests run on the debug one (KASAN, kmemleak, lockdep: kernel/debug.config),
# everything else on the plain one (kernel/base.config). PIDNS_KERNEL=base or debug overrides;
# PIDNS_KERNEL=debian is Debian's own trixie-backports kernel (scripts/debian-kernel).
ifneq ($(filter test,$(MAKECMDGOALS)),)
PIDNS_KERNEL ?= debug
else
PIDNS_KERNEL ?= base
endif
export PIDNS_KERNEL

# make install: installs the pidns.ko already built (so `sudo make install` after `make` does not
# rebuild as root); without one, builds it for the running kernel unless KDIR is given.
# INSTALL_ONLY=1 given on the command line builds nothing (the command neither, below).
ifeq ($(MAKECMDGOALS),install)
ifndef INSTALL_ONLY
INSTALL_BUILDS_CLI := 1
endif
ifneq ($(wildcard pidns.ko),)
INSTALL_ONLY := 1
else ifeq ($(origin KDIR),undefined)
KDIR := /lib/modules/$(shell uname -r)/build
endif
endif
ifndef INSTALL_ONLY

# The kernel to build against: ours (built into the cache on first use), unless KDIR is given.
ifeq ($(origin KDIR),undefined)
ifneq ($(filter-out clean help test-matrix deb test-dkms,$(or $(MAKECMDGOALS),all)),)
KDIR := $(shell PIDNS_KERNEL=$(PIDNS_KERNEL) scripts/kdir)
$(if $(KDIR),,$(error scripts/kdir failed: no kernel to build against))
endif
endif
# A Rust kernel whose headers lack the Rust metadata (Debian's): scripts/rust-meta builds it
# once, after proving it matches the kernel, and prints the directory to build against; it also
# says what is wrong when the kernel has no Rust, no headers or another toolchain.
ifneq ($(KDIR),)
ifneq ($(filter-out clean help test-matrix deb test-dkms,$(or $(MAKECMDGOALS),all)),)
ifeq ($(wildcard $(KDIR)/rust/*.rmeta),)
override KDIR := $(shell scripts/rust-meta --headers $(KDIR))
$(if $(KDIR),,$(error scripts/rust-meta: no kernel to build against (see above)))
endif
endif
endif
export KDIR

# Build the module with the kernel's own toolchain flags (LLVM=-19 for ours), and in the root that
# holds that toolchain when the kernel names one (PIDNS_KERNEL=debian: a trixie root).
KFLAGS ?= $(shell cat $(KDIR)/pidns-make-flags 2>/dev/null)
KROOT := $(shell cat $(KDIR)/pidns-root 2>/dev/null)
KRUN := $(if $(KROOT),$(CURDIR)/scripts/in-root $(KROOT))
endif

all: pidns.ko

# Always handed to Kbuild, which rebuilds what changed, also when KDIR changes (its .cmd files
# record the kernel each object was built for).
pidns.ko:
	$(KRUN) $(MAKE) -C $(KDIR) M=$(CURDIR) $(KFLAGS) modules

# The command and its man page go under $(DESTDIR)$(PREFIX); DESTDIR stages the module too.
PREFIX ?= /usr/local
INSTALL_MOD_PATH ?= $(DESTDIR)
PIDNS_CLI ?= target/x86_64-unknown-linux-gnu/release/pidns

# First the command is there (built unless INSTALL_ONLY=1 was given or the tree is not the
# caller's: cargo is a no-op when it is up to date, and `sudo make install` installs what the user
# built, leaving no root-owned files in target/), so that nothing is installed when it is not.
# Then pidns.ko into /lib/modules/<the release it was built for>/updates (under INSTALL_MOD_PATH if
# set) and depmod, so that `modprobe pidns pid=N` finds it; then the stripped static command and
# pidns(1) under $(DESTDIR)$(PREFIX).
install: $(if $(INSTALL_ONLY),,pidns.ko)
	@if [ -n "$(INSTALL_BUILDS_CLI)" ] && [ -O . ] && command -v cargo >/dev/null; then \
		cargo build --release --quiet -p pidns || exit 1; fi; \
	if [ ! -x "$(PIDNS_CLI)" ]; then \
		echo "error: no $(PIDNS_CLI): build it first: cargo build --release -p pidns" >&2; \
		exit 1; fi
	@rel=$$(/sbin/modinfo -F vermagic pidns.ko | cut -d' ' -f1) && \
	if [ -z "$(INSTALL_MOD_PATH)" ] && [ "$$rel" != "$$(uname -r)" ]; then \
		echo "error: pidns.ko is built for Linux $$rel, not the running $$(uname -r):" \
			"make clean; make KDIR=/lib/modules/\$$(uname -r)/build first" >&2; exit 1; fi && \
	dest="$(INSTALL_MOD_PATH)/lib/modules/$$rel/updates" && \
	install -D -m 0644 pidns.ko "$$dest/pidns.ko" && \
	/sbin/depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) "$$rel" && \
	echo "installed $$dest/pidns.ko (depmod $$rel): modprobe pidns pid=N"
	@bin="$(DESTDIR)$(PREFIX)/bin" man="$(DESTDIR)$(PREFIX)/share/man/man1" && \
	install -D -m 0755 -s "$(PIDNS_CLI)" "$$bin/pidns" && \
	install -d "$$man" && gzip -9n <cli/pidns.1 >"$$man/pidns.1.gz" && \
	chmod 0644 "$$man/pidns.1.gz" && \
	echo "installed $$bin/pidns and $$man/pidns.1.gz"

check: pidns.ko
	scripts/check

demo: pidns.ko
	cargo build --release --quiet -p pidns
	scripts/vm-run scripts/demo

test: pidns.ko
	scripts/run-tests

# Every Debian kernel with Rust: each sets itself up and builds its own pidns.ko.
test-matrix:
	scripts/test-matrix

bench: pidns.ko
	scripts/bench

# Packages: built from debian/ (dpkg-buildpackage in a trixie root) and tested as installed.
deb:
	scripts/deb

test-dkms:
	tests/dkms/test-dkms.sh

clean:
	rm -rf rust/*.o rust/.*.cmd rust/*.d .*.cmd *.o *.ko *.mod *.mod.c *.mod.o \
		tests/vm/*.o tests/vm/.*.cmd tests/vm/*.ko tests/vm/*.mod tests/vm/*.mod.c \
		modules.order Module.symvers .tmp_versions target deb

.PHONY: all pidns.ko install check demo test test-matrix bench deb test-dkms clean
