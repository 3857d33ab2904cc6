//! One type per way of learning a process's PID at every namespace level (or, for the map, every
//! process's). Each constructor checks one answer against /proc before anything is timed and
//! fails loudly when they differ: a fast wrong answer measures nothing. `run(n)` then does `n`
//! iterations with everything the method needs set up beforehand, so the timed loop holds only
//! the syscalls and parsing a real user would do per lookup.

use crate::procfs::{self, Status};
use crate::sys::{self, Res};
use pidns::procfs::Ns;
use pidns::sys::pidfd_open;
use std::ffi::CString;
use std::hint::black_box;
use std::os::fd::{AsRawFd, OwnedFd};

/// A method under test.
pub trait Lookup {
    /// Does `n` iterations.
    fn run(&mut self, n: u64) -> Res<()>;
    /// Lookups one iteration makes (100 for the batch); the figure reported is per lookup.
    fn per_iter(&self) -> u64 {
        1
    }
}

/// write(2) of a whole buffer in one call, as /proc/pidns needs (one write is one request).
#[inline]
fn write_once(fd: libc::c_int, buf: &[u8], what: &str) -> Res<()> {
    // SAFETY: `buf` is a live slice of the length passed.
    let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
    if n != buf.len() as isize {
        return Err(if n < 0 {
            sys::os_err(what)
        } else {
            format!("{what}: short write of {n} bytes")
        });
    }
    Ok(())
}

/// One read(2) into `buf`; returns the byte count.
#[inline]
fn read_once(fd: libc::c_int, buf: &mut [u8], what: &str) -> Res<usize> {
    // SAFETY: `buf` is a live, writable slice of the length passed.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        return Err(sys::os_err(what));
    }
    Ok(n as usize)
}

/// Reads until EOF into `buf` (cleared first, grown in 64 KiB steps); returns the length.
#[inline]
fn read_to_eof(fd: libc::c_int, buf: &mut Vec<u8>, what: &str) -> Res<usize> {
    const CHUNK: usize = 64 << 10;
    let mut len = 0;
    loop {
        if buf.len() < len + CHUNK {
            buf.resize(len + CHUNK, 0);
        }
        let n = read_once(fd, &mut buf[len..len + CHUNK], what)?;
        if n == 0 {
            return Ok(len);
        }
        len += n;
    }
}

// ---- 1. floor -------------------------------------------------------------------------------

/// 8 bytes written to a pipe and read back: the cheapest write+read pair, the floor any
/// /proc/pidns lookup (itself a write then a read) stands on.
pub struct Floor {
    rd: OwnedFd,
    wr: OwnedFd,
}

impl Floor {
    pub fn new() -> Res<Floor> {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2() writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
            return Err(sys::os_err("pipe2"));
        }
        let mut f = Floor {
            rd: sys::owned(fds[0]),
            wr: sys::owned(fds[1]),
        };
        let sent = 0x0123_4567_89ab_cdefu64.to_ne_bytes();
        write_once(f.wr.as_raw_fd(), &sent, "write pipe")?;
        let mut got = [0u8; 8];
        if read_once(f.rd.as_raw_fd(), &mut got, "read pipe")? != 8 || got != sent {
            return Err("floor: the pipe did not give back the 8 bytes written".into());
        }
        f.run(1)?;
        Ok(f)
    }
}

impl Lookup for Floor {
    fn run(&mut self, n: u64) -> Res<()> {
        let (rd, wr) = (self.rd.as_raw_fd(), self.wr.as_raw_fd());
        let out = [7u8; 8];
        let mut back = [0u8; 8];
        for _ in 0..n {
            write_once(wr, &out, "write pipe")?;
            read_once(rd, &mut back, "read pipe")?;
            black_box(&back);
        }
        Ok(())
    }
}

// ---- 2. /proc/pidns -------------------------------------------------------------------------

/// Opens /proc/pidns for writing queries and reading answers on the same descriptor.
fn open_pidns() -> Res<OwnedFd> {
    sys::open(c"/proc/pidns", libc::O_RDWR)
}

/// Checks one `/proc/pidns` answer line: `query=<pid> nspid=<a,b,c> ...` with the NSpid
/// expected.
fn check_pidns_line(line: &[u8], pid: libc::pid_t, expect: &[i32]) -> Res<()> {
    let text = String::from_utf8_lossy(line);
    let prefix = format!("query={pid} nspid=");
    let nspid = text
        .strip_prefix(&prefix)
        .and_then(|rest| rest.split(' ').next())
        .ok_or_else(|| {
            format!("/proc/pidns answered {text:?}, expected a line starting {prefix:?}")
        })?;
    let got: Vec<i32> = nspid.split(',').map(|n| n.parse().unwrap_or(-1)).collect();
    if got != expect {
        return Err(format!(
            "/proc/pidns says nspid={nspid} for {pid}, /proc/{pid}/status says NSpid {expect:?}"
        ));
    }
    Ok(())
}

