// SPDX-License-Identifier: GPL-2.0

//! A process's PIDs in every PID namespace it lives in, copied out of the kernel's objects.
//!
//! The copy ([`Chain`]) is taken under the RCU read lock and owns its data, so that formatting
//! and logging, which may sleep, happen after the lock is dropped.

use crate::{pid_ref::PidRef, shim};
use kernel::{
    bindings,
    pid_namespace::PidNamespace,
    prelude::*,
    str::BStr,
    sync::rcu, //
};

// Field reads of `struct task_struct` are done in C (`helpers.c` says why).

/// The most levels a PID can have: the initial namespace and `MAX_PID_NS_LEVEL` below it.
pub(crate) const MAX_LEVELS: usize = bindings::MAX_PID_NS_LEVEL as usize + 1;

/// Bytes in a task's command name, with its NUL.
const COMM_LEN: usize = bindings::TASK_COMM_LEN as usize;

/// A process's numbers in one PID namespace (`struct upid`), with that namespace's identity.
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

/// One task's PIDs at every level, its thread-group ids, and its command name.
pub(crate) struct Chain {
    comm: [u8; COMM_LEN],
    count: usize,
    levels: [Level; MAX_LEVELS],
}

impl Chain {
    /// The task that uses `pid` as its PID, or `None` if none does (it has exited, or the number
    /// now only names a process group or session).
    pub(crate) fn of(pid: &PidRef) -> Option<Self> {
        let rcu = rcu::read_lock();
        // SAFETY: the pid stays valid while `pid` holds its reference.
        let task = unsafe { bindings::pid_task(pid.as_ptr(), bindings::pid_type_PIDTYPE_PID) };
        // SAFETY: the pid is valid (above), and `task` came from `pid_task()` under the RCU read
        // lock, which `rcu` still holds.
        unsafe { Self::snapshot(pid.as_ptr(), task, &rcu) }
    }

    /// The task with PID `nr` in namespace `ns`, if there is one.
    pub(crate) fn find(ns: &PidNamespace, nr: i32) -> Option<Self> {
        let rcu = rcu::read_lock();
        // SAFETY: `find_pid_ns()` requires the RCU read lock, held by `rcu`, and a valid
        // namespace, which `&PidNamespace` guarantees.
        let pid = unsafe { bindings::find_pid_ns(nr, ns.as_ptr()) };
        if pid.is_null() {
            return None;
        }
        // SAFETY: struct pids are freed only after an RCU grace period (`put_pid()` from
        // `delayed_put_pid()`), and we have held the RCU read lock since finding it.
        let task = unsafe { bindings::pid_task(pid, bindings::pid_type_PIDTYPE_PID) };
        // SAFETY: `pid` is valid (above) and `task` came from `pid_task()` under `rcu`.
        unsafe { Self::snapshot(pid, task, &rcu) }
    }

