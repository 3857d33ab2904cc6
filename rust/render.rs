// SPDX-License-Identifier: GPL-2.0

//! How a looked-up PID is shown in the kernel log.

use crate::pid_ref::{Comm, Level};
use kernel::prelude::*;

/// Spaces added per level, outwards from the deepest namespace (the seed script's layout).
const INDENT_PER_LEVEL: usize = 2;

/// Logs one line per level, deepest namespace first, each outer level indented two more spaces:
///
/// ```text
/// pidns: pid 1 (sleep) level 2 ns pid:[4026532264]
/// pidns:   pid 2 level 1 ns pid:[4026532262]
/// pidns:     pid 81 level 0 ns pid:[4026531836]
/// ```
///
/// The kernel log is readable only by the privileged, so it shows every level, including those
/// above the namespace of whoever asked.
pub(crate) fn log_chain(levels: impl DoubleEndedIterator<Item = Level>, comm: &Comm) {
    for (outward, level) in levels.rev().enumerate() {
        let indent = outward * INDENT_PER_LEVEL;
        let Level { level, nr, ns_inum } = level;
        if outward == 0 {
            let comm = comm.as_bstr();
            pr_info!(
                "{:indent$}pid {nr} ({comm}) level {level} ns pid:[{ns_inum}]\n",
                ""
            );
        } else {
            pr_info!("{:indent$}pid {nr} level {level} ns pid:[{ns_inum}]\n", "");
        }
    }
}