/// One query per write, its one-line answer in one read.
pub struct PidnsSingle {
    fd: OwnedFd,
    query: Vec<u8>,
    buf: Vec<u8>,
}

impl PidnsSingle {
    pub fn new(pid: libc::pid_t, expect: &[i32]) -> Res<PidnsSingle> {
        let mut m = PidnsSingle {
            fd: open_pidns()?,
            query: format!("{pid}\n").into_bytes(),
            buf: vec![0; 4096],
        };
        let fd = m.fd.as_raw_fd();
        write_once(fd, &m.query, "write /proc/pidns")?;
        let n = read_once(fd, &mut m.buf, "read /proc/pidns")?;
        let line = m.buf[..n].strip_suffix(b"\n").unwrap_or(&m.buf[..n]);
        check_pidns_line(line, pid, expect)?;
        Ok(m)
    }
}

impl Lookup for PidnsSingle {
    fn run(&mut self, n: u64) -> Res<()> {
        let fd = self.fd.as_raw_fd();
        for _ in 0..n {
            // The write resets the read position to 0; the ~100-byte answer comes in one read.
            write_once(fd, &self.query, "write /proc/pidns")?;
            let got = read_once(fd, &mut self.buf, "read /proc/pidns")?;
            if got == 0 {
                return Err("read /proc/pidns: empty answer".into());
            }
        }
        Ok(())
    }
}

/// Queries in one write: the same PID this many times.
pub const BATCH: u64 = 100;

/// BATCH queries in one write, the answer read until EOF.
pub struct PidnsBatch {
    fd: OwnedFd,
    query: Vec<u8>,
    buf: Vec<u8>,
}

impl PidnsBatch {
    pub fn new(pid: libc::pid_t, expect: &[i32]) -> Res<PidnsBatch> {
        let mut query = Vec::new();
        for _ in 0..BATCH {
            query.extend_from_slice(format!("{pid} ").as_bytes());
        }
        query.push(b'\n');
        let mut m = PidnsBatch {
            fd: open_pidns()?,
            query,
            buf: Vec::new(),
        };
        let fd = m.fd.as_raw_fd();
        write_once(fd, &m.query, "write /proc/pidns")?;
        let len = read_to_eof(fd, &mut m.buf, "read /proc/pidns")?;
        let lines: Vec<&[u8]> = m.buf[..len]
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        if lines.len() as u64 != BATCH {
            return Err(format!(
                "/proc/pidns answered {} lines to {BATCH} queries",
                lines.len()
            ));
        }
        for line in lines {
            check_pidns_line(line, pid, expect)?;
        }
        Ok(m)
    }
}

impl Lookup for PidnsBatch {
    fn run(&mut self, n: u64) -> Res<()> {
        let fd = self.fd.as_raw_fd();
        for _ in 0..n {
            write_once(fd, &self.query, "write /proc/pidns")?;
            let len = read_to_eof(fd, &mut self.buf, "read /proc/pidns")?;
            black_box(len);
        }
        Ok(())
    }

    fn per_iter(&self) -> u64 {
        BATCH
    }
}

// ---- 2b. the ioctl (issue 11), through the pidns library ----------------------------------------

/// The answer of the library's request as outermost-first PIDs.
fn ioctl_nspid(raw: &pidns::module::RawChain) -> Vec<i32> {
    pidns::module::decode(raw)
        .levels
        .iter()
        .map(|l| l.pid)
        .collect()
}

/// `PIDNS_GET_CHAIN` by PID (or by a pidfd opened beforehand) on an open `/proc/pidns`: one
/// ioctl per lookup, the request built once (the kernel rewrites only its output fields).
pub struct Ioctl {
    module: pidns::Module,
    raw: Box<pidns::module::RawChain>,
    /// The pidfd asked by, kept open for the whole run.
    _pidfd: Option<OwnedFd>,
}

