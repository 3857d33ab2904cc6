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
//! [`Latest`] mutex (a file's first read); never the other way round (a write takes them one
//! after the other). Both may sleep (allocations under them), so no handler holds the RCU read
//! lock across them. The log's budget is a spinlock taken on its own. No lock is held across a
//! copy from or to user space, a lookup or a walk: those may take as long as user space or the
//! number of processes makes them, and every other user of the file would wait in D state.

use crate::{
    answer::{user_sized, Answer},
    latest::{Latest, ReadBack, Text},
    log_limit::{LogLimit, SharedLogLimit},
    query, request, shim, sys,
};
use core::{ffi::c_void, ptr::NonNull};
use kernel::{
    bindings, current,
    ffi::c_char,
    new_mutex, new_spinlock,
    prelude::*,
    sync::{Arc, Mutex},
    task::Kuid,
    types::ForeignOwnable,
    uaccess::{UserPtr, UserSlice},
};

// The handlers below are the ones `shim.h` declares (and `proc_shim.c` calls): checked here
// against bindgen's reading of the header, so a signature that drifts does not build.
const _: () = {
    let _: [unsafe extern "C" fn(_) -> _; 2] = [shim::pidnsmod_proc_open, pidnsmod_proc_open];
    let _: [unsafe extern "C" fn(_); 2] = [shim::pidnsmod_proc_release, pidnsmod_proc_release];
    let _: [unsafe extern "C" fn(_, _, _, _) -> _; 2] =
        [shim::pidnsmod_proc_read, pidnsmod_proc_read];
    let _: [unsafe extern "C" fn(_, _, _, _) -> _; 2] =
        [shim::pidnsmod_proc_write, pidnsmod_proc_write];
};

/// Name of the file under `/proc`.
const NAME: &CStr = c"pidns";

/// Root may read and write; nobody else may open it.
const MODE: u16 = 0o600;

/// The longest request accepted, in bytes: 64 KiB, room for thousands of queries.
pub(crate) const MAX_REQUEST: usize = 64 * 1024;

/// What every open file shares: the module's settings, the log's budget and the latest answer
/// per namespace.
#[pin_data]
struct Shared {
    /// Log every answer (the `log` module parameter).
    log: bool,
    /// The longest answer of one request, in bytes (the `max_answer` module parameter).
    max_answer: usize,
    #[pin]
    log_limit: SharedLogLimit,
    #[pin]
    latest: Mutex<Latest>,
}

/// What one open file remembers.
///
/// The file has no position (the shim opens it with `stream_open()`): `cursor` says how much of
/// `answer` has been read, and goes back to 0 whenever `answer` is replaced. A write that fails
/// before answering (`EINVAL`, `E2BIG`, `EOVERFLOW`, `EINTR`, `ENOMEM`, `EFAULT`) changes
/// neither, so a reader sees an old answer or a new one whole, never a mix.
///
/// The mutex around it is held only to look at or change these fields: never across a copy
/// from or to user space (which may wait on a page fault for as long as user space likes) nor a
/// lookup, so waiting for it is always short.
struct FileState {
    /// The answer this file reads back: written on this file, or taken from [`Latest`] at the
    /// first read of a file that has not written. `Unset` until one of those happens.
    answer: FileAnswer,
    /// How many bytes of `answer` were read.
    cursor: usize,
}

