//! Thin wrappers over the libc calls the bench makes outside its timed loops, and the ioctl
//! numbers of the uapi headers it uses. Every failure becomes an error that names the call and
//! its argument, so that an environment problem (no root, a missing file, a refused syscall) says
//! where it happened instead of panicking.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

/// Errors are plain messages: the bench reports them and stops; nothing matches on them.
pub type Res<T> = Result<T, String>;

/// The current `errno`.
pub fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// "`what`: <strerror(errno)>", for the call that just failed.
pub fn os_err(what: &str) -> String {
    format!("{what}: {}", io::Error::last_os_error())
}

/// strerror() for an errno reported by another process.
pub fn strerror(err: i32) -> String {
    io::Error::from_raw_os_error(err).to_string()
}

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
    // SAFETY: `fd` was just returned by open() and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Wraps a descriptor that a syscall just returned (>= 0), so that it is closed on every path.
pub fn owned(fd: libc::c_int) -> OwnedFd {
    // SAFETY: callers pass a descriptor that the kernel just returned to this process and that
    // nothing else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// CLOCK_MONOTONIC in seconds: the clock the kernel does not step, read through the vDSO.
pub fn now() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write to; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Reads a small text file (under /proc or /sys) whole.
pub fn read_text(path: &str) -> Res<String> {
    std::fs::read_to_string(path).map_err(|e| format!("read {path}: {e}"))
}

/// Writes a sysctl-like file under /proc/sys.
pub fn write_text(path: &str, value: &str) -> Res<()> {
    std::fs::write(path, value).map_err(|e| format!("write {value:?} to {path}: {e}"))
}

// The asm-generic ioctl number layout (x86, arm, riscv): nr in bits 0-7, type 8-15, size 16-29,
// direction 30-31. The libc cross-checks below catch an architecture that lays it out otherwise.
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;

/// `_IOC(dir, type, nr, size)` from include/uapi/asm-generic/ioctl.h.
const fn ioc(dir: u32, ty: u32, nr: u32, size: usize) -> u64 {
    ((dir << 30) | ((size as u32) << 16) | (ty << 8) | nr) as u64
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
pub const PIDFD_GET_INFO: u64 = ioc(
    IOC_READ | IOC_WRITE,
    PIDFS_IOCTL_MAGIC,
    11,
    PIDFD_INFO_SIZE_VER3,
);

const NSIO: u32 = 0xb7;
/// `_IO(NSIO, 0x2)`: a new descriptor for the parent namespace, EPERM above the caller's own.
pub const NS_GET_PARENT: u64 = ioc(0, NSIO, 0x2, 0);
/// `_IOR(NSIO, 0x8, int)`: the caller-namespace PID passed **by value** as the argument
/// (fs/nsfs.c: `find_task_by_vpid(arg)`), translated into the descriptor's namespace and
/// returned as the ioctl's result.
pub const NS_GET_PID_IN_PIDNS: u64 = ioc(IOC_READ, NSIO, 0x8, std::mem::size_of::<libc::c_int>());

// The same numbers as the libc crate's, where it has them: proves the layout above. (The casts
// matter where libc's ioctl request type is not u64, e.g. musl's c_int.)
#[allow(clippy::unnecessary_cast)]
const _: () = {
    assert!(NS_GET_PARENT == libc::NS_GET_PARENT as u64);
    assert!(NS_GET_PID_IN_PIDNS == libc::NS_GET_PID_IN_PIDNS as u64);
    // libc's PIDFD_GET_INFO encodes its 64-byte struct: the same number with size 64.
    assert!(ioc(IOC_READ | IOC_WRITE, PIDFS_IOCTL_MAGIC, 11, 64) == libc::PIDFD_GET_INFO as u64);
};

/// ioctl(2) with an integer argument, as nsfs takes it.
///
/// # Safety
/// `request` must be one that reads no memory through `arg` (NS_GET_PARENT,
/// NS_GET_PID_IN_PIDNS).
#[inline]
pub unsafe fn ioctl_val(fd: libc::c_int, request: u64, arg: libc::c_ulong) -> libc::c_int {
    libc::ioctl(fd, request as _, arg)
}
