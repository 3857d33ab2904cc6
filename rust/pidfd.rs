// SPDX-License-Identifier: GPL-2.0

//! A pidfd and its `struct pid`, for a module.
//!
//! `pidfd_pid()` and `pidfd_get_pid()` are not exported; `fdget()` is. A pidfd is a file on
//! pidfs whose inode's `i_private` is its `struct pid`, kept by the inode for as long as the file
//! is open: `helpers.c` checks the file system and reads the pointer (bindgen's layout of
//! `struct inode` need not be the compiler's). The file is held as `pidfd_get_pid()` holds it,
//! with `fdget()`: a light reference (no count taken) when the caller's fd table is not shared,
//! which the kernel crate's `fs/file.rs` explains; `fdput()` is the [`Drop`]. The pid is borrowed
//! from the file, so no count is taken on it either.
//!
//! C header: [`include/linux/pidfs.h`](srctree/include/linux/pidfs.h)

use crate::{pid::Pid, shim};
use core::ptr::NonNull;
use kernel::{bindings, prelude::*, types::NotThreadSafe};

/// An open pidfd of the calling task, held for the current system call.
///
/// # Invariants
///
/// `fd` is what `fdget()` returned for a pidfd, not yet given back with `fdput()`: its file is
/// valid, as a light reference (the caller's fd table is not shared, and the caller does not
/// close the descriptor before the system call returns, which it cannot do while this object
/// lives) or a counted one. `pid` is that file's `struct pid`, valid for as long as the file is.
pub(crate) struct PidFd {
    fd: bindings::fd,
    pid: NonNull<bindings::pid>,
    /// A light reference must not leave the task (nor outlive the system call).
    _not_send: NotThreadSafe,
}

impl PidFd {
    /// The pidfd `fd` of the calling task.
    ///
    /// Fails with `EBADF` when `fd` is not an open file descriptor or not a pidfd. Its process
    /// may have exited: its pid then has no task.
    pub(crate) fn get(fd: i32) -> Result<Self> {
        let fd = u32::try_from(fd).map_err(|_| EBADF)?;
        // SAFETY: `fdget()` takes any number: it fails (an empty `struct fd`) for one that is not
        // an open descriptor of the calling task.
        let fd = unsafe { bindings::fdget(fd) };
        let file = file_of(&fd);
        if file.is_null() {
            return Err(EBADF);
        }
        // SAFETY: `file` is valid while `fd` is held (`fdget()`), as the helper requires.
        let pid = unsafe { shim::pidnsmod_pidfd_pid(file) };
        let Some(pid) = NonNull::new(pid) else {
            put(fd);
            return Err(EBADF);
        };
        // INVARIANT: `fd` holds a pidfd (from `fdget()`), and `pid` is its pid.
        Ok(PidFd {
            fd,
            pid,
            _not_send: NotThreadSafe,
        })
    }

    /// Its pid.
    pub(crate) fn pid(&self) -> &Pid {
        // SAFETY: by the type invariant the pid lives as long as the file held by `self.fd`, so
        // as long as `self`, which this borrow cannot outlive.
        unsafe { Pid::from_ptr(self.pid.as_ptr()) }
    }
}

impl Drop for PidFd {
    fn drop(&mut self) {
        put(bindings::fd { word: self.fd.word });
    }
}

/// The file of a `struct fd` (`fd_file()`): its word without the flag bits; NULL when empty.
fn file_of(fd: &bindings::fd) -> *mut bindings::file {
    let flags = (bindings::FDPUT_FPUT | bindings::FDPUT_POS_UNLOCK) as usize;
    (fd.word & !flags) as *mut bindings::file
}

/// `fdput()`: drops the reference `fdget()` took, if it took a counted one.
fn put(fd: bindings::fd) {
    if fd.word & bindings::FDPUT_FPUT as usize != 0 {
        // SAFETY: `fdget()` took a counted reference on this file for the caller, given back
        // here once.
        unsafe { bindings::fput(file_of(&fd)) };
    }
}