/// Where a file's read-back comes from.
enum FileAnswer {
    /// Nothing written or read yet: the first read looks in [`Latest`].
    Unset,
    /// [`Latest`] had no answer for the first reader's namespace: reads as empty.
    Empty,
    /// An answer, which knows the namespace it is for.
    Answer(Text),
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
    entry: NonNull<shim::proc_dir_entry>,
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
    ///
    /// Fails with `EEXIST` when procfs has a `pidns` entry already (another module made it):
    /// `proc_create_data()` would warn and fail. That is asked of procfs itself, not of the
    /// loader's `/proc`, which its mount namespace may hide or replace.
    pub(crate) fn create(log: bool, max_answer: usize) -> Result<Self> {
        // SAFETY: `NAME` is a NUL-terminated string; the lookup has no other requirement.
        match unsafe { shim::pidnsmod_procfs_has(NAME.as_char_ptr()) } {
            0 => {}
            1 => {
                pr_err!("/proc/{NAME} exists already (another module made it): not loaded\n");
                return Err(EEXIST);
            }
            err => return Err(Error::from_errno(err)),
        }
        let shared = KBox::pin_init(
            pin_init!(Shared {
                log,
                max_answer,
                log_limit <- new_spinlock!(LogLimit::new()),
                latest <- new_mutex!(Latest::new(*max_answer)),
            }),
            GFP_KERNEL,
        )?;
        let data = core::ptr::from_ref::<Shared>(&shared).cast_mut().cast();
        // SAFETY: `NAME` is a NUL-terminated string that lives forever. `data` points to the
        // pinned `Shared`, which lives in `self` until after `drop` has removed the entry.
        let entry = unsafe { shim::pidnsmod_proc_create(NAME.as_char_ptr(), MODE, data) };
        // Past the check above, what remains is running out of memory (or of procfs inodes).
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
        unsafe { shim::pidnsmod_proc_remove(self.entry.as_ptr()) };
    }
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
unsafe extern "C" fn pidnsmod_proc_open(private: *mut *mut c_void) -> c_int {
    if !opener_is_root() {
        return EACCES.to_errno();
    }
    let open = KBox::pin_init(
        pin_init!(OpenFile {
            state <- new_mutex!(FileState {
                answer: FileAnswer::Unset,
                cursor: 0,
            }),
        }),
        GFP_KERNEL_ACCOUNT,
    );
    match open {
        Ok(open) => {
            // SAFETY: by the function's requirements `private` is valid for writes. The
            // pointer is given back to `from_foreign()` once, by `pidnsmod_proc_release()`.
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
/// Called by the shim only, once per file, with the `private_data` that `pidnsmod_proc_open()`
/// set.
#[no_mangle]
unsafe extern "C" fn pidnsmod_proc_release(open: *mut c_void) {
    // SAFETY: `open` came from `into_foreign()` in `pidnsmod_proc_open()`; procfs releases a file
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
    // SAFETY: `open` came from `into_foreign()` in `pidnsmod_proc_open()` and is freed only at
    // release, after the last handler on the file returned.
    let open = unsafe { <Pin<KBox<OpenFile>>>::borrow(open) };
    (shared, open)
}

/// `proc_ops::proc_write`: answers one request.
///
/// # Safety
///
/// Called by the shim only: `shared` is the entry's data (a `Shared`), `open` the file's
/// `private_data` (an `OpenFile`), `buf` a user-space pointer (checked by the copy).
#[no_mangle]
unsafe extern "C" fn pidnsmod_proc_write(
    shared: *mut c_void,
    open: *mut c_void,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: the shim passes the entry's data and the file's private data.
    let (shared, open) = unsafe { unpack(shared, open) };
    let buf = UserPtr::from_ptr(buf.cast_mut().cast());
    to_ssize(write(shared, &open, buf, count))
}

/// Reads one request from user space and answers it; returns the bytes consumed.
///
/// Once the request is answered (also when some query found no process: `ESRCH`), its answer
/// replaces the file's and is read from its start. No lock is held while the request is copied
/// in or answered.
fn write(shared: &Shared, open: &OpenFile, buf: UserPtr, count: usize) -> Result<usize> {
    if count > MAX_REQUEST {
        if shared.log && sys::warn_ratelimit() {
            pr_warn!("request of {count} bytes rejected (E2BIG): at most {MAX_REQUEST}\n");
        }
        return Err(E2BIG);
    }
    // Requests are answered in the writer's PID namespace.
    let task = current!();
    let ns = task.active_pid_ns().ok_or(ESRCH)?;
    let mut request = KVVec::new();
    UserSlice::new(buf, count)
        .reader()
        .read_all(&mut request, user_sized())?;
    // The whole request is checked before anything is looked up or logged.
    let queries = query::parse(&request).map_err(|e| {
        if shared.log && sys::warn_ratelimit() {
            pr_warn!("request rejected (EINVAL): {}\n", e.reason());
        }
        EINVAL
    })?;

    // A new buffer for each answer: the file's old one may be read by fresh opens still, and a
    // huge answer's memory goes back once nothing reads it.
    let mut text = KVVec::new();
    let log = shared.log.then_some(&shared.log_limit);
    let result = request::answer(
        queries,
        ns,
        log,
        &mut Answer::new(&mut text, shared.max_answer),
    );
    if result.is_ok() || result == Err(ESRCH) {
        let text = Arc::new(ReadBack::new(ns, text), user_sized())?;
        shared.latest.lock().publish(ns, text.clone())?;
        let mut state = open.state.lock();
        let old = core::mem::replace(&mut state.answer, FileAnswer::Answer(text));
        state.cursor = 0;
        drop(state);
        // The old answer, if this was its last user, is freed outside the lock.
        drop(old);
    }
    result.map(|()| count)
}

/// `proc_ops::proc_read`: reads back the file's answer from where the last read stopped.
///
/// # Safety
///
/// As for [`pidnsmod_proc_write`], with `buf` a user-space destination.
#[no_mangle]
unsafe extern "C" fn pidnsmod_proc_read(
    shared: *mut c_void,
    open: *mut c_void,
    buf: *mut c_char,
    count: usize,
) -> isize {
    // SAFETY: the shim passes the entry's data and the file's private data.
    let (shared, open) = unsafe { unpack(shared, open) };
    to_ssize(read(shared, &open, UserPtr::from_ptr(buf.cast()), count))
}

/// Copies the file's answer, from its cursor on, to user space; returns the bytes copied.
///
/// An answer made in another PID namespace than the reader's reads as empty (0 bytes): a file
/// passed into a container does not show it the host's numbers, nor the other way round.
fn read(shared: &Shared, open: &OpenFile, buf: UserPtr, count: usize) -> Result<usize> {
    let task = current!();
    let ns = task.active_pid_ns().ok_or(ESRCH)?;
    // Under the lock: which answer, and which bytes of it this read takes (the cursor moves past
    // them, so that a concurrent read takes the next ones).
    let mut state = open.state.lock();
    if let FileAnswer::Unset = state.answer {
        state.answer = match shared.latest.lock().get(ns) {
            Some(text) => FileAnswer::Answer(text),
            None => FileAnswer::Empty,
        };
        state.cursor = 0;
    }
    let text = match &state.answer {
        FileAnswer::Answer(text) if text.is_for(ns) => text.clone(),
        _ => return Ok(0),
    };
    let start = state.cursor.min(text.text().len());
    let end = start + (text.text().len() - start).min(count);
    state.cursor = end;
    drop(state);

    // Without the lock: the copy may wait on a page fault.
    if let Err(e) = UserSlice::new(buf, end - start)
        .writer()
        .write_slice(&text.text()[start..end])
    {
        // Nothing of it is lost to the next read: the bytes are given back, unless another read
        // or write on the file has moved on since.
        let mut state = open.state.lock();
        if matches!(&state.answer, FileAnswer::Answer(t) if Arc::ptr_eq(t, &text))
            && state.cursor == end
        {
            state.cursor = start;
        }
        return Err(e);
    }
    Ok(end - start)
}

/// Whether the task opening the file is root: its effective user id is 0 in the initial user
/// namespace. The file's mode (0600, owner root) already keeps other users out, but not one
/// that holds `CAP_DAC_OVERRIDE` or `CAP_DAC_READ_SEARCH`; answers and the ioctl are for root
/// only. Checked at open, as file permissions are: a file root opened and passed on keeps working.
fn opener_is_root() -> bool {
    Kuid::current_euid() == Kuid::from_raw(bindings::kuid_t { val: 0 })
}
