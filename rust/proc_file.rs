// SPDX-License-Identifier: GPL-2.0

//! `/proc/pidns`: the file through which users ask and read answers back.
//!
//! procfs reaches these handlers through the C shim `proc_shim.c`, which holds the `proc_ops`
//! table (the kernel has no Rust abstraction for procfs yet).
//!
//! Each `write()` is one complete request, answered before it returns; reading the same open file
//! then returns that answer. A file that has not written reads the most recent answer written
//! from the reader's own PID namespace ([`Latest`]).
//!
//! Locking: an open file's [`FileState`] mutex is taken first, then, briefly, the shared
//! [`Latest`] mutex; never the other way round. Both may sleep (allocations under them), so no
//! handler holds the RCU read lock across them.

use crate::{
    latest::Latest,
    query,
    request::{self, Answer},
};
use core::{ffi::c_void, ptr::NonNull};
use kernel::{
    bindings, current,
    ffi::c_char,
    new_mutex,
    prelude::*,
    sync::Mutex,
    types::ForeignOwnable,
    uaccess::{UserPtr, UserSlice},
};

/// Opaque `struct proc_dir_entry`, known to Rust only by pointer.
#[repr(C)]
struct ProcDirEntry {
    _opaque: [u8; 0],
}

extern "C" {
    fn pidns_proc_create(name: *const c_char, mode: u16, shared: *mut c_void) -> *mut ProcDirEntry;
    fn pidns_proc_remove(entry: *mut ProcDirEntry);
    fn pidns_warn_ratelimit() -> bool;
    fn pidns_file_rewind(file: *mut c_void);
}

/// Name of the file under `/proc`.
const NAME: &CStr = c"pidns";

/// Root may read and write; nobody else may open it.
const MODE: u16 = 0o600;

/// The longest request accepted, in bytes: 64 KiB, room for thousands of queries.
pub(crate) const MAX_REQUEST: usize = 64 * 1024;

/// What every open file shares: the module's settings and the latest answer per namespace.
#[pin_data]
struct Shared {
    /// Log every answer (the `log` module parameter).
    log: bool,
    #[pin]
    latest: Mutex<Latest>,
}

/// What one open file remembers.
struct FileState {
    /// The bytes of the request being answered (kept to reuse the allocation).
    request: KVVec<u8>,
    /// The answer this file reads back.
    answer: KVVec<u8>,
    /// Whether `answer` is set: by a write on this file, or copied from [`Latest`] at the first
    /// read of a file that has not written.
    has_answer: bool,
}

/// `file->private_data` of an open `/proc/pidns`.
#[pin_data]
struct OpenFile {
    #[pin]
    state: Mutex<FileState>,
}

/// The registered `/proc/pidns` entry and the state its handlers share; removed on drop.
///
/// # Invariants
///
/// `entry` is the entry returned by `proc_create_data()` with a pointer to `*_shared` as its
/// data, and not yet removed.
pub(crate) struct ProcFile {
    entry: NonNull<ProcDirEntry>,
    /// Owned here, used by the handlers through the entry's data pointer.
    _shared: Pin<KBox<Shared>>,
}

// SAFETY: `entry` is only handed back to `proc_remove()`, which may be called from any thread;
// `Shared` is `Send` (its fields are).
unsafe impl Send for ProcFile {}
// SAFETY: `ProcFile` has no methods that take `&self`; `Shared` is shared through its mutex.
unsafe impl Sync for ProcFile {}

impl ProcFile {
    /// Creates `/proc/pidns`. From here on its handlers may run at any time.
    pub(crate) fn create(log: bool) -> Result<Self> {
        let shared = KBox::pin_init(
            pin_init!(Shared {
                log,
                latest <- new_mutex!(Latest::new()),
            }),
            GFP_KERNEL,
        )?;
        let data = core::ptr::from_ref::<Shared>(&shared).cast_mut().cast();
        // SAFETY: `NAME` is a NUL-terminated string that lives forever. `data` points to the
        // pinned `Shared`, which lives in `self` until after `drop` has removed the entry.
        let entry = unsafe { pidns_proc_create(NAME.as_char_ptr(), MODE, data) };
        let entry = NonNull::new(entry).ok_or(ENOMEM)?;
        // INVARIANT: `entry` was just created with `data` pointing to `*shared`.
        Ok(ProcFile {
            entry,
            _shared: shared,
        })
    }
}

