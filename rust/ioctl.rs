// SPDX-License-Identifier: GPL-2.0

//! `PIDNS_GET_CHAIN`: a process's whole chain in one system call, for programs.
//!
//! An ioctl on an open `/proc/pidns` fills a `struct pidns_chain`
//! (`include/uapi/linux/pidns.h`, the one definition; [`uapi`] is generated from it) with the
//! same facts as the read-back line and the same scoping: the levels from the caller's own PID
//! namespace down, never a level above it. The process is named by a PID in the caller's
//! namespace, by a pidfd (race-free: a pidfd of an exited process gives `ESRCH` even when its
//! number was reused), or as `N@P` with `P` a PID or a pidfd.
//!
//! The struct is versioned by its `size` field, with the size rules of `copy_struct_from_user()`
//! (a static inline, so not callable from Rust; implemented here on [`UserSlice`]), stricter in
//! one point: a size between two versions is refused. The command number has no size bits, as
//! `clone3()` is one system call for every version of its struct: one number to allow in a
//! seccomp filter. Of the caller's struct only the input head and any unknown tail are read, as
//! `PIDFD_GET_INFO` reads only its mask; a struct that cannot be written back fails with `EFAULT`
//! after the lookup. The ioctl never logs: it is the interface for programs that ask at a high
//! rate.

use crate::{
    chain::{ns_level, Chain},
    pid_ref::PidRef,
    pidfd, shim, uapi,
};
use core::mem::{offset_of, size_of};
use kernel::{
    bindings, current,
    ffi::{c_long, c_uint, c_ulong},
    ioctl::{_IOC_SIZE, _IOWR},
    pid_namespace::PidNamespace,
    prelude::*,
    uaccess::{UserPtr, UserSlice, UserSliceReader},
};

type Request = uapi::pidns_chain;

/// The size of the struct this module knows: the latest version.
const KSIZE: usize = size_of::<Request>();
/// The size of the first version; smaller is `EINVAL`.
const SIZE_VER0: usize = uapi::PIDNS_CHAIN_SIZE_VER0 as usize;
/// The sizes a caller may give up to ours: the end of each version. Any other is a bug in the
/// caller, which the size rules of `copy_struct_from_user()` would answer with part of a version
/// (572 would have half of `ns_id[0]` written): `EINVAL` instead.
const VERSIONS: [usize; 2] = [SIZE_VER0, uapi::PIDNS_CHAIN_SIZE_VER1 as usize];
/// The bytes read in: `size`, `flags`, `pid`, `ns_of` (the inputs), `count` (ignored: output
/// only) and `reserved` (must be 0, so that a later version can make it an input).
const INPUT: usize = offset_of!(Request, comm);
/// The largest `size` accepted (with a zero tail), as `clone3()` caps it at a page.
const MAX_USER_SIZE: usize = 4096;

// The generated struct agrees with the header's defines (the C shim checks the C struct).
const _: () = assert!(KSIZE == uapi::PIDNS_CHAIN_SIZE_LATEST as usize);
const _: () = assert!(offset_of!(Request, ns_id) == SIZE_VER0);
const _: () = assert!(VERSIONS[VERSIONS.len() - 1] == KSIZE);
const _: () = assert!(uapi::PIDNS_MAX_LEVELS as usize == crate::chain::MAX_LEVELS);
// No padding anywhere, so that every byte copied to user space is a field's.
const _: () = assert!(
    KSIZE
        == 6 * 4
            + 16
            + size_of::<[uapi::pidns_level; uapi::PIDNS_MAX_LEVELS as usize]>()
            + 8 * uapi::PIDNS_MAX_LEVELS as usize
);
const _: () = assert!(size_of::<uapi::pidns_level>() == 16);

/// The flags this version knows.
const KNOWN_FLAGS: u32 =
    uapi::PIDNS_CHAIN_PIDFD | uapi::PIDNS_CHAIN_NS_OF | uapi::PIDNS_CHAIN_NS_OF_PIDFD;

/// The command: `_IOC(_IOC_READ | _IOC_WRITE, PIDNS_IOCTL_MAGIC, PIDNS_IOCTL_GET_CHAIN_NR, 0)`,
/// the header's `PIDNS_GET_CHAIN` (the kernel crate's `_IOC` is private: `_IOWR` of a zero-sized
/// type gives the same). Size bits 0: the struct's `size` says the version, and the number is the
/// same for every version.
const GET_CHAIN: u32 = _IOWR::<()>(uapi::PIDNS_IOCTL_MAGIC, uapi::PIDNS_IOCTL_GET_CHAIN_NR);
const _: () = assert!(_IOC_SIZE(GET_CHAIN) == 0);
// The number the header gives on x86 (scripts/check compiles the header to check the same).
const _: () = assert!(GET_CHAIN == 0xc000_b901);

