// SPDX-License-Identifier: GPL-2.0

//! pidns_kunit: the KUnit suites of pidns, in a module of their own.
//!
//! Loading a module that carries KUnit suites runs them and taints the kernel with
//! `TAINT_TEST`, so they are not in `pidns.ko`: `make test` loads this module instead. It builds
//! pidns's own sources (the parser, the chain snapshot, the formatter) into a second crate.

// The tests use part of each shared source file only.
#![allow(dead_code)]

use kernel::prelude::*;

mod answer;
mod chain;
mod decimal;
mod escape;
#[cfg(CONFIG_KUNIT)]
mod kunit;
mod log_limit;
mod pid;
mod pid_ns;
mod query;
mod render;
mod request;
mod shim;
mod sys;
mod uapi;
mod uapi_chain;

module! {
    type: PidnsKunitModule,
    name: "pidns_kunit",
    authors: ["pidns developers"],
    description: "KUnit suites of pidns (tests only)",
    license: "GPL",
}

struct PidnsKunitModule;

impl kernel::Module for PidnsKunitModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // The suites run from the module's KUnit section, before this.
        Ok(PidnsKunitModule)
    }
}
