//! A process nested in PID namespaces, for the bench and the guest tests to look up.
//!
//! Every process of a nest is a plain fork() of the caller (no exec): copy-on-write keeps them
//! cheap, and nothing needs to be installed in the guest. Each asks for SIGKILL when its parent
//! dies (PR_SET_PDEATHSIG), so that even a caller killed outright takes its nest with it; the
//! [`Nest`] guard kills and reaps the whole nest when dropped, so no error path leaves anything
//! behind.
//!
//! The nest's processes tell the caller their PIDs over an AF_UNIX socket: a message's
//! SCM_CREDENTIALS carries the sender's PID translated by the kernel into the receiver's
//! namespace, which is how the caller learns PIDs that no process of the nest can see.

use crate::sys::{self, die_with_parent, reap, reap_within, sleep_forever, Res};
use std::ffi::CStr;
use std::os::fd::{AsRawFd, OwnedFd};

/// How a nest is made.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Each new namespace's PID 1 also gets a mount namespace of its own with its own /proc, as a
    /// container has: `nsenter -p -m -t INIT` then sees that namespace's PIDs in /proc.
    pub own_proc: bool,
    /// The target's command name (PR_SET_NAME), instead of the caller's.
    pub target_name: Option<&'static CStr>,
}

/// A target process at the bottom of a nest of PID namespaces.
///
/// Layout for `levels` L >= 2: the caller forks `outer` (in the caller's namespace), which
/// unshares CLONE_NEWPID and forks `inits[0]`, PID 1 of the first child namespace; each
/// namespace's PID 1 unshares and forks the next PID 1, and the last one forks the target (PID 2
/// there). For L = 1 the target is `outer`, a plain child of the caller.
pub struct Nest {
    /// The target's PID in the caller's namespace.
    pub target: libc::pid_t,
    /// The target's NSpid as /proc shows it, outermost first: every lookup's expected answer.
    pub nspid: Vec<i32>,
    /// PID 1 of the namespaces at levels 1 to L-1 (one level below the caller's, and so on), in
    /// the caller's namespace.
    pub inits: Vec<libc::pid_t>,
    /// The caller's direct child (the target itself when L = 1).
    outer: libc::pid_t,
}

/// What a process of the nest tells the caller; its PID comes in SCM_CREDENTIALS.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Report {
    kind: i32,
    /// Namespace level of the reporting process, below the caller's.
    level: i32,
    /// getpid() as the reporter sees it (its innermost PID).
    inner: i32,
    /// errno of a failed step, for KIND_ERROR.
    err: i32,
    /// Which step failed.
    step: i32,
}

const KIND_INIT: i32 = 1;
const KIND_TARGET: i32 = 2;
const KIND_ERROR: i32 = 3;
const STEP_UNSHARE: i32 = 1;
const STEP_FORK: i32 = 2;
const STEP_MOUNT: i32 = 3;

/// How long the caller waits for a nest to report: a 32-deep nest under TCG takes a while.
const REPORT_TIMEOUT_S: libc::time_t = 60;

impl Nest {
    /// Forks a nest whose target has `levels` PID levels (its NSpid's length: 1 is the caller's
    /// own namespace), and checks that /proc agrees.
    pub fn spawn(levels: usize, options: Options) -> Res<Nest> {
        if !(1..=33).contains(&levels) {
            return Err(format!(
                "{levels} levels: must be 1 to 33 (Linux nests at most 32 PID namespaces below the initial one)"
            ));
        }
        let (mine, theirs) = report_socket()?;
        // SAFETY: getpid() has no preconditions.
        let me = unsafe { libc::getpid() };
        // SAFETY: the caller is single-threaded (a documented requirement of the callers: vmh
        // and the bench make no threads before this), so the child may run any code; it never
        // returns.
        let outer = unsafe { libc::fork() };
        if outer < 0 {
            return Err(sys::os_err("fork"));
        }
        if outer == 0 {
            drop(mine);
            let child = Child {
                sock: theirs.as_raw_fd(),
                levels,
                options,
            };
            child.outer(me);
        }
        drop(theirs);
        // From here on the guard cleans up whatever happens.
        let mut nest = Nest {
            target: 0,
            nspid: Vec::new(),
            inits: vec![0; levels - 1],
            outer,
        };
        let mut inner = 0;
        while nest.target == 0 || nest.inits.contains(&0) {
            let (report, pid) = receive(&mine)
                .map_err(|e| format!("nest of {levels} levels: waiting for its processes: {e}"))?;
            let level = usize::try_from(report.level).unwrap_or(0);
            match report.kind {
                KIND_INIT if (1..levels).contains(&level) => nest.inits[level - 1] = pid,
                KIND_TARGET => {
                    nest.target = pid;
                    inner = report.inner;
                }
                KIND_ERROR => {
                    let step = match report.step {
                        STEP_UNSHARE => "unshare(CLONE_NEWPID)",
                        STEP_MOUNT => "a mount namespace with its own /proc",
                        _ => "fork",
                    };
                    return Err(format!(
                        "nest of {levels} levels: {step} at namespace level {level} failed: {}",
                        sys::strerror(report.err)
                    ));
                }
                k => return Err(format!("nest of {levels} levels: unexpected report {k}")),
            }
        }
        nest.nspid = nspid_of(nest.target)?;
        let n = &nest.nspid;
        if n.len() != levels || n.first() != Some(&nest.target) || n.last() != Some(&inner) {
            return Err(format!(
                "nest of {levels} levels: /proc/{}/status NSpid is {n:?}, expected {levels} levels from {} to {inner}",
                nest.target, nest.target
            ));
        }
        Ok(nest)
    }
}

