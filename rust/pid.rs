// SPDX-License-Identifier: GPL-2.0

//! PIDs (`struct pid`) and the tasks that use them, behind safe types.
//!
//! This file, with `pid_ns.rs` (namespaces), `pidfd.rs`, `sys.rs` (the C helpers' other faces)
//! and `uapi_bytes.rs`, holds the module's `unsafe` code; the logic above them (`chain.rs`,
//! `request.rs`, `render.rs`, `latest.rs`, `ioctl.rs`) has none. The C edge (`proc_file.rs`, the
//! ioctl's trampoline) is the other exception.
//!
//! # Which kernel fields Rust may read
//!
//! bindgen need not lay a C struct out as the compiler does, and a field read at the wrong offset
//! answers a wrong number, not an error. On kernels without `CONFIG_SCHEDSTATS`, every field of
//! `struct task_struct` after `stats` is 48 bytes off in bindgen's layout (`helpers.c` says why);
//! `ns_common.ns_id` sits in an anonymous `struct ns_tree;` member that bindgen does not see. So:
//!
//! - a field is read through `kernel::bindings` only in these wrapper files, and only if the
//!   KUnit suite `pidns_layout` (`kunit.rs`) proves bindgen's offset equal to C's: `pid.level`,
//!   `pid.numbers` (and the size of `struct upid`), `upid.nr`, `upid.ns`, `pid_namespace.level`,
//!   `pid_namespace.ns`, `ns_common.inum`;
//! - every other field is read in C, in `helpers.c`: a task's `comm` and thread-group pid,
//!   `ns_id`, `pid_allocated`, a pidfd's pid;
//! - the kernel crate's `Task` accessors that read `task_struct` through bindgen (`Task::pid()`,
//!   `Task::tgid()`, `CurrentTask::group_leader()`) are never called: on such a kernel they read
//!   the wrong bytes.
//!
//! # RCU
//!
//! A `&Pid` or a [`PidTask`] found under the RCU read lock borrows the [`rcu::Guard`] it was found
//! under, so the compiler keeps it from outliving the lock; a `&Pid` borrowed from a pidfd lives
//! as long as the file ([`crate::pidfd::PidFd`]). A counted [`ARef<Pid>`] lives on its own.
//!
//! C header: [`include/linux/pid.h`](srctree/include/linux/pid.h)

use crate::{pid_ns::PidNamespaceExt, shim};
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    bindings,
    pid_namespace::PidNamespace,
    sync::{aref::AlwaysRefCounted, rcu},
    types::Opaque,
};

/// A `struct pid`: a process's (or thread's) numbers, one per PID namespace it is in.
///
/// # Invariants
///
/// The `struct pid` is valid for as long as a `&Pid` is: it is counted ([`ARef<Pid>`]), or the
/// borrow is bound to the RCU read lock it was found under or to the pidfd that holds it.
///
/// [`ARef<Pid>`]: kernel::sync::aref::ARef
#[repr(transparent)]
pub(crate) struct Pid(Opaque<bindings::pid>);

/// What a task uses a [`Pid`] as.
#[derive(Clone, Copy)]
pub(crate) enum PidType {
    /// Its own PID (thread id).
    Pid,
    /// Its thread group's id: only a group leader uses its pid as one.
    Tgid,
}

impl PidType {
    fn as_raw(self) -> bindings::pid_type {
        match self {
            PidType::Pid => bindings::pid_type_PIDTYPE_PID,
            PidType::Tgid => bindings::pid_type_PIDTYPE_TGID,
        }
    }
}

impl Pid {
    /// The raw pointer.
    pub(crate) fn as_ptr(&self) -> *mut bindings::pid {
        self.0.get()
    }

