// SPDX-License-Identifier: GPL-2.0

//! pidns: the PID of one process in every PID namespace it lives in.
//!
//! A process in a container has one PID per PID namespace, from the container's own view
//! (`pid 52`) out to the host's (`pid 12573`). pidns prints them all to the kernel log, deepest
//! namespace first:
//!
//! ```text
//! # insmod pidns.ko pid=12573        # looked up in the loader's PID namespace
//! # echo 52 > /proc/pidns            # looked up in the writer's PID namespace
//! # dmesg
//! pidns: pid 52 (nginx) level 1 ns pid:[4026532264]
//! pidns:   pid 12573 level 0 ns pid:[4026531836]
//! ```
//!
//! Bad input to `/proc/pidns` fails with `EINVAL`, a PID that names no process with `ESRCH`.

use kernel::prelude::*;

mod lookup;
mod pid_ref;
mod proc_file;
mod query;
mod render;

module! {
    type: PidNs,
    name: "pidns",
    authors: ["pidns developers"],
    description: "Shows a process's PID in every PID namespace it lives in",
    license: "GPL",
    params: {
        pid: i32 {
            default: 0,
            description: "PID to look up at load, in the loader's PID namespace (0: none)",
        },
    },
}

struct PidNs {
    _proc_file: proc_file::ProcFile,
}

impl kernel::Module for PidNs {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let nr = module_parameters::pid.value();
        if nr < 0 {
            pr_err!("pid={nr}: a PID is a positive number\n");
            return Err(EINVAL);
        }
        if nr > 0 && lookup::log_pid(nr).is_err() {
            pr_warn!("pid {nr}: no such process\n");
        }
        Ok(PidNs {
            _proc_file: proc_file::ProcFile::create()?,
        })
    }
}
