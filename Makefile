# SPDX-License-Identifier: GPL-2.0
#
# pidns: build glue only. The module itself is described in Kbuild.
#
#   make             build pidns.ko (setting up the toolchain and kernel first if needed)
#   make demo        the seed's scenario, end to end, in a VM
#   make test        every test, on the debug kernel: host checks and VM tests; ends with
#                    "N passed, N failed"
#   make bench       pidns against NSpid, pidfd and nsfs, in a VM on the plain kernel
#   make check       rustfmt, clippy and shellcheck only
#   make clean       remove build output from the repository
#   make KDIR=/path/to/linux   build against your own Rust-enabled kernel tree

# rustup's tools (rustc, bindgen) and LLVM 19's libclang, also when the caller's PATH lacks them.
export PATH := $(HOME)/.cargo/bin:$(PATH)
export LIBCLANG_PATH ?= /usr/lib/llvm-19/lib

# Which of our kernels: the tests run on the debug one (KASAN, kmemleak, lockdep: kernel/debug.config),
# everything else on the plain one (kernel/base.config). PIDNS_KERNEL=base or debug overrides.
ifneq ($(filter test,$(MAKECMDGOALS)),)
PIDNS_KERNEL ?= debug
else
PIDNS_KERNEL ?= base
endif
export PIDNS_KERNEL

# The kernel to build against: ours (built into the cache on first use), unless KDIR is given.
ifeq ($(origin KDIR),undefined)
ifneq ($(filter-out clean help,$(or $(MAKECMDGOALS),all)),)
KDIR := $(shell PIDNS_KERNEL=$(PIDNS_KERNEL) scripts/kdir)
$(if $(KDIR),,$(error scripts/kdir failed: no kernel to build against))
endif
endif
export KDIR

# Build the module with the kernel's own toolchain flags (LLVM=-19 for ours).
KFLAGS ?= $(shell cat $(KDIR)/pidns-make-flags 2>/dev/null)

all: pidns.ko

# Always handed to Kbuild, which rebuilds what changed, also when KDIR changes (its .cmd files
# record the kernel each object was built for).
pidns.ko:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KFLAGS) modules

check: pidns.ko
	scripts/check

demo: pidns.ko
	scripts/vm-run scripts/demo

test: pidns.ko
	scripts/run-tests

bench: pidns.ko
	scripts/bench

clean:
	rm -rf rust/*.o rust/.*.cmd rust/*.d .*.cmd *.o *.ko *.mod *.mod.c *.mod.o \
		modules.order Module.symvers .tmp_versions tests/host/target tests/vm/helper/target bench/target

.PHONY: all pidns.ko check demo test bench clean
