// SPDX-License-Identifier: GPL-2.0

//! A pidfd's `struct pid`, for a module.
//!
//! `pidfd_pid()` and `pidfd_get_pid()` are not exported; `fget()` is. A pidfd is a file on pidfs
//! whose inode's `i_private` is its `struct pid`: `helpers.c` checks the file system and takes
//! the reference, since bindgen's layout of `struct inode` need not be the compiler's. Both references taken on the way, the file's and the pid's, are owned by types
//! that drop them: [`ARef<LocalFile>`] (`fput`) and [`PidRef`] (`put_pid`).
//!
//! C header: [`include/linux/pidfs.h`](srctree/include/linux/pidfs.h)

use crate::{pid_ref::PidRef, shim};
use kernel::{fs::LocalFile, prelude::*};

/// The `struct pid` that the pidfd `fd` of the calling task refers to, counted.
///
/// Fails with `EBADF` when `fd` is not an open file descriptor or not a pidfd. The pid may have
/// no task any more (the process exited): [`crate::chain::Chain::of`] then finds none.
pub(crate) fn pid_of(fd: i32) -> Result<PidRef> {
    let fd = u32::try_from(fd).map_err(|_| EBADF)?;
    // The reference on the file is dropped (`fput`) when `file` goes out of scope.
    let file = LocalFile::fget(fd)?;
    // SAFETY: `file` holds a reference on the file for the whole call, as the helper requires.
    let pid = unsafe { shim::pidnsmod_pidfd_get_pid(file.as_ptr()) };
    // SAFETY: the shim returns NULL or a pid with a reference taken for us (`get_pid`).
    unsafe { PidRef::from_counted(pid) }.ok_or(EBADF)
}