// The handler below is the one `shim.h` declares (and `proc_shim.c` calls).
const _: () = {
    let _: [unsafe extern "C" fn(_, _) -> _; 2] = [shim::pidnsmod_proc_ioctl, pidnsmod_proc_ioctl];
};

/// `proc_ops::proc_ioctl` of `/proc/pidns`, and its `proc_compat_ioctl` (the shim converts a
/// 32-bit caller's pointer with `compat_ptr()`: the struct has the same layout for 32-bit
/// callers).
///
/// # Safety
///
/// Called by the shim only, for an open `/proc/pidns`, in the calling task's context; `arg` is
/// the caller's argument, a user-space address that is only ever accessed through [`UserSlice`].
#[no_mangle]
unsafe extern "C" fn pidnsmod_proc_ioctl(cmd: c_uint, arg: c_ulong) -> c_long {
    // Exactly the one number: the old `_IOWR(.., struct pidns_chain)` with its size bits is not
    // accepted either, so that there is one number for filters to allow.
    let result = if cmd == GET_CHAIN {
        get_chain(UserPtr::from_addr(arg))
    } else {
        Err(ENOTTY)
    };
    match result {
        Ok(()) => 0,
        // An errno (-4095..-1) fits any `long`.
        Err(e) => e.to_errno() as c_long,
    }
}

/// A struct all of whose bytes are fields (no padding) and any of whose bit patterns is valid.
fn zeroed() -> Request {
    // SAFETY: `Request` holds integers and arrays of integers only, for which all-zero bytes is
    // a valid value.
    unsafe { core::mem::zeroed() }
}

/// The bytes of `answer`, to copy it out.
fn as_bytes(answer: &Request) -> &[u8] {
    // SAFETY: `Request` has no padding (checked above) and holds integers only, so every one of
    // its `KSIZE` bytes is initialized; the slice borrows `answer` for its lifetime.
    unsafe { core::slice::from_raw_parts(core::ptr::from_ref(answer).cast::<u8>(), KSIZE) }
}

/// The input fields of a request: what every version of the struct starts with (`count` and
/// `reserved` are read too, but not kept: `count` is ignored, `reserved` checked to be 0).
struct Input {
    /// The caller's `size`: how many bytes of the struct it has.
    size: usize,
    flags: u32,
    pid: i32,
    ns_of: i32,
}

/// Answers one `PIDNS_GET_CHAIN` on the struct at `arg`.
fn get_chain(arg: UserPtr) -> Result {
    let input = read_request(arg)?;
    // Answered in the caller's PID namespace, as the read-back is.
    let task = current!();
    let ns = task.active_pid_ns().ok_or(ESRCH)?;
    let chain = find(&input, ns)?;
    let answer = fill(&input, &chain, ns_level(ns));
    // Only the bytes that say something are copied out: the fields up to the last level filled,
    // and the namespace ids filled. Entries past `count` are left as the caller had them.
    let count = answer.count as usize;
    let n = input.size.min(KSIZE);
    let bytes = as_bytes(&answer);
    let levels_end = offset_of!(Request, levels) + count * size_of::<uapi::pidns_level>();
    let ids = offset_of!(Request, ns_id);
    for range in [0..levels_end, ids..ids + count * size_of::<u64>()] {
        let range = range.start.min(n)..range.end.min(n);
        if let Some(part) = bytes.get(range.clone()).filter(|p| !p.is_empty()) {
            UserSlice::new(arg.wrapping_byte_add(range.start), part.len())
                .writer()
                .write_slice(part)?;
        }
    }
    Ok(())
}

/// The four bytes at `offset` of the input fields (a constant offset, checked below).
fn word_at(bytes: &[u8; INPUT], offset: usize) -> [u8; 4] {
    let mut word = [0u8; 4];
    if let Some(src) = bytes.get(offset..offset + 4) {
        word.copy_from_slice(src);
    }
    word
}
const _: () = assert!(offset_of!(Request, reserved) + 4 == INPUT);

/// Copies the input head of the caller's struct in (only that: the rest is output), checking its
/// size as `copy_struct_from_user()` would, and more strictly.
///
/// `size` up to ours must be the end of a version ([`VERSIONS`], `EINVAL` otherwise); above ours,
/// the bytes we do not know must all be zero (`E2BIG` otherwise, and above [`MAX_USER_SIZE`]).
/// `reserved` must be 0 (`EINVAL`).
fn read_request(arg: UserPtr) -> Result<Input> {
    let mut reader = UserSlice::new(arg, size_of::<u32>()).reader();
    let user_size = usize::try_from(reader.read::<u32>()?).map_err(|_| E2BIG)?;
    if user_size <= KSIZE && !VERSIONS.contains(&user_size) {
        return Err(EINVAL);
    }
    if user_size > MAX_USER_SIZE {
        return Err(E2BIG);
    }
    let mut reader = UserSlice::new(arg, user_size).reader();
    let mut head = [0u8; INPUT];
    reader.read_slice(&mut head)?;
    if user_size > KSIZE {
        reader.skip(KSIZE - INPUT)?;
        check_zero_tail(reader)?;
    }
    let input = Input {
        size: user_size,
        flags: u32::from_ne_bytes(word_at(&head, offset_of!(Request, flags))),
        pid: i32::from_ne_bytes(word_at(&head, offset_of!(Request, pid))),
        ns_of: i32::from_ne_bytes(word_at(&head, offset_of!(Request, ns_of))),
    };
    if input.flags & !KNOWN_FLAGS != 0 {
        return Err(EINVAL);
    }
    if word_at(&head, offset_of!(Request, reserved)) != [0; 4] {
        return Err(EINVAL);
    }
    Ok(input)
}

