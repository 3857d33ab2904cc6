//! Without the module: what the kernel itself tells of a process's PIDs.
//!
//! `/proc/PID/status` has the PIDs (`NSpid:`) and thread-group ids (`NStgid:`) from the reader's
//! /proc's namespace down; `/proc/PID/ns/pid` is the deepest namespace, and nsfs's
//! `NS_GET_PARENT` walks up from it to the caller's own (`EPERM` above it), `NS_GET_ID` gives each
//! namespace's 64-bit id. The namespaces' depths are known only when the outermost one shown is
//! the initial namespace (a caller inside a PID namespace cannot learn its own depth).
//!
//! Without root, `/proc/PID/ns/pid` of another user's process cannot be opened (it needs ptrace
//! access), but `/proc/PID/status` can be read by anyone: the chain then has every PID, and the
//! namespaces unknown (inode 0, no id) but for the outermost, the caller's own.
//!
//! Racy by nature for PIDs (a PID can be reused between two reads); for a pidfd the answer is
//! checked afterwards: if the pidfd's process has exited by then, `ESRCH`.

use crate::{Chain, Level, Query, Target};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::sync::OnceLock;

/// The inode of the initial PID namespace (`PROC_PID_INIT_INO`).
pub const PID_NS_INIT_INO: u64 = 0xEFFF_FFFC;

pub use crate::sys::{NS_GET_ID, NS_GET_PARENT, NS_GET_PID_IN_PIDNS};

fn esrch() -> io::Error {
    io::Error::from_raw_os_error(libc::ESRCH)
}

/// Whether `e` is a refusal to read (`EACCES`: no ptrace access to the process; `EPERM`: a
/// /proc mounted with `hidepid=1`).
pub fn denied(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EACCES) | Some(libc::EPERM))
}

/// Checks that /proc shows the caller's own PID namespace, where PIDs mean what they mean to
/// the caller. Under `unshare --pid --fork` without `--mount-proc`, /proc is the parent
/// namespace's: its PID 1 is not the caller's PID 1, and its listing mixes in processes the
/// caller cannot name. /proc's namespace is the caller's exactly when `/proc/self/status`
/// shows one level in `NSpid:` (it lists /proc's namespace down to the caller's).
pub fn check_own_proc() -> io::Result<()> {
    let status = std::fs::read("/proc/self/status").map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("/proc/self/status: {}", crate::describe(&e)),
        )
    })?;
    let mut nspid = Vec::new();
    parse_nspid(&status, &mut nspid);
    let me = i32::try_from(std::process::id()).unwrap_or(0);
    if nspid == [me] {
        return Ok(());
    }
    Err(io::Error::other(format!(
        "/proc shows another PID namespace than this process's (/proc/self/status NSpid: {}): \
         mount one of its own (unshare --pid --fork --mount-proc) or load the pidns module",
        nspid
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    )))
}

/// The caller's own PID namespace (inode, id), when /proc shows it; found once.
fn own_ns() -> Option<(u64, Option<u64>)> {
    static OWN: OnceLock<Option<(u64, Option<u64>)>> = OnceLock::new();
    *OWN.get_or_init(|| {
        check_own_proc().ok()?;
        let ns = Ns::of_pid(i32::try_from(std::process::id()).ok()?).ok()?;
        Some((ns.inode().ok()?, ns.id()))
    })
}

/// Parses the numbers of the `key` line (`NSpid:`, `NStgid:`) of a /proc/PID/status text into
/// `out`, in the kernel's order (outermost level first). Returns false when there is no such line.
///
/// Works on bytes and reuses `out`, so that a timed loop (the benchmark's) does not allocate.
pub fn parse_ns_field(status: &[u8], key: &[u8], out: &mut Vec<i32>) -> bool {
    out.clear();
    // The key at the start of a line: a process named `NSpid:` has it in its `Name:` line too.
    let at_line_start =
        |i: usize| (i == 0 || status[i - 1] == b'\n') && status[i..].starts_with(key);
    let start = match (0..status.len()).find(|&i| at_line_start(i)) {
        Some(i) => i + key.len(),
        None => return false,
    };
    let mut value: i32 = 0;
    let mut in_number = false;
    for &b in &status[start..] {
        match b {
            b'0'..=b'9' => {
                value = value.wrapping_mul(10).wrapping_add(i32::from(b - b'0'));
                in_number = true;
            }
            b'\n' => break,
            _ => {
                if in_number {
                    out.push(value);
                }
                value = 0;
                in_number = false;
            }
        }
    }
    if in_number {
        out.push(value);
    }
    !out.is_empty()
}

