// SPDX-License-Identifier: GPL-2.0

//! A process's PIDs in every PID namespace it lives in, read under RCU.
//!
//! [`Process`] is a process found under the RCU read lock: its levels are read from the kernel's
//! objects as they are walked, so the ioctl fills its answer straight from them. [`Chain`] is a
//! copy that owns its data, for the text interface and the kernel log, which format and may sleep
//! after the lock is dropped. [`Processes`] walks every process of a namespace (`all`).

use crate::{
    pid::{Pid, PidTask, PidType, COMM_LEN},
    pid_ns::PidNamespaceExt,
};
use kernel::{bindings, pid_namespace::PidNamespace, prelude::*, str::BStr, sync::rcu};

/// The most levels a PID can have: the initial namespace and `MAX_PID_NS_LEVEL` below it.
pub(crate) const MAX_LEVELS: usize = bindings::MAX_PID_NS_LEVEL as usize + 1;

/// A process's numbers in one PID namespace, with that namespace's identity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Level {
    /// Depth of the namespace: 0 is the initial namespace.
    pub(crate) level: u32,
    /// The PID (thread id) in that namespace.
    pub(crate) nr: i32,
    /// The thread-group id in that namespace: equal to `nr` for a group leader.
    pub(crate) tgid: i32,
    /// Inode number of the namespace: `readlink /proc/<pid>/ns/pid` shows `pid:[<ns_inum>]`.
    pub(crate) ns_inum: u32,
    /// The namespace's 64-bit id (`ns_common.ns_id`), never reused, unlike `ns_inum`.
    pub(crate) ns_id: u64,
}

/// A task found by its pid under the RCU read lock (`'g`), and its thread group's pid.
pub(crate) struct Process<'g> {
    pid: &'g Pid,
    tgid: &'g Pid,
    task: PidTask<'g>,
}

impl<'g> Process<'g> {
    /// The task that uses `pid` as its PID, or `None` if none does (it has exited, or the number
    /// now only names a process group or session).
    pub(crate) fn of(pid: &'g Pid, rcu: &'g rcu::Guard) -> Option<Self> {
        Self::with_task(pid, PidType::Pid, rcu)
    }

    /// The task with PID `nr` in namespace `ns`, if there is one.
    pub(crate) fn find(ns: &PidNamespace, nr: i32, rcu: &'g rcu::Guard) -> Option<Self> {
        Self::of(Pid::find(ns, nr, rcu)?, rcu)
    }

    /// The task that uses `pid` as `kind`.
    fn with_task(pid: &'g Pid, kind: PidType, rcu: &'g rcu::Guard) -> Option<Self> {
        let task = pid.task(kind, rcu)?;
        // A task whose thread-group pid is gone is leaving its group: take it as its own group.
        let tgid = task.tgid_pid().unwrap_or(pid);
        Some(Process { pid, tgid, task })
    }

    /// Its pid.
    pub(crate) fn pid(&self) -> &'g Pid {
        self.pid
    }

    /// How many levels it has.
    pub(crate) fn depth(&self) -> usize {
        self.pid.numbers().len()
    }

    /// Its levels from `from` (0: the initial namespace) down to the deepest.
    pub(crate) fn levels_from(&self, from: usize) -> impl Iterator<Item = Level> + '_ {
        let numbers = self.pid.numbers();
        let tgids = self.tgid.numbers();
        numbers
            .iter()
            .enumerate()
            .skip(from)
            .map(move |(i, upid)| Level {
                // At most `MAX_LEVELS`: it fits.
                level: u32::try_from(i).unwrap_or(u32::MAX),
                nr: upid.nr(),
                tgid: tgids.get(i).map_or(upid.nr(), |t| t.nr()),
                ns_inum: upid.ns().inum(),
                ns_id: upid.ns().id(),
            })
    }

    /// Copies its command name into `buf`, NUL-padded.
    pub(crate) fn comm(&self, buf: &mut [u8; COMM_LEN]) {
        self.task.comm(buf);
    }
}

/// A copy of a process's levels and command name, which outlives the RCU read lock.
pub(crate) struct Chain {
    comm: [u8; COMM_LEN],
    count: usize,
    levels: [Level; MAX_LEVELS],
}

impl Chain {
    /// Copies `process`.
    pub(crate) fn copy(process: &Process<'_>) -> Self {
        let mut chain = Chain {
            comm: [0; COMM_LEN],
            count: process.depth().min(MAX_LEVELS),
            levels: [Level::default(); MAX_LEVELS],
        };
        for (slot, level) in chain.levels.iter_mut().zip(process.levels_from(0)) {
            *slot = level;
        }
        process.comm(&mut chain.comm);
        chain
    }

    /// The levels from the initial namespace (0) to the deepest.
    pub(crate) fn levels(&self) -> &[Level] {
        &self.levels[..self.count]
    }

    /// Whether the task is a thread other than its group's leader.
    pub(crate) fn is_secondary_thread(&self) -> bool {
        self.levels().iter().any(|l| l.nr != l.tgid)
    }

    /// The command name, without its NUL.
    pub(crate) fn comm(&self) -> &BStr {
        let len = self.comm.iter().position(|&b| b == 0).unwrap_or(COMM_LEN);
        BStr::from_bytes(&self.comm[..len])
    }
}

/// Every process (thread-group leader) with a PID in a namespace, in the order of those PIDs,
/// like the numeric entries of that namespace's `/proc`.
///
/// Between two PIDs (also between two threads skipped: a namespace may hold a million threads
/// and few processes) it calls `should_stop`, which may sleep; once that says so, the walk ends
/// with `EINTR`. The RCU read lock is taken per process, so that the caller may sleep between
/// them.
pub(crate) struct Processes<'a, F: FnMut() -> bool> {
    ns: &'a PidNamespace,
    level: usize,
    next: i32,
    should_stop: F,
}

impl<'a, F: FnMut() -> bool> Processes<'a, F> {
    /// The processes of `ns` (including those of the namespaces below it).
    pub(crate) fn of(ns: &'a PidNamespace, should_stop: F) -> Self {
        Processes {
            ns,
            level: ns.level(),
            next: 1,
            should_stop,
        }
    }
}

impl<F: FnMut() -> bool> Iterator for Processes<'_, F> {
    type Item = Result<Chain>;

    fn next(&mut self) -> Option<Result<Chain>> {
        loop {
            if self.next <= 0 {
                return None; // past i32::MAX, or stopped
            }
            // Not under the RCU read lock: it may sleep.
            if (self.should_stop)() {
                self.next = 0;
                return Some(Err(EINTR));
            }
            let rcu = rcu::read_lock();
            let Some(pid) = Pid::find_ge(self.ns, self.next, &rcu) else {
                self.next = 0;
                return None;
            };
            // Found in `ns`, so it has a number at the namespace's level.
            let nr = pid
                .numbers()
                .get(self.level)
                .map_or(i32::MAX, |upid| upid.nr());
            self.next = nr.wrapping_add(1);
            // As `/proc` lists processes (`next_tgid()`): a pid leads a thread group if a task
            // is attached to it as `PIDTYPE_TGID`.
            if let Some(process) = Process::with_task(pid, PidType::Tgid, &rcu) {
                return Some(Ok(Chain::copy(&process)));
            }
        }
    }
}