impl Ioctl {
    /// By PID, or with `by_pidfd` by a pidfd for it.
    pub fn new(pid: libc::pid_t, expect: &[i32], by_pidfd: bool) -> Res<Ioctl> {
        let module = pidns::Module::open().map_err(|e| format!("open /proc/pidns: {e}"))?;
        let mut raw = Box::new(pidns::module::zeroed());
        raw.size = pidns::module::SIZE as u32;
        let pidfd = if by_pidfd {
            let fd = pidfd_open(pid).map_err(|e| format!("pidfd_open({pid}): {e}"))?;
            raw.flags = pidns::uapi::PIDNS_CHAIN_PIDFD;
            raw.pid = fd.as_raw_fd();
            Some(fd)
        } else {
            raw.pid = pid;
            None
        };
        let mut m = Ioctl {
            module,
            raw,
            _pidfd: pidfd,
        };
        m.run(1)?;
        let got = ioctl_nspid(&m.raw);
        if got != expect {
            return Err(format!(
                "PIDNS_GET_CHAIN for {pid} says {got:?}, /proc/{pid}/status says NSpid {expect:?}"
            ));
        }
        Ok(m)
    }
}

impl Lookup for Ioctl {
    fn run(&mut self, n: u64) -> Res<()> {
        for _ in 0..n {
            self.module
                .ioctl(&mut self.raw)
                .map_err(|e| format!("ioctl(PIDNS_GET_CHAIN): {e}"))?;
            black_box(self.raw.count);
        }
        Ok(())
    }
}

/// The `pidns PID` command end to end: fork, exec of the static binary, its ioctl and output,
/// wait. What a shell script pays per process it asks about.
pub struct Command {
    cmd: std::process::Command,
}