/// `NSpid:` of a /proc/PID/status text (see [`parse_ns_field`]).
pub fn parse_nspid(status: &[u8], out: &mut Vec<i32>) -> bool {
    parse_ns_field(status, b"NSpid:", out)
}

/// The PID of pidfd `fd` in the caller's /proc's namespace, from `/proc/self/fdinfo/FD`
/// (`ESRCH` once the process has exited, `EBADF` for another kind of file).
pub fn pidfd_pid(fd: i32) -> io::Result<i32> {
    let text = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}"))
        .map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?;
    let pid: i32 = text
        .lines()
        .find_map(|l| l.strip_prefix("Pid:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| io::Error::from_raw_os_error(libc::EBADF))?;
    if pid <= 0 {
        return Err(esrch());
    }
    Ok(pid)
}

/// Whether the pidfd's process is still alive (not reaped): `pidfd_send_signal(fd, 0)`.
fn pidfd_alive(fd: i32) -> bool {
    // SAFETY: signal 0 sends nothing; no memory is passed.
    let r = unsafe { libc::syscall(libc::SYS_pidfd_send_signal, fd, 0, 0usize, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The process's chain as /proc tells it.
pub fn chain(query: &Query) -> io::Result<Chain> {
    let pid = match query.ns_of {
        None => target_pid(query.target)?,
        Some(owner) => {
            let Target::Pid(nr) = query.target else {
                return Err(io::Error::from_raw_os_error(libc::EINVAL));
            };
            find_in_ns_of(nr, target_pid(owner)?)?
        }
    };
    let chain = chain_of_pid(pid)?;
    // A pidfd's PID may have been reused meanwhile: the answer stands only if it is still alive.
    for t in [Some(query.target), query.ns_of].into_iter().flatten() {
        if let Target::Pidfd(fd) = t {
            if !pidfd_alive(fd) {
                return Err(esrch());
            }
        }
    }
    Ok(chain)
}

fn target_pid(t: Target) -> io::Result<i32> {
    match t {
        Target::Pid(nr) if nr > 0 => Ok(nr),
        Target::Pid(_) => Err(io::Error::from_raw_os_error(libc::EINVAL)),
        Target::Pidfd(fd) => pidfd_pid(fd),
    }
}

/// Reads a /proc file; a missing process is `ESRCH`.
fn read_proc(path: &str) -> io::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| match e.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ESRCH) => esrch(),
        _ => e,
    })
}

/// One PID namespace, as an nsfs descriptor (closed on drop).
pub struct Ns(OwnedFd);

impl From<OwnedFd> for Ns {
    /// A descriptor of a PID namespace the caller opened itself (`/proc/PID/ns/pid`).
    fn from(fd: OwnedFd) -> Ns {
        Ns(fd)
    }
}

