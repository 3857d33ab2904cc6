//! The system calls, ioctl numbers and errno names every user-space program of pidns needs: the
//! command, the bench and the guest tests' `vmh` take them from here, written once.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

/// `_IOC_WRITE` and `_IOC_READ` of include/uapi/asm-generic/ioctl.h.
pub const IOC_WRITE: u32 = 1;
pub const IOC_READ: u32 = 2;

/// `_IOC(dir, type, nr, size)` of include/uapi/asm-generic/ioctl.h, the layout of x86, arm and
/// riscv: nr in bits 0-7, type 8-15, size 16-29, direction 30-31. The checks against the libc
/// crate's numbers below catch an architecture that lays it out otherwise.
pub const fn ioc(dir: u32, ty: u32, nr: u32, size: usize) -> u32 {
    (dir << 30) | ((size as u32) << 16) | (ty << 8) | nr
}

/// nsfs's ioctl type (include/uapi/linux/nsfs.h).
const NSIO: u32 = 0xb7;
/// `_IO(NSIO, 0x2)`: a new descriptor for the parent namespace, `EPERM` above the caller's own.
pub const NS_GET_PARENT: u32 = ioc(0, NSIO, 0x2, 0);
/// `_IOR(NSIO, 0x8, int)`: the caller-namespace PID passed **by value** as the argument
/// (fs/nsfs.c: `find_task_by_vpid(arg)`), translated into the descriptor's namespace and
/// returned as the ioctl's result.
pub const NS_GET_PID_IN_PIDNS: u32 = ioc(IOC_READ, NSIO, 0x8, std::mem::size_of::<libc::c_int>());
/// `_IOR(NSIO, 13, __u64)`: the namespace's 64-bit ID, never reused (unlike its inode).
pub const NS_GET_ID: u32 = ioc(IOC_READ, NSIO, 13, 8);

// The same numbers as the libc crate's, where it has them: proves the layout above. (The casts
// matter where libc's ioctl request type is not u32, e.g. glibc's c_ulong.)
#[allow(clippy::unnecessary_cast)]
const _: () = {
    assert!(NS_GET_PARENT as u64 == libc::NS_GET_PARENT as u64);
    assert!(NS_GET_PID_IN_PIDNS as u64 == libc::NS_GET_PID_IN_PIDNS as u64);
};

/// `pidfd_open(pid, 0)`: a descriptor that names the process itself, not its number, and is
/// closed on drop. `ESRCH` when there is no such process in the caller's namespace.
pub fn pidfd_open(pid: i32) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes a PID and flags; no memory is passed.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a descriptor the kernel just returned to this process, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// The symbolic name of an errno, for the ones pidns's programs meet (the module's answers, the
/// fallback's, module loading), or `None`.
pub fn errno_name(n: i32) -> Option<&'static str> {
    Some(match n {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::E2BIG => "E2BIG",
        libc::ENOEXEC => "ENOEXEC",
        libc::EBADF => "EBADF",
        libc::ECHILD => "ECHILD",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::EMFILE => "EMFILE",
        libc::ENOTTY => "ENOTTY",
        libc::ENOSPC => "ENOSPC",
        libc::ESPIPE => "ESPIPE",
        libc::EROFS => "EROFS",
        libc::EPIPE => "EPIPE",
        libc::ERANGE => "ERANGE",
        libc::ENOSYS => "ENOSYS",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EKEYREJECTED => "EKEYREJECTED",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nsfs_numbers_are_the_headers() {
        // What include/uapi/linux/nsfs.h gives on x86-64.
        assert_eq!(NS_GET_PARENT, 0xb702);
        assert_eq!(NS_GET_ID, 0x8008_b70d);
        assert_eq!(NS_GET_PID_IN_PIDNS, 0x8004_b708);
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(libc::ESRCH), Some("ESRCH"));
        assert_eq!(errno_name(libc::EKEYREJECTED), Some("EKEYREJECTED"));
        assert_eq!(errno_name(4095), None);
    }

    #[test]
    fn pidfd_of_this_process() {
        // SAFETY: getpid() has no preconditions.
        let me = unsafe { libc::getpid() };
        assert!(pidfd_open(me).is_ok());
        assert_eq!(
            pidfd_open(-1).err().and_then(|e| e.raw_os_error()),
            Some(libc::EINVAL)
        );
    }
}
