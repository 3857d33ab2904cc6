// SPDX-License-Identifier: GPL-2.0

//! An owned reference to a `struct pid`, and what it tells about the process behind it.
//!
//! C header: [`include/linux/pid.h`](srctree/include/linux/pid.h)

use core::ptr::NonNull;
use kernel::{
    bindings,
    ffi::{c_char, c_void},
    str::BStr,
    sync::rcu, //
};

// Field reads of `struct task_struct` are done in C (`proc_shim.c` says why). The pointer is
// untyped here because bindgen's `task_struct` contains types that are not FFI-safe.
extern "C" {
    fn pidns_task_comm(task: *mut c_void, buf: *mut c_char);
}

/// The number a PID has in one PID namespace (`struct upid`), with that namespace's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Level {
    /// Depth of the namespace: 0 is the initial namespace.
    pub(crate) level: usize,
    /// The PID in that namespace.
    pub(crate) nr: i32,
    /// Inode number of the namespace: `readlink /proc/<pid>/ns/pid` shows `pid:[<ns_inum>]`.
    pub(crate) ns_inum: u32,
}

/// The command name of a task (`task_struct::comm`), copied out.
pub(crate) struct Comm([u8; bindings::TASK_COMM_LEN as usize]);

impl Comm {
    /// The name without its terminating NUL, printable with escapes through [`BStr`].
    pub(crate) fn as_bstr(&self) -> &BStr {
        let len = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        BStr::from_bytes(&self.0[..len])
    }
}

/// A counted reference to a `struct pid`, dropped with `put_pid`.
///
/// # Invariants
///
/// `self.0` points to a valid `struct pid` on which this object owns one reference.
pub(crate) struct PidRef(NonNull<bindings::pid>);

impl PidRef {
    /// Looks `nr` up in the PID namespace of the calling task, as `find_get_pid()` does.
    ///
    /// Returns `None` when no `struct pid` has that number there.
    pub(crate) fn find_in_current_ns(nr: i32) -> Option<Self> {
        // SAFETY: `find_get_pid` has no preconditions: it takes the RCU read lock itself and
        // returns either NULL or a pointer with a reference taken for the caller.
        let pid = unsafe { bindings::find_get_pid(nr) };
        // INVARIANT: a non-NULL result carries the reference that `find_get_pid` took for us.
        NonNull::new(pid).map(Self)
    }

    /// Every level of this PID, from the initial namespace (level 0) to the deepest.
    pub(crate) fn levels(&self) -> impl DoubleEndedIterator<Item = Level> + '_ {
        let pid = self.0.as_ptr();
        // SAFETY: by the type invariant `pid` is valid. `level` and `numbers[0..=level]` are
        // written by `alloc_pid()` before the pid is published and never change afterwards, and
        // `alloc_pid()` allocates `level + 1` entries of `numbers` (from the namespace's
        // `pid_cachep`, sized for its level).
        let numbers = unsafe { (*pid).numbers.as_slice((*pid).level as usize + 1) };
        numbers.iter().enumerate().map(|(level, upid)| Level {
            level,
            nr: upid.nr,
            // SAFETY: `upid.ns` is the namespace the number was allocated in. The pid holds a
            // reference on its deepest namespace (`alloc_pid()` takes it with `get_pid_ns()`)
            // and every namespace holds one on its parent, so all of them outlive `self`.
            // `ns.inum` is set when the namespace is created and never changes.
            ns_inum: unsafe { (*upid.ns).ns.inum },
        })
    }

    /// The command name of the task that uses this pid as its PID, or `None` when no task does:
    /// it has exited, or the number now only names a process group or session.
    pub(crate) fn comm(&self) -> Option<Comm> {
        let _rcu = rcu::read_lock();
        // SAFETY: the pid is valid by the type invariant, and `pid_task()` requires the RCU read
        // lock, which `_rcu` holds until the end of this function.
        let task = unsafe { bindings::pid_task(self.0.as_ptr(), bindings::pid_type_PIDTYPE_PID) };
        if task.is_null() {
            return None;
        }
        let mut comm = Comm([0; bindings::TASK_COMM_LEN as usize]);
        // SAFETY: `task` came from `pid_task()` under the RCU read lock we still hold, and task
        // structs are freed only after an RCU grace period, so it stays valid here; `comm.0` has
        // the `TASK_COMM_LEN` bytes the shim copies into it.
        unsafe { pidns_task_comm(task.cast(), comm.0.as_mut_ptr().cast()) };
        Some(comm)
    }
}

impl Drop for PidRef {
    fn drop(&mut self) {
        // SAFETY: by the type invariant we own one reference on the pid, given back here once.
        unsafe { bindings::put_pid(self.0.as_ptr()) };
    }
}
