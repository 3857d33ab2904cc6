//! The pidns module's ioctl, `PIDNS_GET_CHAIN` on `/proc/pidns`: the one place user space
//! encodes it. The struct is [`uapi::pidns_chain`], generated from
//! `include/uapi/linux/pidns.h`.

use crate::sys::{ioc, IOC_READ, IOC_WRITE};
use crate::{uapi, Chain, Level, Query, Target};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

pub use uapi::pidns_chain as RawChain;

/// `PIDNS_GET_CHAIN`: `_IOC(_IOC_READ | _IOC_WRITE, PIDNS_IOCTL_MAGIC, PIDNS_IOCTL_GET_CHAIN_NR,
/// 0)`. No size bits: one number for every version of the struct, whose `size` field says which.
pub const PIDNS_GET_CHAIN: u32 = ioc(
    IOC_READ | IOC_WRITE,
    uapi::PIDNS_IOCTL_MAGIC,
    uapi::PIDNS_IOCTL_GET_CHAIN_NR,
    0,
);

/// The size of the struct this library knows.
pub const SIZE: usize = std::mem::size_of::<RawChain>();
const _: () = assert!(SIZE == uapi::PIDNS_CHAIN_SIZE_LATEST as usize);

/// A zeroed request: every field an integer, so all-zero is a valid value.
pub fn zeroed() -> RawChain {
    // SAFETY: `pidns_chain` holds integers and arrays of integers only.
    unsafe { std::mem::zeroed() }
}

/// An open `/proc/pidns`, for `PIDNS_GET_CHAIN`.
pub struct Module {
    fd: OwnedFd,
    raw: Box<RawChain>,
}

