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
    chain::Process,
    pid::{Pid, COMM_LEN},
    pid_ns::PidNamespaceExt,
    pidfd::PidFd,
    shim, sys, uapi,
    uapi_chain::{ChainAnswer, ChainInput},
};
use core::mem::{offset_of, size_of};
use kernel::{
    current,
    ffi::{c_long, c_uint, c_ulong},
    ioctl::{_IOC_SIZE, _IOWR},
    pid_namespace::PidNamespace,
    prelude::*,
    sync::rcu,
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
const INPUT: usize = size_of::<ChainInput>();
/// The largest `size` accepted (with a zero tail), as `clone3()` caps it at a page.
const MAX_USER_SIZE: usize = 4096;

// The generated struct agrees with the header's defines (the C shim checks the C struct).
const _: () = assert!(KSIZE == uapi::PIDNS_CHAIN_SIZE_LATEST as usize);
const _: () = assert!(offset_of!(Request, ns_id) == SIZE_VER0);
const _: () = assert!(VERSIONS[VERSIONS.len() - 1] == KSIZE);
const _: () = assert!(uapi::PIDNS_MAX_LEVELS as usize == crate::chain::MAX_LEVELS);
const _: () = assert!(INPUT < SIZE_VER0);

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

// The handler below is the one `shim.h` declares (and `proc_shim.c`'s table holds).
const _: () = {
    let _: [unsafe extern "C" fn(_, _, _) -> _; 2] =
        [shim::pidnsmod_proc_ioctl, pidnsmod_proc_ioctl];
};

/// `proc_ops::proc_ioctl` of `/proc/pidns`, and what its `proc_compat_ioctl` calls (after
/// converting a 32-bit caller's pointer with `compat_ptr()`: the struct has the same layout for
/// 32-bit callers).
///
/// # Safety
///
/// Called by procfs (or the shim) only, for an open `/proc/pidns`, in the calling task's context;
/// `arg` is the caller's argument, a user-space address that is only ever accessed through
/// [`UserSlice`]. The file is not used.
#[no_mangle]
unsafe extern "C" fn pidnsmod_proc_ioctl(
    _file: *mut kernel::bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
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

/// Answers one `PIDNS_GET_CHAIN` on the struct at `arg`.
fn get_chain(arg: UserPtr) -> Result {
    let input = read_request(arg)?;
    // Answered in the caller's PID namespace, as the read-back is.
    let task = current!();
    let ns = task.active_pid_ns().ok_or(ESRCH)?;
    let mut answer = ChainAnswer::new(&input);
    find_and_fill(&input, ns, &mut answer)?;
    // Within the caller's struct: the version answered.
    let n = (input.size as usize).min(KSIZE);
    // At most `KSIZE`: it fits.
    answer.set_size(n as u32);
    // Only the bytes that say something are copied out, within the caller's struct: the fields
    // up to the last level filled, and the namespace ids filled. Entries past `count` are left
    // as the caller had them.
    let head = answer.head_and_levels();
    let head = head.get(..n).unwrap_or(head);
    let ids_at = offset_of!(Request, ns_id);
    let ids = answer.ns_ids();
    let ids = ids.get(..n.saturating_sub(ids_at)).unwrap_or(ids);
    sys::write_to_user2(arg, head, ids_at, ids)
}

/// Reads the input fields of the caller's struct (its first [`INPUT`] bytes, in one copy) and
/// checks them, and its size as `copy_struct_from_user()` would, more strictly.
///
/// `size` up to ours must be the end of a version ([`VERSIONS`], `EINVAL` otherwise); above ours,
/// the bytes we do not know must all be zero (`E2BIG` otherwise, and above [`MAX_USER_SIZE`]).
/// Unknown flags and a `reserved` other than 0 are `EINVAL`; `count` is ignored.
fn read_request(arg: UserPtr) -> Result<ChainInput> {
    let input: ChainInput = UserSlice::new(arg, INPUT).reader().read()?;
    let user_size = input.size as usize;
    if user_size <= KSIZE && !VERSIONS.contains(&user_size) {
        return Err(EINVAL);
    }
    if user_size > MAX_USER_SIZE {
        return Err(E2BIG);
    }
    if user_size > KSIZE {
        let mut tail = UserSlice::new(arg, user_size).reader();
        tail.skip(KSIZE)?;
        check_zero_tail(tail)?;
    }
    if input.flags & !KNOWN_FLAGS != 0 || input.reserved != 0 {
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

/// Finds the process that `input` names, as the caller's PID namespace `ns` sees it, and fills
/// `answer` with its levels (from `ns` down) and command name.
fn find_and_fill(input: &ChainInput, ns: &PidNamespace, answer: &mut ChainAnswer) -> Result {
    let flags = input.flags;
    let by_pidfd = flags & uapi::PIDNS_CHAIN_PIDFD != 0;
    let ns_of = flags & uapi::PIDNS_CHAIN_NS_OF != 0;
    let ns_of_pidfd = flags & uapi::PIDNS_CHAIN_NS_OF_PIDFD != 0;
    if (by_pidfd && ns_of) || (ns_of_pidfd && !ns_of) {
        // A pidfd names its process, no namespace needed; NS_OF_PIDFD says what ns_of is.
        return Err(EINVAL);
    }
    if !by_pidfd && input.pid <= 0 {
        return Err(EINVAL);
    }
    if ns_of && !ns_of_pidfd && input.ns_of <= 0 {
        return Err(EINVAL);
    }
    // The pidfds are taken (`fget`) before the RCU read lock and given back after it.
    let pidfd = by_pidfd.then(|| PidFd::get(input.pid)).transpose()?;
    let owner_pidfd = ns_of_pidfd.then(|| PidFd::get(input.ns_of)).transpose()?;

    let rcu = rcu::read_lock();
    let process = if let Some(pidfd) = &pidfd {
        Process::of(visible(pidfd.pid(), ns)?, &rcu)
    } else if ns_of {
        // As the text interface's `N@P`: P must be a live process; N is looked up in its
        // namespace, which is the caller's or one below it.
        let owner = match &owner_pidfd {
            Some(owner) => Process::of(visible(owner.pid(), ns)?, &rcu),
            None => Process::find(ns, input.ns_of, &rcu),
        };
        Process::find(owner.ok_or(ESRCH)?.pid().ns(), input.pid, &rcu)
    } else {
        Process::find(ns, input.pid, &rcu)
    };
    let process = process.ok_or(ESRCH)?;
    for level in process.levels_from(ns.level()) {
        let entry = uapi::pidns_level {
            pid: level.nr,
            tgid: level.tgid,
            level: level.level,
            ns_inum: level.ns_inum,
        };
        if !answer.push(entry, level.ns_id) {
            break;
        }
    }
    let mut comm = [0; COMM_LEN];
    process.comm(&mut comm);
    answer.set_comm(&comm);
    Ok(())
}

/// `pid` if it has a number in `ns` (a pidfd may have been passed from another namespace, and
/// the caller must not learn the numbers of a process it cannot see), else `ESRCH`.
fn visible<'a>(pid: &'a Pid, ns: &PidNamespace) -> Result<&'a Pid> {
    pid.nr_in(ns).map(|_| pid).ok_or(ESRCH)
}
