// SPDX-License-Identifier: GPL-2.0

//! An owned reference to a `struct pid`.
//!
//! C header: [`include/linux/pid.h`](srctree/include/linux/pid.h)

use core::ptr::NonNull;
use kernel::{bindings, pid_namespace::PidNamespace, sync::rcu};

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

    /// Takes over a reference that the caller owns on a `struct pid` (`None` for NULL).
    ///
    /// # Safety
    ///
    /// `pid` must be NULL or point to a valid `struct pid` on which the caller owns one reference,
    /// which is handed over here.
    pub(crate) unsafe fn from_counted(pid: *mut bindings::pid) -> Option<Self> {
        // INVARIANT: by the function's requirements a non-NULL `pid` carries a reference for us.
        NonNull::new(pid).map(Self)
    }

    /// The raw pointer, valid for as long as `self` lives.
    pub(crate) fn as_ptr(&self) -> *mut bindings::pid {
        self.0.as_ptr()
    }

    /// Whether a task uses this pid as its PID: `false` once the process has exited, or when the
    /// number only names a process group or session. Nothing is copied.
    pub(crate) fn has_task(&self) -> bool {
        let _rcu = rcu::read_lock();
        // SAFETY: the pid is valid by the type invariant, and `pid_task()` requires the RCU read
        // lock, held by `_rcu`; only the result's nullness is used, not the task.
        !unsafe { bindings::pid_task(self.as_ptr(), bindings::pid_type_PIDTYPE_PID) }.is_null()
    }

    /// The PID namespace this pid was allocated in: the deepest one it has a number in.
    pub(crate) fn ns(&self) -> &PidNamespace {
        let pid = self.as_ptr();
        // SAFETY: by the type invariant `pid` is valid. `level` and `numbers[level]` are written
        // by `alloc_pid()` before the pid is published and never change; `numbers` has
        // `level + 1` entries.
        // bindgen lays these fields out as C does: proved by the layout KUnit case (kunit.rs).
        let ns = unsafe { (*(*pid).numbers.as_ptr().add((*pid).level as usize)).ns };
        // SAFETY: the pid holds a reference on this namespace (`alloc_pid()` takes it with
        // `get_pid_ns()`, `put_pid()` drops it), so it lives at least as long as `self`.
        unsafe { PidNamespace::from_ptr(ns) }
    }
}

impl Drop for PidRef {
    fn drop(&mut self) {
        // SAFETY: by the type invariant we own one reference on the pid, given back here once.
        unsafe { bindings::put_pid(self.0.as_ptr()) };
    }
}
