// SPDX-License-Identifier: GPL-2.0

//! `/proc/pidns`: the file through which users ask, and the C shim (`proc_shim.c`) behind it.

use crate::{lookup, query};
use core::ptr::NonNull;
use kernel::{
    bindings,
    ffi::c_char,
    prelude::*,
    uaccess::{UserPtr, UserSlice},
};

/// Opaque `struct proc_dir_entry`, known to Rust only by pointer.
#[repr(C)]
struct ProcDirEntry {
    _opaque: [u8; 0],
}

extern "C" {
    fn pidns_proc_create(name: *const c_char, mode: u16) -> *mut ProcDirEntry;
    fn pidns_proc_remove(entry: *mut ProcDirEntry);
    fn pidns_warn_ratelimit() -> bool;
}

/// Name of the file under `/proc`.
const NAME: &CStr = c"pidns";

/// Root may read and write; nobody else may open it. The kernel log shows host PIDs.
const MODE: u16 = 0o600;

/// The longest write accepted: one PID with room for surrounding whitespace.
const MAX_WRITE: usize = 64;

/// The registered `/proc/pidns` entry, removed on drop.
///
/// # Invariants
///
/// `self.0` is the entry returned by `proc_create()` and not yet removed.
pub(crate) struct ProcFile(NonNull<ProcDirEntry>);

// SAFETY: the entry is only handed back to `proc_remove()`, which may be called from any thread.
unsafe impl Send for ProcFile {}
// SAFETY: `ProcFile` has no methods that take `&self`.
unsafe impl Sync for ProcFile {}

impl ProcFile {
    /// Creates `/proc/pidns`. From here on its handlers may run at any time.
    pub(crate) fn create() -> Result<Self> {
        // SAFETY: `NAME` is a NUL-terminated string that lives forever (procfs copies it anyway).
        let entry = unsafe { pidns_proc_create(NAME.as_char_ptr(), MODE) };
        // INVARIANT: a non-NULL result is a live entry that only `drop` removes.
        NonNull::new(entry).map(Self).ok_or(ENOMEM)
    }
}

impl Drop for ProcFile {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the entry is live; it is removed once, here.
        // `proc_remove()` waits for handlers in flight, so none runs after the module is gone.
        unsafe { pidns_proc_remove(self.0.as_ptr()) };
    }
}

/// `proc_ops::proc_write` for `/proc/pidns`: every `write()` is one complete request.
///
/// # Safety
///
/// Called by procfs only, with `buf` a user-space pointer valid for `count` bytes or not (the
/// copy checks it). Returns the bytes consumed or a negative errno (`ssize_t`).
#[no_mangle]
unsafe extern "C" fn pidns_proc_write(
    _file: *mut bindings::file,
    buf: *const c_char,
    count: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    match write(UserPtr::from_ptr(buf.cast_mut().cast()), count) {
        // `count <= MAX_WRITE`, so it fits.
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// Reads one request from user space and answers it.
fn write(buf: UserPtr, count: usize) -> Result {
    if count > MAX_WRITE {
        return Err(EINVAL);
    }
    let mut bytes = [0u8; MAX_WRITE];
    let bytes = &mut bytes[..count];
    UserSlice::new(buf, count).reader().read_slice(bytes)?;
    let nr = query::parse_pid(bytes).map_err(|_| EINVAL)?;
    lookup::log_pid(nr).inspect_err(|_| {
        // SAFETY: `pidns_warn_ratelimit()` only updates its own static limiter state.
        if unsafe { pidns_warn_ratelimit() } {
            pr_warn!("pid {nr}: no such process\n");
        }
    })
}