impl Command {
    pub fn new(bin: &std::path::Path, pid: libc::pid_t, expect: &[i32]) -> Res<Command> {
        let out = std::process::Command::new(bin)
            .arg(pid.to_string())
            .output()
            .map_err(|e| format!("run {}: {e}", bin.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        // The last line is the outermost level: "    pid 84 level 0 ...".
        let outer = text.lines().last().unwrap_or("").trim_start();
        if !out.status.success() || !outer.starts_with(&format!("pid {} ", expect[0])) {
            return Err(format!(
                "{} {pid} printed {text:?} (status {}), expected the outermost PID {}",
                bin.display(),
                out.status,
                expect[0]
            ));
        }
        let mut cmd = std::process::Command::new(bin);
        cmd.arg(pid.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        Ok(Command { cmd })
    }
}

impl Lookup for Command {
    fn run(&mut self, n: u64) -> Res<()> {
        for _ in 0..n {
            let status = self.cmd.status().map_err(|e| format!("run pidns: {e}"))?;
            if !status.success() {
                return Err(format!("pidns exited with {status}"));
            }
        }
        Ok(())
    }
}

// ---- 3. NSpid -------------------------------------------------------------------------------

/// open + read + close of /proc/PID/status and parsing its `NSpid:` line: what tools do today.
pub struct Nspid {
    path: CString,
    buf: Vec<u8>,
    nums: Vec<i32>,
}

impl Nspid {
    pub fn new(pid: libc::pid_t, expect: &[i32]) -> Res<Nspid> {
        let mut m = Nspid {
            path: sys::cstring(&format!("/proc/{pid}/status"))?,
            buf: vec![0; 8192],
            nums: Vec::with_capacity(40),
        };
        m.run(1)?;
        if m.nums != expect {
            return Err(format!(
                "NSpid method parsed {:?}, expected {expect:?}",
                m.nums
            ));
        }
        Ok(m)
    }
}

impl Lookup for Nspid {
    fn run(&mut self, n: u64) -> Res<()> {
        for _ in 0..n {
            match procfs::read_status(&self.path, &mut self.buf)? {
                Status::Read(len) => {
                    if !procfs::parse_nspid(&self.buf[..len], &mut self.nums) {
                        return Err(format!("{:?}: no NSpid line", self.path));
                    }
                }
                Status::Gone => return Err(format!("{:?}: the target is gone", self.path)),
            }
            black_box(&self.nums);
        }
        Ok(())
    }
}

// ---- 4. pidfd -------------------------------------------------------------------------------

/// pidfd_open + ioctl(PIDFD_GET_INFO) + close: the PID in the caller's namespace only.
pub struct Pidfd {
    pid: libc::pid_t,
    info: sys::PidfdInfo,
}

impl Pidfd {
    pub fn new(pid: libc::pid_t) -> Res<Pidfd> {
        let mut m = Pidfd {
            pid,
            info: sys::PidfdInfo::default(),
        };
        m.run(1)?;
        if m.info.mask & sys::PIDFD_INFO_PID == 0 || m.info.pid != pid as u32 {
            return Err(format!(
                "PIDFD_GET_INFO for {pid} gave pid {} (mask {:#x})",
                m.info.pid, m.info.mask
            ));
        }
        Ok(m)
    }
}

impl Lookup for Pidfd {
    fn run(&mut self, n: u64) -> Res<()> {
        for _ in 0..n {
            let fd = pidfd_open(self.pid).map_err(|e| format!("pidfd_open({}): {e}", self.pid))?;
            self.info.mask = sys::PIDFD_INFO_PID;
            // SAFETY: PIDFD_GET_INFO reads and writes a struct pidfd_info of the size encoded in
            // the request number, which is `self.info`'s size.
            let r = unsafe {
                libc::ioctl(
                    fd.as_raw_fd(),
                    sys::PIDFD_GET_INFO as _,
                    &mut self.info as *mut sys::PidfdInfo,
                )
            };
            if r < 0 {
                return Err(sys::os_err("ioctl(PIDFD_GET_INFO)"));
            }
            black_box(self.info.pid);
        }
        Ok(())
    }
}

// ---- 5, 6. nsfs -----------------------------------------------------------------------------

/// NS_GET_PID_IN_PIDNS on a namespace: `pid` (in the caller's namespace) as it numbers it.
#[inline]
fn pid_in(ns: &Ns, pid: libc::pid_t) -> Res<i32> {
    ns.pid_in(pid)
        .map_err(|e| format!("ioctl(NS_GET_PID_IN_PIDNS): {e}"))
}

/// Compares an innermost-first list with the outermost-first NSpid.
fn check_reversed(what: &str, inner_first: &[i32], expect: &[i32]) -> Res<()> {
    if !inner_first.iter().rev().eq(expect.iter()) {
        return Err(format!(
            "{what}: got {inner_first:?} (innermost first), /proc says NSpid {expect:?}"
        ));
    }
    Ok(())
}

/// From nothing: open /proc/PID/ns/pid, then per level one NS_GET_PID_IN_PIDNS, one
/// NS_GET_PARENT and one close, until the caller's own namespace.
pub struct NsfsScratch {
    pid: libc::pid_t,
    path: CString,
    out: Vec<i32>,
}

impl NsfsScratch {
    pub fn new(pid: libc::pid_t, expect: &[i32]) -> Res<NsfsScratch> {
        let mut m = NsfsScratch {
            pid,
            path: sys::cstring(&format!("/proc/{pid}/ns/pid"))?,
            out: Vec::with_capacity(40),
        };
        m.run(1)?;
        check_reversed("nsfs chain from scratch", &m.out, expect)?;
        Ok(m)
    }
}

impl Lookup for NsfsScratch {
    fn run(&mut self, n: u64) -> Res<()> {
        for _ in 0..n {
            self.out.clear();
            let mut ns = Ns::from(sys::open(&self.path, libc::O_RDONLY)?);
            loop {
                self.out.push(pid_in(&ns, self.pid)?);
                // NS_GET_PARENT until EPERM, at the caller's own namespace.
                match ns.parent() {
                    Some(parent) => ns = parent, // closes the child's descriptor
                    None => break,
                }
            }
            black_box(&self.out);
        }
        Ok(())
    }
}

/// The namespace descriptors opened once; per lookup one NS_GET_PID_IN_PIDNS per level: the
/// least a user of nsfs can do, for a tool that asks about processes of known namespaces.
pub struct NsfsPreopened {
    pid: libc::pid_t,
    fds: Vec<Ns>,
    out: Vec<i32>,
}

impl NsfsPreopened {
    pub fn new(pid: libc::pid_t, expect: &[i32]) -> Res<NsfsPreopened> {
        let path = sys::cstring(&format!("/proc/{pid}/ns/pid"))?;
        let mut fds = vec![Ns::from(sys::open(&path, libc::O_RDONLY)?)];
        while let Some(parent) = fds[fds.len() - 1].parent() {
            fds.push(parent);
        }
        let mut m = NsfsPreopened {
            pid,
            fds,
            out: Vec::with_capacity(40),
        };
        m.run(1)?;
        check_reversed("nsfs chain pre-opened", &m.out, expect)?;
        Ok(m)
    }
}

impl Lookup for NsfsPreopened {
    fn run(&mut self, n: u64) -> Res<()> {
        for _ in 0..n {
            self.out.clear();
            for ns in &self.fds {
                self.out.push(pid_in(ns, self.pid)?);
            }
            black_box(&self.out);
        }
        Ok(())
    }
}

// ---- 8. whole-system map --------------------------------------------------------------------

/// `all` in one write, the answer (MBs for 10,000 processes) read until EOF, lines counted.
pub struct PidnsAll {
    fd: OwnedFd,
    buf: Vec<u8>,
    min: usize,
    /// Processes in the last answer.
    pub count: usize,
}

impl PidnsAll {
    /// `min`: the answer must list at least this many processes.
    pub fn new(min: usize) -> Res<PidnsAll> {
        let mut m = PidnsAll {
            fd: open_pidns()?,
            buf: Vec::new(),
            min,
            count: 0,
        };
        m.run(1)?;
        if !m.buf.starts_with(b"query=all nspid=") {
            let n = m.buf.len().min(80);
            return Err(format!(
                "/proc/pidns answered all with {:?}",
                String::from_utf8_lossy(&m.buf[..n])
            ));
        }
        Ok(m)
    }
}

impl Lookup for PidnsAll {
    fn run(&mut self, n: u64) -> Res<()> {
        let fd = self.fd.as_raw_fd();
        for _ in 0..n {
            write_once(fd, b"all\n", "write /proc/pidns")?;
            let len = read_to_eof(fd, &mut self.buf, "read /proc/pidns")?;
            self.count = self.buf[..len].iter().filter(|&&b| b == b'\n').count();
            if self.count < self.min {
                return Err(format!(
                    "/proc/pidns all listed {} processes, fewer than the {} spawned",
                    self.count, self.min
                ));
            }
        }
        Ok(())
    }
}

/// readdir /proc, and for every process open + read + close its status and parse NSpid:
/// what a tool that maps the whole system does without pidns.
pub struct ProcScan {
    buf: Vec<u8>,
    nums: Vec<i32>,
    min: usize,
    /// Processes in the last scan.
    pub count: usize,
}

impl ProcScan {
    pub fn new(min: usize) -> Res<ProcScan> {
        let mut m = ProcScan {
            buf: vec![0; 8192],
            nums: Vec::with_capacity(40),
            min,
            count: 0,
        };
        m.run(1)?;
        Ok(m)
    }

    /// One pass over /proc.
    fn scan(&mut self) -> Res<usize> {
        // SAFETY: the path is NUL-terminated.
        let dir = unsafe { libc::opendir(c"/proc".as_ptr()) };
        if dir.is_null() {
            return Err(sys::os_err("opendir /proc"));
        }
        let dir = Dir(dir);
        // "/proc/" + up to 10 digits + "/status" + NUL fits in 32 bytes.
        let mut path = [0u8; 32];
        path[..6].copy_from_slice(b"/proc/");
        let mut count = 0;
        loop {
            // SAFETY: `dir.0` is an open DIR; the entry stays valid until the next readdir.
            let ent = unsafe { libc::readdir64(dir.0) };
            if ent.is_null() {
                break;
            }
            // SAFETY: d_name is a NUL-terminated name inside the entry.
            let name = unsafe { std::ffi::CStr::from_ptr((*ent).d_name.as_ptr()) }.to_bytes();
            if name.is_empty() || name.len() > 10 || !name.iter().all(u8::is_ascii_digit) {
                continue;
            }
            let end = 6 + name.len();
            path[6..end].copy_from_slice(name);
            path[end..end + 8].copy_from_slice(b"/status\0");
            let cpath = std::ffi::CStr::from_bytes_with_nul(&path[..end + 8])
                .map_err(|_| "bad /proc path".to_string())?;
            if let Status::Read(len) = procfs::read_status(cpath, &mut self.buf)? {
                if procfs::parse_nspid(&self.buf[..len], &mut self.nums) {
                    count += 1;
                }
            }
        }
        Ok(count)
    }
}

/// An open directory stream, closed on drop.
struct Dir(*mut libc::DIR);

impl Drop for Dir {
    fn drop(&mut self) {
        // SAFETY: the stream is open and closed only here.
        unsafe { libc::closedir(self.0) };
    }
}

impl Lookup for ProcScan {
    fn run(&mut self, n: u64) -> Res<()> {
        for _ in 0..n {
            self.count = self.scan()?;
            if self.count < self.min {
                return Err(format!(
                    "/proc scan found {} processes, fewer than the {} spawned",
                    self.count, self.min
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pidns_line() {
        let line = b"query=84 nspid=84,3,2 nstgid=84,3,2 level=0,1,2 ns=1,2,3 comm=sleep";
        assert!(check_pidns_line(line, 84, &[84, 3, 2]).is_ok());
        assert!(check_pidns_line(line, 84, &[84, 3]).is_err());
        assert!(check_pidns_line(line, 85, &[84, 3, 2]).is_err());
        assert!(check_pidns_line(b"query=84 error=ESRCH", 84, &[84]).is_err());
        let flat = b"query=7 nspid=7 nstgid=7 level=0 ns=4026531836 comm=x";
        assert!(check_pidns_line(flat, 7, &[7]).is_ok());
    }
}
