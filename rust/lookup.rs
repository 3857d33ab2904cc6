// SPDX-License-Identifier: GPL-2.0

//! One lookup: a PID number in, its chain of namespaces out to the kernel log.

use crate::{pid_ref::PidRef, render};
use kernel::prelude::*;

/// Resolves `nr` in the calling task's PID namespace and logs its PID at every level.
///
/// Fails with `ESRCH` when no process has that PID there.
pub(crate) fn log_pid(nr: i32) -> Result {
    let pid = PidRef::find_in_current_ns(nr).ok_or(ESRCH)?;
    let comm = pid.comm().ok_or(ESRCH)?;
    render::log_chain(pid.levels(), &comm);
    Ok(())
}