impl Ns {
    /// `/proc/PID/ns/pid`: `ESRCH` when the process is gone, `EACCES` without ptrace access to it.
    pub fn of_pid(pid: i32) -> io::Result<Ns> {
        let path = CString::new(format!("/proc/{pid}/ns/pid")).map_err(|_| esrch())?;
        // SAFETY: a NUL-terminated path; open() only reads it.
        let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        if fd < 0 {
            let e = io::Error::last_os_error();
            return Err(match e.raw_os_error() {
                Some(libc::ENOENT) | Some(libc::ESRCH) => esrch(),
                _ => e,
            });
        }
        // SAFETY: `fd` was just returned by open() and nobody else owns it.
        Ok(Ns(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// The descriptor, for ioctls of the caller's own.
    pub fn fd(&self) -> libc::c_int {
        self.0.as_raw_fd()
    }

    /// The namespace's inode, as `readlink /proc/PID/ns/pid` shows it (`pid:[inode]`).
    pub fn inode(&self) -> io::Result<u64> {
        let f = std::fs::File::from(self.0.try_clone()?);
        Ok(f.metadata()?.ino())
    }

    /// `NS_GET_ID`: the namespace's 64-bit ID, or `None` on a kernel without it.
    pub fn id(&self) -> Option<u64> {
        let mut id = 0u64;
        // SAFETY: NS_GET_ID writes one u64 to the pointer.
        let r = unsafe { libc::ioctl(self.0.as_raw_fd(), NS_GET_ID as _, &mut id as *mut u64) };
        (r == 0 && id != 0).then_some(id)
    }

    /// The parent namespace, or `None` at the caller's own (EPERM) or the initial one.
    pub fn parent(&self) -> Option<Ns> {
        // SAFETY: NS_GET_PARENT takes no argument and returns a new descriptor.
        let fd = unsafe { libc::ioctl(self.0.as_raw_fd(), NS_GET_PARENT as _) };
        // SAFETY: a descriptor just returned to us.
        (fd >= 0).then(|| Ns(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// `NS_GET_PID_IN_PIDNS`: `pid` (a PID in the caller's namespace) as this namespace numbers
    /// it; `ESRCH` when the process is not in it.
    #[inline]
    pub fn pid_in(&self, pid: i32) -> io::Result<i32> {
        // SAFETY: NS_GET_PID_IN_PIDNS takes the PID by value and touches no memory.
        let r = unsafe { libc::ioctl(self.fd(), NS_GET_PID_IN_PIDNS as _, pid as libc::c_ulong) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(r)
    }
}

/// The namespaces from `pid`'s own up to the caller's: (inode, id), deepest first.
pub fn ns_chain(pid: i32) -> io::Result<Vec<(u64, Option<u64>)>> {
    let mut ns = Ns::of_pid(pid)?;
    let mut out = Vec::new();
    loop {
        out.push((ns.inode()?, ns.id()));
        match ns.parent() {
            Some(p) if out.len() < 40 => ns = p,
            _ => return Ok(out),
        }
    }
}

/// The chain of the process with PID `pid` in the caller's /proc.
pub fn chain_of_pid(pid: i32) -> io::Result<Chain> {
    let status = read_proc(&format!("/proc/{pid}/status"))?;
    let (mut nspid, mut nstgid) = (Vec::new(), Vec::new());
    if !parse_ns_field(&status, b"NSpid:", &mut nspid) {
        return Err(io::Error::other(format!(
            "/proc/{pid}/status has no NSpid: line"
        )));
    }
    if !parse_ns_field(&status, b"NStgid:", &mut nstgid) || nstgid.len() != nspid.len() {
        nstgid = nspid.clone();
    }
    let mut comm = read_proc(&format!("/proc/{pid}/comm"))?;
    if comm.last() == Some(&b'\n') {
        comm.pop();
    }
    comm.truncate(15); // TASK_COMM_LEN - 1: kernel threads' /proc names may be longer
    let namespaces = match ns_chain(pid) {
        Ok(namespaces) => namespaces,
        // Another user's process, for anyone but root: its PIDs are known, its namespaces not.
        Err(e) if denied(&e) => unknown_namespaces(nspid.len()),
        Err(e) => return Err(e),
    };
    // Both end at the process's own namespace; NSpid starts at /proc's namespace, the nsfs walk
    // at the caller's: keep the levels both know, aligned on the deepest.
    let n = nspid.len().min(namespaces.len());
    let skip = nspid.len() - n;
    let outermost = namespaces[n - 1].0;
    let absolute = outermost == PID_NS_INIT_INO && skip == 0;
    let levels = (0..n)
        .map(|i| {
            let (inode, id) = namespaces[n - 1 - i];
            Level {
                pid: nspid[skip + i],
                tgid: nstgid[skip + i],
                level: absolute.then_some(i as u32),
                ns_inum: inode,
                ns_id: id,
            }
        })
        .collect();
    Ok(Chain { comm, levels })
}

/// `n` namespaces, deepest first, none known but the outermost: /proc's, the caller's own when
/// it is (see [`check_own_proc`]); unknown ones are inode 0.
fn unknown_namespaces(n: usize) -> Vec<(u64, Option<u64>)> {
    let mut namespaces = vec![(0, None); n];
    if let (Some(outermost), Some(own)) = (namespaces.last_mut(), own_ns()) {
        *outermost = own;
    }
    namespaces
}

/// The PIDs listed in /proc (processes, as the module's `all` lists them).
pub fn list_pids() -> io::Result<Vec<i32>> {
    let mut pids: Vec<i32> = std::fs::read_dir("/proc")?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// `nr@owner` without the module: the process whose PID in `owner`'s namespace is `nr`, found
/// by scanning /proc (each candidate's namespace at that depth checked through nsfs).
fn find_in_ns_of(nr: i32, owner: i32) -> io::Result<i32> {
    let status = read_proc(&format!("/proc/{owner}/status"))?;
    let mut owner_nspid = Vec::new();
    if !parse_nspid(&status, &mut owner_nspid) {
        return Err(esrch());
    }
    let depth = owner_nspid.len() - 1; // the owner's namespace, counted from /proc's
    let owner_ns = Ns::of_pid(owner)?.inode()?;
    let mut nspid = Vec::new();
    for pid in list_pids()? {
        let Ok(status) = read_proc(&format!("/proc/{pid}/status")) else {
            continue;
        };
        if !parse_nspid(&status, &mut nspid) || nspid.get(depth) != Some(&nr) {
            continue;
        }
        // Its namespace `nspid.len() - 1 - depth` levels up must be the owner's.
        let Ok(mut ns) = Ns::of_pid(pid) else {
            continue;
        };
        let mut up = nspid.len() - 1 - depth;
        while up > 0 {
            match ns.parent() {
                Some(p) => ns = p,
                None => break,
            }
            up -= 1;
        }
        if up == 0 && ns.inode().ok() == Some(owner_ns) {
            return Ok(pid);
        }
    }
    Err(esrch())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ns_fields() {
        let mut v = Vec::new();
        let t = b"Name:\tsleep\nNStgid:\t84\t3\t1\nNSpid:\t84\t3\t2\nNSpgid:\t1\n";
        assert!(parse_ns_field(t, b"NSpid:", &mut v));
        assert_eq!(v, [84, 3, 2]);
        assert!(parse_ns_field(t, b"NStgid:", &mut v));
        assert_eq!(v, [84, 3, 1]);
        // The NSpid parser the benchmark times (moved here from bench/ with it).
        assert!(parse_nspid(t, &mut v));
        assert_eq!(v, [84, 3, 2]);
        assert!(!parse_nspid(b"Name:\tx\n", &mut v));
        assert!(parse_nspid(b"NSpid:\t7", &mut v));
        assert_eq!(v, [7]);
        assert!(!parse_nspid(b"Name:\tx\n", &mut v));
        assert!(parse_nspid(b"NSpid:\t7", &mut v));
        assert_eq!(v, [7]);
        // Only at the start of a line.
        assert!(!parse_nspid(b"XNSpid:\t7\n", &mut v));
        // A process named `NSpid:`: its Name: line holds the key first.
        let named = b"Name:\tNSpid:\nNStgid:\t9\t1\nNSpid:\t9\t1\n";
        assert!(parse_ns_field(named, b"NSpid:", &mut v));
        assert_eq!(v, [9, 1]);
        let named = b"Name:\tNStgid:\nNStgid:\t9\t1\nNSpid:\t9\t1\n";
        assert!(parse_ns_field(named, b"NStgid:", &mut v));
        assert_eq!(v, [9, 1]);
    }

    #[test]
    fn ioctl_numbers() {
        assert_eq!(NS_GET_PARENT, libc::NS_GET_PARENT as u32);
        assert_eq!(NS_GET_ID, 0x8008_b70d);
    }

    #[test]
    fn self_chain() {
        // The test's own process: one level at least, ending at its own namespace.
        let me = std::process::id() as i32;
        let chain = chain_of_pid(me).expect("own chain");
        let last = chain.levels.last().expect("a level");
        let link = std::fs::read_link("/proc/self/ns/pid").expect("ns link");
        assert_eq!(link.to_string_lossy(), format!("pid:[{}]", last.ns_inum));
        assert!(!chain.comm.is_empty());
    }

    #[test]
    fn own_proc() {
        // The test runs where /proc is its own namespace's (the host, the VM).
        check_own_proc().expect("/proc is ours");
        let (inode, _) = own_ns().expect("own namespace");
        let link = std::fs::read_link("/proc/self/ns/pid").expect("ns link");
        assert_eq!(link.to_string_lossy(), format!("pid:[{inode}]"));
    }

    #[test]
    fn namespaces_unknown_but_the_outermost() {
        let namespaces = unknown_namespaces(3);
        assert_eq!(namespaces[..2], [(0, None), (0, None)]);
        assert_eq!(Some(namespaces[2]), own_ns());
    }
}
