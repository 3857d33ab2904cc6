//! Thin wrappers over the libc calls the bench makes outside its timed loops, and the pidfd
//! ioctl that only the bench uses (the rest are the pidns library's, `pidns::sys`). Every failure
//! becomes an error that names the call and its argument, so that an environment problem (no
//! root, a missing file, a refused syscall) says where it happened instead of panicking.

use std::ffi::{CStr, CString};
use std::os::fd::OwnedFd;

pub use pidns::sys::{ioc, IOC_READ, IOC_WRITE};
pub use support::sys::{errno, now, os_err, owned, Res};

/// A C string from a Rust string that the bench built itself (paths, module parameters).
pub fn cstring(s: &str) -> Res<CString> {
    CString::new(s).map_err(|_| format!("{s:?} contains a NUL byte"))
}

/// open(2), close-on-exec, as an owned descriptor that closes itself.
pub fn open(path: &CStr, flags: libc::c_int) -> Res<OwnedFd> {
    // SAFETY: `path` is NUL-terminated; open() only reads it.
    let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(os_err(&format!("open {}", path.to_string_lossy())));
    }
    Ok(owned(fd))
}

/// Reads a small text file (under /proc or /sys) whole.
pub fn read_text(path: &str) -> Res<String> {
    std::fs::read_to_string(path).map_err(|e| format!("read {path}: {e}"))
}

/// Writes a sysctl-like file under /proc/sys.
pub fn write_text(path: &str, value: &str) -> Res<()> {
    std::fs::write(path, value).map_err(|e| format!("write {value:?} to {path}: {e}"))
}

/// `struct pidfd_info` of Linux 7.3's include/uapi/linux/pidfd.h (PIDFD_INFO_SIZE_VER3, 88
/// bytes). Written out here because the libc crate has only the first, 64-byte version; the
/// kernel fills as much as the size encoded in the ioctl number asks for.
#[repr(C)]
#[derive(Default, Debug, Clone, Copy)]
pub struct PidfdInfo {
    pub mask: u64,
    pub cgroupid: u64,
    pub pid: u32,
    pub tgid: u32,
    pub ppid: u32,
    pub ruid: u32,
    pub rgid: u32,
    pub euid: u32,
    pub egid: u32,
    pub suid: u32,
    pub sgid: u32,
    pub fsuid: u32,
    pub fsgid: u32,
    pub exit_code: i32,
    pub coredump_mask: u32,
    pub coredump_signal: u32,
    pub coredump_code: u32,
    pub coredump_pad: u32,
    pub supported_mask: u64,
}

/// PIDFD_INFO_SIZE_VER3 in the header: the size the 7.3 kernel checks with BUILD_BUG_ON.
const PIDFD_INFO_SIZE_VER3: usize = 88;
const _: () = assert!(std::mem::size_of::<PidfdInfo>() == PIDFD_INFO_SIZE_VER3);

/// `PIDFD_INFO_PID`: the field set the bench asks for (the kernel always fills it anyway).
pub const PIDFD_INFO_PID: u64 = 1;
const PIDFS_IOCTL_MAGIC: u32 = 0xFF;
/// `_IOWR(PIDFS_IOCTL_MAGIC, 11, struct pidfd_info)`.
pub const PIDFD_GET_INFO: u32 = ioc(
    IOC_READ | IOC_WRITE,
    PIDFS_IOCTL_MAGIC,
    11,
    PIDFD_INFO_SIZE_VER3,
);

// libc's PIDFD_GET_INFO encodes its 64-byte struct: the same number with size 64 proves the layout.
#[allow(clippy::unnecessary_cast)]
const _: () = assert!(
    ioc(IOC_READ | IOC_WRITE, PIDFS_IOCTL_MAGIC, 11, 64) as u64 == libc::PIDFD_GET_INFO as u64
);