impl Module {
    /// Opens `/proc/pidns` (root only; `ENOENT` when the module is not loaded).
    pub fn open() -> io::Result<Module> {
        // SAFETY: a NUL-terminated path; open() only reads it.
        let fd = unsafe { libc::open(c"/proc/pidns".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Module {
            // SAFETY: `fd` was just returned by open() and nobody else owns it.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            raw: Box::new(zeroed()),
        })
    }

    /// The descriptor of `/proc/pidns`.
    pub fn fd(&self) -> libc::c_int {
        self.fd.as_raw_fd()
    }

    /// One `PIDNS_GET_CHAIN` on `raw`, as the caller filled it (`size` included, at most
    /// [`SIZE`]; `EINVAL` otherwise): the bare system call, for callers that build their own
    /// request (tests, the benchmark).
    #[inline]
    pub fn ioctl(&self, raw: &mut RawChain) -> io::Result<()> {
        if raw.size as usize > SIZE {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        // SAFETY: `raw` is a live struct of `SIZE >= raw.size` bytes, the most the kernel reads
        // or writes.
        let r = unsafe { libc::ioctl(self.fd(), PIDNS_GET_CHAIN as _, std::ptr::from_mut(raw)) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// `PIDNS_GET_CHAIN` with the argument `arg` as is: for tests of the size rules and of bad
    /// pointers.
    ///
    /// # Safety
    ///
    /// `arg` must be a pointer the kernel may write `size` bytes to, `size` being the `u32` at
    /// `arg` (or a pointer the caller expects `EFAULT` from).
    pub unsafe fn ioctl_ptr(&self, request: u32, arg: *mut libc::c_void) -> io::Result<()> {
        // SAFETY: as the function's requirements say.
        let r = unsafe { libc::ioctl(self.fd(), request as _, arg) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Looks `query` up: `ESRCH` when there is no such process (or, for a pidfd, when it has
    /// exited, even if its PID number is in use again).
    pub fn chain(&mut self, query: &Query) -> io::Result<Chain> {
        let raw = &mut *self.raw;
        *raw = zeroed();
        raw.size = SIZE as u32;
        let (flags, pid) = match query.target {
            Target::Pid(nr) => (0, nr),
            Target::Pidfd(fd) => (uapi::PIDNS_CHAIN_PIDFD, fd),
        };
        let (ns_flags, ns_of) = match query.ns_of {
            None => (0, 0),
            Some(Target::Pid(nr)) => (uapi::PIDNS_CHAIN_NS_OF, nr),
            Some(Target::Pidfd(fd)) => {
                (uapi::PIDNS_CHAIN_NS_OF | uapi::PIDNS_CHAIN_NS_OF_PIDFD, fd)
            }
        };
        raw.flags = flags | ns_flags;
        raw.pid = pid;
        raw.ns_of = ns_of;
        let raw = &mut *self.raw;
        // SAFETY: `raw` is a live `pidns_chain` of `raw.size` bytes.
        let r = unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                PIDNS_GET_CHAIN as _,
                std::ptr::from_mut(raw),
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(decode(raw))
    }
}

/// The PIDs of every process (thread-group leader) in the caller's PID namespace and those
/// below it, as the module's `all` lists them: one request `all` written to a fresh
/// read-write open of `/proc/pidns`, the answer read back on it. Unlike a listing of /proc,
/// this is always the caller's own namespace, whichever /proc is mounted.
///
/// The module logs one summary line for it (unless loaded with `log=0`), and it becomes the
/// latest answer of the caller's namespace (what a fresh open there reads).
pub fn list_all() -> io::Result<Vec<i32>> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/proc/pidns")?;
    // One write() is one request: `all` must not be split.
    if file.write(b"all")? != 3 {
        return Err(io::Error::from_raw_os_error(libc::EIO));
    }
    let mut answer = Vec::new();
    file.read_to_end(&mut answer)?;
    parse_all(&answer)
}

/// The first `nspid=` number of each read-back line (the PID in the writer's namespace: the
/// list is outermost first), sorted.
pub fn parse_all(answer: &[u8]) -> io::Result<Vec<i32>> {
    let bad = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "/proc/pidns: all: a line without nspid=",
        )
    };
    let mut pids = Vec::new();
    for line in answer.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let nspid = line
            .split(|&b| b == b' ')
            .find_map(|field| field.strip_prefix(b"nspid="))
            .ok_or_else(bad)?;
        let first = nspid.split(|&b| b == b',').next().unwrap_or_default();
        let pid = std::str::from_utf8(first)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        pids.push(pid);
    }
    pids.sort_unstable();
    Ok(pids)
}

/// The answer in `raw`, as a [`Chain`].
pub fn decode(raw: &RawChain) -> Chain {
    let count = (raw.count as usize).min(raw.levels.len());
    let comm: Vec<u8> = raw
        .comm
        .iter()
        .map(|&c| c as u8)
        .take_while(|&b| b != 0)
        .collect();
    let has_ns_id = raw.size as usize >= SIZE;
    let levels = raw.levels[..count]
        .iter()
        .zip(raw.ns_id.iter())
        .map(|(l, &id)| Level {
            pid: l.pid,
            tgid: l.tgid,
            level: Some(l.level),
            ns_inum: u64::from(l.ns_inum),
            ns_id: (has_ns_id && id != 0).then_some(id),
        })
        .collect();
    Chain { comm, levels }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_number() {
        // What the C header's PIDNS_GET_CHAIN gives on x86-64 (_IOC(read|write, 0xB9, 1, 0)).
        assert_eq!(PIDNS_GET_CHAIN, 0xc000_b901);
        assert_eq!(SIZE, 832);
        assert_eq!(uapi::PIDNS_CHAIN_SIZE_VER0, 568);
    }

    #[test]
    fn all_lists_the_outermost_pids() {
        let answer = b"query=all nspid=1 nstgid=1 level=0 ns=4026531836 comm=init\n\
            query=all nspid=84,3,2 nstgid=84,3,2 level=0,1,2 ns=1,2,3 comm=sleep\n\
            query=all nspid=7 nstgid=7 level=0 ns=4026531836 comm=nspid=9\n";
        assert_eq!(parse_all(answer).ok(), Some(vec![1, 7, 84]));
        assert_eq!(parse_all(b"").ok(), Some(vec![]));
        assert!(parse_all(b"query=all error=ESRCH\n").is_err());
    }

    #[test]
    fn decode_counts_and_names() {
        let mut raw = zeroed();
        raw.size = SIZE as u32;
        raw.count = 2;
        raw.comm[..5].copy_from_slice(&b"sleep".map(|b| b as libc::c_char));
        raw.levels[0] = uapi::pidns_level {
            pid: 84,
            tgid: 84,
            level: 0,
            ns_inum: 7,
        };
        raw.levels[1] = uapi::pidns_level {
            pid: 2,
            tgid: 2,
            level: 1,
            ns_inum: 9,
        };
        raw.ns_id[0] = 1;
        let chain = decode(&raw);
        assert_eq!(chain.comm, b"sleep");
        assert_eq!(chain.levels.len(), 2);
        assert_eq!(chain.levels[0].ns_id, Some(1));
        assert_eq!(chain.levels[1].ns_id, None);
        assert_eq!(chain.levels[1].level, Some(1));
        raw.size = uapi::PIDNS_CHAIN_SIZE_VER0;
        assert_eq!(decode(&raw).levels[0].ns_id, None);
    }
}