impl Drop for ProcFile {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the entry is live; it is removed once, here.
        // `proc_remove()` waits for handlers in flight and releases every file still open, so
        // nothing uses `self._shared` (dropped after this) or an `OpenFile` once it returns.
        unsafe { pidns_proc_remove(self.entry.as_ptr()) };
    }
}

/// Whether a warning that user input triggers may be logged now (the kernel's printk limiter).
pub(crate) fn warn_ratelimit() -> bool {
    // SAFETY: `pidns_warn_ratelimit()` only updates its own static limiter state.
    unsafe { pidns_warn_ratelimit() }
}

/// Turns a handler's result into what procfs expects: a byte count or a negative errno.
fn to_ssize(result: Result<usize>) -> isize {
    match result {
        // Counts are at most `MAX_REQUEST` or an answer's length in memory: they fit.
        Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
        Err(e) => e.to_errno() as isize,
    }
}

/// `proc_ops::proc_open`: gives the file its own [`OpenFile`].
///
/// # Safety
///
/// Called by the shim only, with `private` pointing to the new file's `private_data`.
#[no_mangle]
unsafe extern "C" fn pidns_proc_open(private: *mut *mut c_void) -> c_int {
    let open = KBox::pin_init(
        pin_init!(OpenFile {
            state <- new_mutex!(FileState {
                request: KVVec::new(),
                answer: KVVec::new(),
                has_answer: false,
            }),
        }),
        GFP_KERNEL,
    );
    match open {
        Ok(open) => {
            // SAFETY: by the function's requirements `private` is valid for writes. The
            // pointer is given back to `from_foreign()` once, by `pidns_proc_release()`.
            unsafe { *private = open.into_foreign() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `proc_ops::proc_release`: frees the file's [`OpenFile`].
///
/// # Safety
///
/// Called by the shim only, once per file, with the `private_data` that `pidns_proc_open()` set.
#[no_mangle]
unsafe extern "C" fn pidns_proc_release(open: *mut c_void) {
    // SAFETY: `open` came from `into_foreign()` in `pidns_proc_open()`; procfs releases a file
    // once, after its last read or write has returned.
    drop(unsafe { <Pin<KBox<OpenFile>>>::from_foreign(open) });
}

/// The state a read or write handler works on, from the pointers the shim passes.
///
/// # Safety
///
/// `shared` must be the entry's data and `open` the file's `private_data`, for a handler that
/// procfs is running: the entry exists, and the file is open until the handler returns.
unsafe fn unpack<'a>(shared: *mut c_void, open: *mut c_void) -> (&'a Shared, Pin<&'a OpenFile>) {
    // SAFETY: the entry's data is the `Shared` that `ProcFile` keeps alive while the entry
    // exists, and procfs runs no handler after `proc_remove()`.
    let shared = unsafe { &*shared.cast::<Shared>() };
    // SAFETY: `open` came from `into_foreign()` in `pidns_proc_open()` and is freed only at
    // release, after the last handler on the file returned.
    let open = unsafe { <Pin<KBox<OpenFile>>>::borrow(open) };
    (shared, open)
}

/// `proc_ops::proc_write`: answers one request.
///
/// # Safety
///
/// Called by the shim only: `shared` is the entry's data (a `Shared`), `open` the file's
/// `private_data` (an `OpenFile`), `file` the `struct file`, `buf` a user-space pointer (checked
/// by the copy), `ppos` the file position.
#[no_mangle]
unsafe extern "C" fn pidns_proc_write(
    shared: *mut c_void,
    open: *mut c_void,
    file: *mut c_void,
    buf: *const c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: the shim passes the entry's data and the file's private data.
    let (shared, open) = unsafe { unpack(shared, open) };
    let buf = UserPtr::from_ptr(buf.cast_mut().cast());
    // SAFETY: procfs passes a valid position for the duration of the call.
    let ppos = unsafe { &mut *ppos };
    let result = write(shared, &open, buf, count, ppos);
    if result == Err(ESRCH) {
        // Answered, but failing: the VFS keeps the old position, so rewind the file here.
        // SAFETY: `file` is the file this handler runs for, open for the whole call.
        unsafe { pidns_file_rewind(file) };
    }
    to_ssize(result)
}

/// Reads one request from user space and answers it; returns the bytes consumed.
///
/// Once the request is answered (also when some query found no process), the file's position
/// `pos` goes back to 0, so that the next read starts at the beginning of the new answer.
fn write(
    shared: &Shared,
    open: &OpenFile,
    buf: UserPtr,
    count: usize,
    pos: &mut i64,
) -> Result<usize> {
    if count > MAX_REQUEST {
        if shared.log && warn_ratelimit() {
            pr_warn!("request of {count} bytes rejected (E2BIG): at most {MAX_REQUEST}\n");
        }
        return Err(E2BIG);
    }
    // Requests are answered in the writer's PID namespace.
    let task = current!();
    let ns = task.active_pid_ns().ok_or(ESRCH)?;
    let mut state = open.state.lock();
    let FileState {
        request,
        answer,
        has_answer,
    } = &mut *state;
    request.clear();
    UserSlice::new(buf, count)
        .reader()
        .read_all(request, GFP_KERNEL)?;
    // The whole request is checked before anything is looked up or logged.
    let queries = query::parse(request).map_err(|e| {
        if shared.log && warn_ratelimit() {
            pr_warn!("request rejected (EINVAL): {}\n", e.reason());
        }
        EINVAL
    })?;

    answer.clear();
    *has_answer = true;
    *pos = 0;
    let result = request::answer(queries, ns, shared.log, &mut Answer(answer));
    if result.is_ok() || result == Err(ESRCH) {
        shared.latest.lock().publish(ns, answer)?;
    }
    result.map(|()| count)
}

/// `proc_ops::proc_read`: reads back the file's answer from `*ppos` on.
///
/// # Safety
///
/// As for [`pidns_proc_write`], with `buf` a user-space destination.
#[no_mangle]
unsafe extern "C" fn pidns_proc_read(
    shared: *mut c_void,
    open: *mut c_void,
    buf: *mut c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: the shim passes the entry's data and the file's private data.
    let (shared, open) = unsafe { unpack(shared, open) };
    // SAFETY: procfs passes a valid position for the duration of the call.
    let ppos = unsafe { &mut *ppos };
    to_ssize(read(
        shared,
        &open,
        UserPtr::from_ptr(buf.cast()),
        count,
        ppos,
    ))
}

/// Copies the file's answer, from `*pos` on, to user space; returns the bytes copied.
fn read(
    shared: &Shared,
    open: &OpenFile,
    buf: UserPtr,
    count: usize,
    pos: &mut i64,
) -> Result<usize> {
    let mut state = open.state.lock();
    if !state.has_answer {
        let task = current!();
        let ns = task.active_pid_ns().ok_or(ESRCH)?;
        shared.latest.lock().copy_into(ns, &mut state.answer)?;
        state.has_answer = true;
    }
    let start = usize::try_from(*pos).map_err(|_| EINVAL)?;
    let rest = state.answer.get(start..).unwrap_or(&[]);
    let n = rest.len().min(count);
    UserSlice::new(buf, n).writer().write_slice(&rest[..n])?;
    *pos += i64::try_from(n).map_err(|_| EINVAL)?;
    Ok(n)
}