impl Drop for Nest {
    /// SIGKILL to PID 1 of the first child namespace makes the kernel kill every process of that
    /// namespace and of those below it, and `outer` (which waits for it) then exits. Waiting for
    /// `outer` therefore returns only once the whole nest is gone.
    fn drop(&mut self) {
        match self.inits.first() {
            // SAFETY: kill() has no memory preconditions.
            Some(&init1) if init1 > 0 => unsafe {
                libc::kill(init1, libc::SIGKILL);
            },
            // No init reported (error path) or L = 1: the outer process is all there is, and its
            // death sends SIGKILL down the chain through PR_SET_PDEATHSIG.
            // SAFETY: as above.
            _ => unsafe {
                libc::kill(self.outer, libc::SIGKILL);
            },
        }
        if !reap_within(self.outer, 30.0) {
            // SAFETY: as above.
            unsafe { libc::kill(self.outer, libc::SIGKILL) };
            reap(self.outer);
        }
    }
}

/// NSpid of `pid` as /proc shows it to the caller.
fn nspid_of(pid: libc::pid_t) -> Res<Vec<i32>> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("read {path}: {e}"))?;
    text.lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .map(|v| {
            v.split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .ok_or_else(|| format!("{path} has no NSpid: line (a kernel without CONFIG_PID_NS?)"))
}

/// An AF_UNIX pair: the caller's end (with SO_PASSCRED, so every message carries the sender's PID
/// translated to the caller's namespace, and a receive timeout) and the children's.
fn report_socket() -> Res<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors socketpair() writes.
    let r = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if r < 0 {
        return Err(sys::os_err("socketpair(AF_UNIX, SOCK_SEQPACKET)"));
    }
    let (mine, theirs) = (sys::owned(fds[0]), sys::owned(fds[1]));
    let one: libc::c_int = 1;
    let timeout = libc::timeval {
        tv_sec: REPORT_TIMEOUT_S,
        tv_usec: 0,
    };
    set_socket_option(&mine, libc::SO_PASSCRED, &one, "setsockopt(SO_PASSCRED)")?;
    set_socket_option(
        &mine,
        libc::SO_RCVTIMEO,
        &timeout,
        "setsockopt(SO_RCVTIMEO)",
    )?;
    Ok((mine, theirs))
}

/// `setsockopt(sock, SOL_SOCKET, name, value)`; `what` names the call in the error.
fn set_socket_option<T>(sock: &OwnedFd, name: libc::c_int, value: &T, what: &str) -> Res<()> {
    // SAFETY: `value` is a live reference, valid for reads of the size passed.
    let r = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            name,
            (value as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(sys::os_err(what));
    }
    Ok(())
}

/// One report and the sender's PID in the caller's namespace (from SCM_CREDENTIALS).
fn receive(sock: &OwnedFd) -> Res<(Report, libc::pid_t)> {
    let mut report = Report::default();
    let mut iov = libc::iovec {
        iov_base: (&mut report as *mut Report).cast(),
        iov_len: std::mem::size_of::<Report>(),
    };
    // u64 elements keep the control buffer aligned for cmsghdr.
    let mut control = [0u64; 16];
    // SAFETY: msghdr is plain data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    let n = loop {
        // SAFETY: `msg` points at live buffers of the sizes it states.
        let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, 0) };
        if n >= 0 || sys::errno() != libc::EINTR {
            break n;
        }
    };
    if n < 0 {
        let e = sys::errno();
        if e == libc::EAGAIN || e == libc::EWOULDBLOCK {
            return Err(format!("no report within {REPORT_TIMEOUT_S} s"));
        }
        return Err(sys::os_err("recvmsg"));
    }
    if n == 0 {
        return Err("its processes exited without reporting".into());
    }
    if n as usize != std::mem::size_of::<Report>() {
        return Err(format!("short report of {n} bytes"));
    }
    // SAFETY: the CMSG_* macros walk the control buffer the kernel just filled, within
    // msg_controllen.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_CREDENTIALS {
                let cred: libc::ucred = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                return Ok((report, cred.pid));
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Err("a report came without SCM_CREDENTIALS".into())
}