/// `E2BIG` unless every byte left in `reader` is zero.
fn check_zero_tail(mut reader: UserSliceReader) -> Result {
    let mut chunk = [0u8; 64];
    while !reader.is_empty() {
        let n = reader.len().min(chunk.len());
        let chunk = &mut chunk[..n];
        reader.read_slice(chunk)?;
        if chunk.iter().any(|&b| b != 0) {
            return Err(E2BIG);
        }
    }
    Ok(())
}

/// The process the request names, as the caller's PID namespace sees it.
fn find(request: &Input, caller_ns: &PidNamespace) -> Result<Chain> {
    let flags = request.flags;
    let by_pidfd = flags & uapi::PIDNS_CHAIN_PIDFD != 0;
    let ns_of = flags & uapi::PIDNS_CHAIN_NS_OF != 0;
    let ns_of_pidfd = flags & uapi::PIDNS_CHAIN_NS_OF_PIDFD != 0;
    if (by_pidfd && ns_of) || (ns_of_pidfd && !ns_of) {
        // A pidfd names its process, no namespace needed; NS_OF_PIDFD says what ns_of is.
        return Err(EINVAL);
    }
    if !by_pidfd && request.pid <= 0 {
        return Err(EINVAL);
    }
    if ns_of && !ns_of_pidfd && request.ns_of <= 0 {
        return Err(EINVAL);
    }
    let found = if by_pidfd {
        let pid = visible(pidfd::pid_of(request.pid)?, caller_ns)?;
        Chain::of(&pid)
    } else if ns_of {
        // As the text interface's `N@P`: P must be a live process (a task uses its pid; no
        // snapshot of its chain is needed to know that); N is looked up in its namespace, which
        // is the caller's or one below it.
        let owner = if ns_of_pidfd {
            visible(pidfd::pid_of(request.ns_of)?, caller_ns)?
        } else {
            PidRef::find_in_current_ns(request.ns_of).ok_or(ESRCH)?
        };
        if !owner.has_task() {
            return Err(ESRCH);
        }
        Chain::find(owner.ns(), request.pid)
    } else {
        PidRef::find_in_current_ns(request.pid).and_then(|pid| Chain::of(&pid))
    };
    found.ok_or(ESRCH)
}

/// `pid` if it has a number in `ns` (a pidfd may have been passed from another namespace, and
/// the caller must not learn the numbers of a process it cannot see), else `ESRCH`.
fn visible(pid: PidRef, ns: &PidNamespace) -> Result<PidRef> {
    // SAFETY: both pointers are valid for the call: `pid` holds a reference, `ns` is borrowed.
    let nr = unsafe { bindings::pid_nr_ns(pid.as_ptr(), ns.as_ptr()) };
    if nr > 0 {
        Ok(pid)
    } else {
        Err(ESRCH)
    }
}

/// The answer to `request`: its input fields as they were, the levels from `from` (the caller's
/// level) down, the command name, and `size`; every other byte zero.
fn fill(request: &Input, chain: &Chain, from: usize) -> Request {
    let mut out = zeroed();
    // At most `KSIZE`: it fits.
    out.size = u32::try_from(request.size.min(KSIZE)).unwrap_or(u32::MAX);
    out.flags = request.flags;
    out.pid = request.pid;
    out.ns_of = request.ns_of;
    let levels = chain.levels().get(from..).unwrap_or(&[]);
    // At most `MAX_LEVELS` (33): it fits.
    out.count = u32::try_from(levels.len()).unwrap_or(0);
    for ((slot, id), level) in out.levels.iter_mut().zip(out.ns_id.iter_mut()).zip(levels) {
        *slot = uapi::pidns_level {
            pid: level.nr,
            tgid: level.tgid,
            level: level.level,
            ns_inum: level.ns_inum,
        };
        *id = level.ns_id;
    }
    // The last byte stays NUL: at most 15 bytes of name.
    let room = out.comm.len() - 1;
    for (slot, &b) in out.comm[..room].iter_mut().zip(chain.comm().iter()) {
        *slot = b as core::ffi::c_char;
    }
    out
}
