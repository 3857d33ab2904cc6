// SPDX-License-Identifier: GPL-2.0

//! What pidns reads of a PID namespace, in one place: its level, inode number and 64-bit id, and
//! whether processes may still enter it.
//!
//! The kernel crate's [`PidNamespace`] offers none of these, so they are added here as methods,
//! shaped like its own (`Task::tgid_nr_ns()`). Which fields are read through bindgen and which in
//! C: `pid.rs` says it for every wrapper.
//!
//! C header: [`include/linux/pid_namespace.h`](srctree/include/linux/pid_namespace.h)

use crate::shim;
use kernel::pid_namespace::PidNamespace;

/// Accessors of a `struct pid_namespace`. Every value but [`is_alive`] is set when the namespace
/// is made and never changes, so none needs a lock.
///
/// [`is_alive`]: PidNamespaceExt::is_alive
pub(crate) trait PidNamespaceExt {
    /// Its depth: 0 for the initial PID namespace.
    fn level(&self) -> usize;
    /// Its inode number: `readlink /proc/PID/ns/pid` shows `pid:[inum]`. May be reused once the
    /// namespace is gone.
    fn inum(&self) -> u32;
    /// Its 64-bit id (`ns_common.ns_id`), from a global counter: never reused.
    fn id(&self) -> u64;
    /// Whether processes may still enter it: false once its init process has exited, which
    /// happens once and for good (`disable_pid_allocation()`).
    fn is_alive(&self) -> bool;
}

impl PidNamespaceExt for PidNamespace {
    fn level(&self) -> usize {
        // SAFETY: `&PidNamespace` is valid; `level` never changes. bindgen lays it out as C does
        // (the `pidns_layout` KUnit suite).
        unsafe { (*self.as_ptr()).level as usize }
    }

    fn inum(&self) -> u32 {
        // SAFETY: `&PidNamespace` is valid; `ns.inum` never changes. bindgen lays
        // `pid_namespace.ns` and `ns_common.inum` out as C does (the `pidns_layout` KUnit suite).
        unsafe { (*self.as_ptr()).ns.inum }
    }

    fn id(&self) -> u64 {
        // SAFETY: a constant, written once by the C compiler.
        let offset = unsafe { shim::pidnsmod_pid_ns_id_offset };
        // SAFETY: `&PidNamespace` is valid, and `ns.ns_id` is a `u64` field at `offset` (C's own
        // `offsetof`, so C's layout), 8-byte aligned; it is set at creation and never changes.
        unsafe { self.as_ptr().cast::<u8>().add(offset).cast::<u64>().read() }
    }

    fn is_alive(&self) -> bool {
        // SAFETY: `&PidNamespace` is valid; the helper reads one word, without a lock.
        unsafe { shim::pidnsmod_pid_ns_is_alive(self.as_ptr()) }
    }
}