    /// A `&Pid` for `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a valid `struct pid` that stays valid for `'a`.
    pub(crate) unsafe fn from_ptr<'a>(ptr: *const bindings::pid) -> &'a Self {
        // SAFETY: `Pid` is a transparent wrapper of `struct pid`, and the caller guarantees that
        // `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// The pid whose number in `ns` is `nr`, as `find_pid_ns()` finds it.
    pub(crate) fn find<'g>(ns: &PidNamespace, nr: i32, _rcu: &'g rcu::Guard) -> Option<&'g Pid> {
        // SAFETY: `find_pid_ns()` requires the RCU read lock, which `_rcu` proves is held, and a
        // valid namespace, which `&PidNamespace` is.
        let pid = unsafe { bindings::find_pid_ns(nr, ns.as_ptr()) };
        // SAFETY: a pid found under the RCU read lock is freed only after a grace period
        // (`put_pid()` from `delayed_put_pid()`), so it is valid while `_rcu` lives, as `'g` says.
        NonNull::new(pid).map(|pid| unsafe { Pid::from_ptr(pid.as_ptr()) })
    }

    /// The pid with the lowest number in `ns` that is `nr` or above, as `find_ge_pid()` finds it
    /// (the walk behind `/proc`'s directory listing).
    pub(crate) fn find_ge<'g>(ns: &PidNamespace, nr: i32, _rcu: &'g rcu::Guard) -> Option<&'g Pid> {
        // SAFETY: as in `find`: the RCU read lock is held and the namespace is valid.
        let pid = unsafe { bindings::find_ge_pid(nr, ns.as_ptr()) };
        // SAFETY: as in `find`: valid until the end of the RCU read-side section.
        NonNull::new(pid).map(|pid| unsafe { Pid::from_ptr(pid.as_ptr()) })
    }

    /// Its numbers, from the initial PID namespace (level 0) down to the one it was made in.
    pub(crate) fn numbers(&self) -> &[Upid] {
        let pid = self.as_ptr();
        // SAFETY: `pid` is valid (type invariant). `level` and `numbers[0..=level]` are written
        // by `alloc_pid()` before the pid is published and never change; `numbers` has
        // `level + 1` entries. bindgen lays `pid.level`, `pid.numbers` and `struct upid` out as C
        // does (the `pidns_layout` KUnit suite). `Upid` is a transparent `struct upid`.
        unsafe {
            let numbers = (*pid).numbers.as_slice((*pid).level as usize + 1);
            core::slice::from_raw_parts(numbers.as_ptr().cast::<Upid>(), numbers.len())
        }
    }

    /// The PID namespace it was made in: the deepest one it has a number in.
    pub(crate) fn ns(&self) -> &PidNamespace {
        let pid = self.as_ptr();
        // SAFETY: `pid` is valid (type invariant); `numbers` has `level + 1` entries, so entry
        // `level` is within it, and it never changes (as in `numbers()`). `Upid` is a transparent
        // `struct upid`.
        let deepest = unsafe {
            &*(*pid)
                .numbers
                .as_ptr()
                .add((*pid).level as usize)
                .cast::<Upid>()
        };
        deepest.ns()
    }

    /// Its number in `ns`, if it has one there: `ns` is the namespace it was made in or one above
    /// it, as `pid_nr_ns()` checks (without a call: the ioctl's fast path asks it of a pidfd).
    pub(crate) fn nr_in(&self, ns: &PidNamespace) -> Option<i32> {
        let upid = self.numbers().get(ns.level())?;
        core::ptr::eq(upid.ns(), ns).then(|| upid.nr())
    }

    /// The task that uses it as `kind`, if there is one: none once that task has exited, or when
    /// the number only names a process group or session.
    pub(crate) fn task<'g>(&'g self, kind: PidType, _rcu: &'g rcu::Guard) -> Option<PidTask<'g>> {
        // SAFETY: the pid is valid (type invariant); `pid_task()` requires the RCU read lock,
        // which `_rcu` proves is held.
        let task = unsafe { bindings::pid_task(self.as_ptr(), kind.as_raw()) };
        // INVARIANT: found through a valid pid under the RCU read lock, held for `'g`.
        NonNull::new(task).map(|task| PidTask {
            task,
            _rcu: PhantomData,
        })
    }
}

// SAFETY: a `struct pid` is always reference-counted: `get_pid()` and `put_pid()` keep it, and
// `put_pid()` frees it after an RCU grace period once the last reference is gone.
unsafe impl AlwaysRefCounted for Pid {
    fn inc_ref(&self) {
        // SAFETY: a shared reference means the pid is valid, so its count is not zero.
        unsafe { shim::pidnsmod_get_pid(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller owns a reference on the pid, given back here once.
        unsafe { bindings::put_pid(obj.cast().as_ptr()) };
    }
}

// SAFETY: a `struct pid`'s count may be dropped from any thread.
unsafe impl Send for Pid {}
// SAFETY: `Pid` gives access to fields that never change after `alloc_pid()` and to functions
// that synchronise themselves (RCU, the pid's own lock).
unsafe impl Sync for Pid {}

/// A pid's number in one PID namespace (`struct upid`).
#[repr(transparent)]
pub(crate) struct Upid(bindings::upid);

impl Upid {
    /// The number.
    pub(crate) fn nr(&self) -> i32 {
        self.0.nr
    }

    /// The namespace the number is in.
    pub(crate) fn ns(&self) -> &PidNamespace {
        // SAFETY: a `Upid` is only reached through a valid pid (`Pid::numbers()`), which holds a
        // reference on its deepest namespace, and each namespace one on its parent
        // (`alloc_pid()`, `create_pid_namespace()`): every `ns` on the path lives as long as the
        // pid, which outlives this borrow.
        unsafe { PidNamespace::from_ptr(self.0.ns) }
    }
}

/// The task that uses a pid, borrowed under the RCU read lock (task structs are freed after a
/// grace period).
///
/// Only what `helpers.c` reads for it is offered: `task_struct` is never read through bindgen.
///
/// # Invariants
///
/// `task` points to a valid task found with `pid_task()` under the RCU read lock held for `'g`.
pub(crate) struct PidTask<'g> {
    task: NonNull<bindings::task_struct>,
    _rcu: PhantomData<&'g rcu::Guard>,
}

/// Bytes in a task's command name, with its NUL.
pub(crate) const COMM_LEN: usize = bindings::TASK_COMM_LEN as usize;

impl<'g> PidTask<'g> {
    /// The pid of its thread-group leader, or `None` while it is leaving its group.
    pub(crate) fn tgid_pid(&self) -> Option<&'g Pid> {
        // SAFETY: the task is valid under RCU (type invariant), which `task_tgid()` requires.
        let pid = unsafe { shim::pidnsmod_task_tgid(self.task.as_ptr()) };
        // SAFETY: a pid reached from a valid task under RCU stays valid until the grace period,
        // that is, for `'g`.
        NonNull::new(pid).map(|pid| unsafe { Pid::from_ptr(pid.as_ptr()) })
    }

    /// Copies its command name into `buf`, NUL-padded (as `get_task_comm()` does).
    pub(crate) fn comm(&self, buf: &mut [u8; COMM_LEN]) {
        // SAFETY: the task is valid (type invariant), and `buf` has the `TASK_COMM_LEN` bytes the
        // helper writes.
        unsafe { shim::pidnsmod_task_comm(self.task.as_ptr(), buf.as_mut_ptr().cast()) };
    }
}
