//! Reading /proc: a process's `NSpid:` line (the reference every method is checked against, and
//! itself one of the methods), and the system counts the bench needs before spawning processes.

use crate::sys::{self, Res};
use std::ffi::CStr;

/// The `NSpid:` parser is the pidns library's (cli/), the one the `pidns` command's /proc
/// fallback uses: bytes in, numbers reused in `out`, so that the NSpid method's timed loop does
/// not allocate.
pub use pidns::procfs::parse_nspid;

/// Outcome of reading one /proc/PID/status.
pub enum Status {
    /// The text is in the buffer, this many bytes long.
    Read(usize),
    /// The process exited meanwhile (ENOENT at open, ESRCH at read): not an error for a scan.
    Gone,
}

/// open + read until EOF + close of the NUL-terminated `path` into `buf` (grown when the file
/// is longer: `status` is ~1.5 KiB, more with long CPU masks).
#[inline]
pub fn read_status(path: &CStr, buf: &mut Vec<u8>) -> Res<Status> {
    // SAFETY: `path` is NUL-terminated; open() only reads it.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        let e = sys::errno();
        if e == libc::ENOENT || e == libc::ESRCH {
            return Ok(Status::Gone);
        }
        return Err(sys::os_err(&format!("open {}", path.to_string_lossy())));
    }
    let fd = sys::owned(fd);
    let mut len = 0;
    loop {
        if buf.len() - len < 1024 {
            buf.resize(buf.len() * 2 + 4096, 0);
        }
        // SAFETY: the destination is the unused tail of `buf`, `buf.len() - len` bytes long.
        let n = unsafe {
            libc::read(
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                buf[len..].as_mut_ptr().cast(),
                buf.len() - len,
            )
        };
        if n < 0 {
            if sys::errno() == libc::ESRCH {
                return Ok(Status::Gone);
            }
            return Err(sys::os_err(&format!("read {}", path.to_string_lossy())));
        }
        if n == 0 {
            return Ok(Status::Read(len));
        }
        len += n as usize;
    }
}

/// Number of tasks (threads included) alive now: the 4th field of /proc/loadavg, `running/total`.
/// threads-max and pid_max limit that number, not the process count.
pub fn nr_threads() -> Res<u64> {
    let text = sys::read_text("/proc/loadavg")?;
    text.split_whitespace()
        .nth(3)
        .and_then(|f| f.split('/').nth(1))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("/proc/loadavg: unexpected format {text:?}"))
}

/// A `Key:   N kB` field of /proc/meminfo, in bytes.
pub fn meminfo_bytes(key: &str) -> Res<u64> {
    let text = sys::read_text("/proc/meminfo")?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .ok_or_else(|| format!("/proc/meminfo has no {key} field"))
}

/// A number from a /proc/sys file.
pub fn sysctl_u64(path: &str) -> Res<u64> {
    let text = sys::read_text(path)?;
    text.trim()
        .parse()
        .map_err(|_| format!("{path}: not a number: {text:?}"))
}
