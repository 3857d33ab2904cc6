// SPDX-License-Identifier: GPL-2.0

//! pidns: the PID of one process in every PID namespace it lives in.
//!
//! A process in a container has one PID per PID namespace, from the container's own view
//! (`pid 52`) out to the host's (`pid 12573`). pidns prints them all to the kernel log, deepest
//! namespace first, and answers through `/proc/pidns`:
//!
//! ```text
//! # insmod pidns.ko pid=12573        # looked up in the loader's PID namespace
//! # dmesg
//! pidns: pid 52 (nginx) level 1 ns pid:[4026532264]
//! pidns:   pid 12573 level 0 ns pid:[4026531836]
//! # exec 3<>/proc/pidns; echo 52 >&3; cat <&3      # in the writer's PID namespace
//! query=52 nspid=52 nstgid=52 level=1 ns=4026532264 comm=nginx
//! ```
//!
//! A write holds queries separated by whitespace: `N`, `N@P` (`N` in the PID namespace of
//! process `P`) and `all`. Bad input fails with `EINVAL`, a PID that names no process with
//! `ESRCH` (after the other queries were answered). Read-back shows only the levels at and below
//! the reader's own PID namespace, like `/proc/PID/status`; the kernel log shows all of them.

use kernel::prelude::*;

// Wrappers of kernel objects and C helpers: every `unsafe` block outside the C edge is in these
// (pid.rs says which kernel fields are read where).
mod pid;
mod pid_ns;
mod pidfd;
// The last section of shim.h serves the KUnit tests (pidns_kunit.ko) only.
#[allow(dead_code)]
mod shim;
mod sys;
mod uapi_chain;

// The logic, in safe Rust: query -> pid/pid_ns -> chain -> render -> answer -> request.
mod answer;
mod chain;
mod decimal;
mod escape;
mod latest;
mod log_limit;
mod query;
mod render;
mod request;

// What differs between the kernels pidns supports (7.2, 7.3).
mod compat;

// The C edge: the /proc/pidns handlers and the ioctl.
mod ioctl;
mod proc_file;

mod uapi;

/// `module!`, with the type and "on" value of the on/off parameter `log` given: `bool` and `true`
/// on 7.3, `u8` and `1` on 7.2, whose `module!` has no `bool` (compat.rs).
macro_rules! pidns_module {
    ($flag:ident, $on:tt) => {
        module! {
            type: PidnsModule,
            name: "pidns",
            authors: ["pidns developers"],
            description: "Shows a process's PID in every PID namespace it lives in",
            license: "GPL",
            params: {
                pid: i32 {
                    default: 0,
                    description: "PID to look up at load, in the loader's PID namespace (0: none)",
                },
                log: $flag {
                    default: $on,
                    description:
                        "Log every answer to /proc/pidns in the kernel log (pid= always logs)",
                },
                max_answer: usize {
                    default: crate::answer::MAX_ANSWER,
                    description:
                        "Longest answer of one request to /proc/pidns, in bytes (EOVERFLOW past it)",
                },
            },
        }
    };
}
#[cfg(not(pidns_7_2))]
pidns_module!(bool, true);
#[cfg(pidns_7_2)]
pidns_module!(u8, 1);

/// The range of `max_answer`: room for one line of the deepest chain, and at most 1 GiB.
const MIN_MAX_ANSWER: usize = 4096;
const MAX_MAX_ANSWER: usize = 1 << 30;

struct PidnsModule {
    _proc_file: proc_file::ProcFile,
}

impl kernel::Module for PidnsModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // Every parameter is checked before anything is logged or made.
        let nr = compat::param(&module_parameters::pid);
        if nr < 0 {
            pr_err!("pid={nr}: a PID is a positive number\n");
            return Err(EINVAL);
        }
        let max_answer = compat::param(&module_parameters::max_answer);
        if !(MIN_MAX_ANSWER..=MAX_MAX_ANSWER).contains(&max_answer) {
            pr_err!("max_answer={max_answer}: from {MIN_MAX_ANSWER} to {MAX_MAX_ANSWER} bytes\n");
            return Err(EINVAL);
        }
        let Ok(log) = compat::flag(compat::param(&module_parameters::log)) else {
            pr_err!("log: 0 or 1\n");
            return Err(EINVAL);
        };
        let proc_file = proc_file::ProcFile::create(log, max_answer)?;
        // The chain of `pid=` is logged once the load can no longer fail, and always (`log=0`
        // and the log's budget are about `/proc/pidns`).
        if nr > 0 {
            let task = current!();
            match task
                .active_pid_ns()
                .and_then(|ns| request::find(ns, nr, None))
            {
                Some(chain) => render::log_chain(&chain),
                None => pr_warn!("pid {nr}: no such process\n"),
            }
        }
        Ok(PidnsModule {
            _proc_file: proc_file,
        })
    }
}