// ---- Code run by the children. Each function ends in _exit() or sleeps until killed: a child
// ---- never returns into the caller's code.

/// What every process of the nest knows.
struct Child {
    sock: libc::c_int,
    levels: usize,
    options: Options,
}

impl Child {
    /// Sends a report; a failure is ignored: the caller times out and says so.
    fn send(&self, kind: i32, level: usize, step: i32, err: i32) {
        let report = Report {
            kind,
            level: level as i32,
            // SAFETY: getpid() has no preconditions.
            inner: unsafe { libc::getpid() },
            err,
            step,
        };
        // SAFETY: `report` is a live value of the size passed.
        unsafe {
            libc::send(
                self.sock,
                (&report as *const Report).cast(),
                std::mem::size_of::<Report>(),
                libc::MSG_NOSIGNAL,
            )
        };
    }

    /// Reports that `step` failed at `level` with the current errno, and exits.
    fn fail(&self, level: usize, step: i32) -> ! {
        self.send(KIND_ERROR, level, step, sys::errno());
        // SAFETY: _exit() has no preconditions.
        unsafe { libc::_exit(1) }
    }

    /// The caller's direct child.
    fn outer(&self, caller: libc::pid_t) -> ! {
        die_with_parent(caller);
        if self.levels == 1 {
            self.be_target(0);
        }
        let init1 = self.unshare_and_fork(0);
        // Stay until the nest's PID 1 is gone, then go: the caller waits for this process.
        loop {
            // SAFETY: waitpid() with a null status pointer writes nothing.
            let r = unsafe { libc::waitpid(init1, std::ptr::null_mut(), 0) };
            if r == init1 || (r < 0 && sys::errno() != libc::EINTR) {
                // SAFETY: _exit() has no preconditions.
                unsafe { libc::_exit(0) };
            }
        }
    }

    /// unshare(CLONE_NEWPID) then fork, from a process at `level`: the child becomes PID 1 of a
    /// new namespace at `level + 1` and goes on building the nest.
    fn unshare_and_fork(&self, level: usize) -> libc::pid_t {
        // SAFETY: unshare() and fork() have no memory preconditions; the process is
        // single-threaded, so the forked child may run any code.
        unsafe {
            if libc::unshare(libc::CLONE_NEWPID) < 0 {
                self.fail(level, STEP_UNSHARE);
            }
            let pid = libc::fork();
            if pid < 0 {
                self.fail(level, STEP_FORK);
            }
            if pid == 0 {
                self.init(level + 1);
            }
            pid
        }
    }

    /// PID 1 of the namespace at `level`: starts the next level (or the target), then reaps.
    fn init(&self, level: usize) -> ! {
        // Our parent is outside our namespace: getppid() shows 0.
        die_with_parent(0);
        if self.options.own_proc {
            self.mount_own_proc(level);
        }
        self.send(KIND_INIT, level, 0, 0);
        if level + 1 == self.levels {
            // SAFETY: as in unshare_and_fork.
            let pid = unsafe { libc::fork() };
            if pid < 0 {
                self.fail(level, STEP_FORK);
            }
            if pid == 0 {
                die_with_parent(1);
                self.be_target(level);
            }
        } else {
            self.unshare_and_fork(level);
        }
        reap_forever()
    }

    /// A mount namespace of this PID 1's own, with this PID namespace's /proc.
    fn mount_own_proc(&self, level: usize) {
        // SAFETY: unshare() and mount() with NUL-terminated strings and null data.
        unsafe {
            if libc::unshare(libc::CLONE_NEWNS) < 0
                || libc::mount(
                    c"none".as_ptr(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ) < 0
                || libc::mount(
                    c"proc".as_ptr(),
                    c"/proc".as_ptr(),
                    c"proc".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                    std::ptr::null(),
                ) < 0
            {
                self.fail(level, STEP_MOUNT);
            }
        }
    }

    /// The target: takes its name, reports, sleeps until killed.
    fn be_target(&self, level: usize) -> ! {
        if let Some(name) = self.options.target_name {
            // SAFETY: PR_SET_NAME reads a NUL-terminated string (the kernel copies at most 16
            // bytes).
            unsafe { libc::prctl(libc::PR_SET_NAME, name.as_ptr(), 0, 0, 0) };
        }
        self.send(KIND_TARGET, level, 0, 0);
        sleep_forever()
    }
}

/// What a namespace's PID 1 does: reap whatever exits, sleep when nothing is left.
fn reap_forever() -> ! {
    loop {
        // SAFETY: wait() with a null status pointer writes nothing.
        let r = unsafe { libc::wait(std::ptr::null_mut()) };
        if r < 0 && sys::errno() == libc::ECHILD {
            // SAFETY: pause() has no preconditions.
            unsafe { libc::pause() };
        }
    }
}