    /// Copies the numbers of `pid` and the name and thread-group ids of `task`.
    ///
    /// # Safety
    ///
    /// `pid` must be valid for the duration of the call. `task` must be NULL or a task found
    /// through `pid` under the RCU read lock that `_rcu` proves is still held.
    unsafe fn snapshot(
        pid: *mut bindings::pid,
        task: *mut bindings::task_struct,
        _rcu: &rcu::Guard,
    ) -> Option<Self> {
        if task.is_null() {
            return None;
        }
        // SAFETY: `task` is valid under RCU (task structs are freed after a grace period), and
        // `task_tgid()`, which the shim calls, requires the RCU read lock, held by `_rcu`.
        let tgid_pid = unsafe { shim::pidnsmod_task_tgid(task) };
        // SAFETY: `pid` is valid by the function's requirements; `level` and
        // `numbers[0..=level]` are written by `alloc_pid()` before the pid is published and
        // never change; `numbers` has `level + 1` entries.
        // bindgen lays these fields out as C does: proved by the layout KUnit case (kunit.rs).
        let numbers = unsafe { (*pid).numbers.as_slice((*pid).level as usize + 1) };
        // A task whose `tgid_pid` is NULL is leaving its thread group: take it as its own group.
        let tgids = if tgid_pid.is_null() {
            numbers
        } else {
            // SAFETY: as for `pid` above; the leader's pid is valid under RCU like `task`.
            // bindgen lays these fields out as C does: proved by the layout KUnit case (kunit.rs).
            unsafe { (*tgid_pid).numbers.as_slice((*tgid_pid).level as usize + 1) }
        };

        let mut chain = Chain {
            comm: [0; COMM_LEN],
            count: numbers.len().min(MAX_LEVELS),
            levels: [Level::default(); MAX_LEVELS],
        };
        // bindgen lays `upid.nr`, `upid.ns` and `ns.inum` out as C does: proved by the layout
        // KUnit case (kunit.rs).
        for (i, (slot, upid)) in chain.levels.iter_mut().zip(numbers).enumerate() {
            *slot = Level {
                // At most `MAX_LEVELS`: it fits.
                level: u32::try_from(i).unwrap_or(u32::MAX),
                nr: upid.nr,
                tgid: tgids.get(i).map_or(upid.nr, |t| t.nr),
                // SAFETY: a pid holds a reference on its deepest namespace and every namespace
                // one on its parent, so `upid.ns` is valid; `ns.inum` never changes.
                ns_inum: unsafe { (*upid.ns).ns.inum },
                // SAFETY: `upid.ns` is valid (above); `ns_id` is set at creation, never changed.
                ns_id: unsafe { shim::pidnsmod_ns_id(upid.ns) },
            };
        }
        // SAFETY: `task` is valid under RCU, and `chain.comm` has the `TASK_COMM_LEN` bytes the
        // shim copies into it.
        unsafe { shim::pidnsmod_task_comm(task, chain.comm.as_mut_ptr().cast()) };
        Some(chain)
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

/// The depth of `ns`: 0 for the initial PID namespace.
pub(crate) fn ns_level(ns: &PidNamespace) -> usize {
    // SAFETY: `&PidNamespace` is valid, and `level` is set when the namespace is created and
    // never changes.
    // bindgen lays these fields out as C does: proved by the layout KUnit case (kunit.rs).
    unsafe { (*ns.as_ptr()).level as usize }
}

/// Every process (thread-group leader) with a PID in a namespace, in the order of those PIDs,
/// like the numeric entries of that namespace's `/proc`.
///
/// Between two PIDs (also between two threads skipped: a namespace may hold a million threads
/// and few processes) it calls `should_stop`, which may sleep; once that says so, the walk ends
/// with `EINTR`.
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
            level: ns_level(ns),
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
            // The lock is taken per process, so that the caller may sleep between them.
            let rcu = rcu::read_lock();
            // SAFETY: `find_ge_pid()` requires the RCU read lock, held by `rcu`, and a valid
            // namespace, which `&PidNamespace` guarantees.
            let pid = unsafe { bindings::find_ge_pid(self.next, self.ns.as_ptr()) };
            if pid.is_null() {
                self.next = 0;
                return None;
            }
            // SAFETY: `pid` was found in `self.ns` under `rcu`, so it is valid and has a number
            // at the namespace's level (`numbers` has `level + 1 > self.level` entries).
            // bindgen lays these fields out as C does: proved by the layout KUnit case (kunit.rs).
            let nr = unsafe { (*(*pid).numbers.as_ptr().add(self.level)).nr };
            self.next = nr.wrapping_add(1);
            // As `/proc` lists processes (`next_tgid()`): a pid leads a thread group if a task
            // is attached to it as `PIDTYPE_TGID`.
            // SAFETY: `pid` is valid under `rcu`, which `pid_task()` requires.
            let task = unsafe { bindings::pid_task(pid, bindings::pid_type_PIDTYPE_TGID) };
            // SAFETY: `pid` is valid and `task` came from `pid_task()` under `rcu`.
            if let Some(chain) = unsafe { Chain::snapshot(pid, task, &rcu) } {
                return Some(Ok(chain));
            }
        }
    }
}
