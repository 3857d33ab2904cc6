//! The processes the bench looks up: a target nested D-1 PID namespaces deep, and N idle
//! processes for the whole-system map. Both are guards: dropping them kills and reaps every
//! process they made, so no error path leaves anything behind.
//!
//! Every child is a plain fork() of the bench (no exec): copy-on-write keeps 10,000 of them cheap.
//! Each child also asks for SIGKILL when its parent dies (PR_SET_PDEATHSIG), so that even a bench
//! killed outright takes its processes with it.

use crate::procfs;
use crate::sys::{self, Res};
use std::os::fd::{AsRawFd, OwnedFd};

/// A target process at the bottom of a nest of PID namespaces.
///
/// Layout for depth D >= 2: the bench forks `outer` (in the bench's namespace), which unshares
/// CLONE_NEWPID and forks `init1`, PID 1 of the first child namespace; each namespace's PID 1
/// unshares and forks the next PID 1, and the last one forks the target (PID 2 there). For D = 1
/// the target is a plain child of the bench.
pub struct Nest {
    /// The target's PID in the bench's namespace.
    pub target: libc::pid_t,
    /// The target's NSpid as /proc shows it, outermost first: every method's expected answer.
    pub nspid: Vec<i32>,
    /// The bench's direct child (the target itself when D = 1).
    outer: libc::pid_t,
    /// PID 1 of the first child namespace, in the bench's namespace: killing it kills the nest.
    init1: Option<libc::pid_t>,
}

/// What a process of the nest tells the bench; its PID in the bench's namespace travels in the
/// message's SCM_CREDENTIALS, which the kernel translates into the receiver's namespace. That is
/// how the bench learns PIDs that no process of the nest can see.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Report {
    kind: i32,
    /// Namespace level of the reporting process.
    level: i32,
    /// getpid() as the reporter sees it (its innermost PID).
    inner: i32,
    /// errno of a failed step, for KIND_ERROR.
    err: i32,
    /// Which step failed: 1 unshare, 2 fork.
    step: i32,
}

const KIND_INIT1: i32 = 1;
const KIND_TARGET: i32 = 2;
const KIND_ERROR: i32 = 3;
const STEP_UNSHARE: i32 = 1;
const STEP_FORK: i32 = 2;

/// How long the bench waits for a nest to report: a 32-deep nest under TCG takes a while.
const REPORT_TIMEOUT_S: libc::time_t = 60;

impl Nest {
    /// Forks a nest whose target has `depth` PID levels, and checks /proc agrees.
    pub fn spawn(depth: usize) -> Res<Nest> {
        if !(1..=33).contains(&depth) {
            return Err(format!(
                "depth {depth}: must be 1 to 33 (Linux nests at most 32 PID namespaces below the initial one)"
            ));
        }
        let (mine, theirs) = report_socket()?;
        // SAFETY: getpid() has no preconditions.
        let me = unsafe { libc::getpid() };
        // SAFETY: the bench is single-threaded, so the child may run any code; it never returns.
        let outer = unsafe { libc::fork() };
        if outer < 0 {
            return Err(sys::os_err("fork"));
        }
        if outer == 0 {
            drop(mine);
            outer_child(theirs.as_raw_fd(), depth, me);
        }
        drop(theirs);
        // From here on the guard cleans up whatever happens.
        let mut nest = Nest {
            target: 0,
            nspid: Vec::new(),
            outer,
            init1: None,
        };
        let mut inner = 0;
        while nest.target == 0 || (depth > 1 && nest.init1.is_none()) {
            let (report, pid) = receive(&mine)
                .map_err(|e| format!("nest of depth {depth}: waiting for its processes: {e}"))?;
            match report.kind {
                KIND_INIT1 => nest.init1 = Some(pid),
                KIND_TARGET => {
                    nest.target = pid;
                    inner = report.inner;
                }
                KIND_ERROR => {
                    let step = if report.step == STEP_UNSHARE {
                        "unshare(CLONE_NEWPID)"
                    } else {
                        "fork"
                    };
                    return Err(format!(
                        "nest of depth {depth}: {step} at namespace level {} failed: {}",
                        report.level,
                        sys::strerror(report.err)
                    ));
                }
                k => return Err(format!("nest of depth {depth}: unknown report kind {k}")),
            }
        }
        nest.nspid = procfs::nspid_of(nest.target)?;
        let n = &nest.nspid;
        if n.len() != depth || n.first() != Some(&nest.target) || n.last() != Some(&inner) {
            return Err(format!(
                "nest of depth {depth}: /proc/{}/status NSpid is {n:?}, expected {depth} levels from {} to {inner}",
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
        match self.init1 {
            // SAFETY: kill() has no memory preconditions.
            Some(init1) => unsafe {
                libc::kill(init1, libc::SIGKILL);
            },
            // No init reported (error path) or D = 1: the outer process is all there is, and its
            // death sends SIGKILL down the chain through PR_SET_PDEATHSIG.
            // SAFETY: as above.
            None => unsafe {
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

/// An AF_UNIX datagram pair: the bench's end (with SO_PASSCRED, so every message carries the
/// sender's PID translated to the bench's namespace, and a receive timeout) and the children's.
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

/// One report and the sender's PID in the bench's namespace (from SCM_CREDENTIALS).
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
// ---- never returns into the bench's code.

/// Sends a report; a failure is ignored: the bench times out and says so.
fn send(sock: libc::c_int, kind: i32, level: i32, step: i32, err: i32) {
    let report = Report {
        kind,
        level,
        // SAFETY: getpid() has no preconditions.
        inner: unsafe { libc::getpid() },
        err,
        step,
    };
    // SAFETY: `report` is a live value of the size passed.
    unsafe {
        libc::send(
            sock,
            (&report as *const Report).cast(),
            std::mem::size_of::<Report>(),
            libc::MSG_NOSIGNAL,
        )
    };
}

/// Asks for SIGKILL when the parent dies; exits at once if it already has (the parent we expect
/// is `parent` as getppid() shows it: 0 when the parent is outside our PID namespace).
pub fn die_with_parent(parent: libc::pid_t) {
    // SAFETY: prctl(PR_SET_PDEATHSIG), getppid() and _exit() have no memory preconditions.
    unsafe {
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        );
        if libc::getppid() != parent {
            libc::_exit(1);
        }
    }
}

/// Sleeps until a signal kills the process. No handler is installed, so pause() never returns
/// in practice; the loop is for form.
pub fn sleep_forever() -> ! {
    loop {
        // SAFETY: pause() has no preconditions.
        unsafe { libc::pause() };
    }
}

/// The bench's direct child.
fn outer_child(sock: libc::c_int, depth: usize, bench: libc::pid_t) -> ! {
    die_with_parent(bench);
    if depth == 1 {
        send(sock, KIND_TARGET, 0, 0, 0);
        sleep_forever();
    }
    let init1 = unshare_and_fork(sock, 0, depth);
    // Stay until the nest's PID 1 is gone, then go: the bench waits for this process.
    loop {
        // SAFETY: waitpid() with a null status pointer writes nothing.
        let r = unsafe { libc::waitpid(init1, std::ptr::null_mut(), 0) };
        if r == init1 || (r < 0 && sys::errno() != libc::EINTR) {
            // SAFETY: _exit() has no preconditions.
            unsafe { libc::_exit(0) };
        }
    }
}

/// unshare(CLONE_NEWPID) then fork, from a process at `level`: the child becomes PID 1 of a new
/// namespace at `level + 1` and goes on building the nest. On failure reports the error and
/// exits.
fn unshare_and_fork(sock: libc::c_int, level: usize, depth: usize) -> libc::pid_t {
    // SAFETY: unshare(), fork() and _exit() have no memory preconditions; the process is
    // single-threaded, so the forked child may run any code.
    unsafe {
        if libc::unshare(libc::CLONE_NEWPID) < 0 {
            send(sock, KIND_ERROR, level as i32, STEP_UNSHARE, sys::errno());
            libc::_exit(1);
        }
        let pid = libc::fork();
        if pid < 0 {
            send(sock, KIND_ERROR, level as i32, STEP_FORK, sys::errno());
            libc::_exit(1);
        }
        if pid == 0 {
            init_child(sock, level + 1, depth);
        }
        pid
    }
}

/// PID 1 of the namespace at `level`: starts the next level (or the target), then reaps.
fn init_child(sock: libc::c_int, level: usize, depth: usize) -> ! {
    // Our parent is outside our namespace: getppid() shows 0.
    die_with_parent(0);
    if level == 1 {
        send(sock, KIND_INIT1, 1, 0, 0);
    }
    if level + 1 == depth {
        // SAFETY: as in unshare_and_fork.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            send(sock, KIND_ERROR, level as i32, STEP_FORK, sys::errno());
            // SAFETY: _exit() has no preconditions.
            unsafe { libc::_exit(1) };
        }
        if pid == 0 {
            die_with_parent(1);
            send(sock, KIND_TARGET, level as i32, 0, 0);
            sleep_forever();
        }
    } else {
        unshare_and_fork(sock, level, depth);
    }
    reap_forever()
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

// ---- Back in the bench.

/// Waits for `pid` to exit, for at most `seconds`. True when it was reaped.
fn reap_within(pid: libc::pid_t, seconds: f64) -> bool {
    let end = sys::now() + seconds;
    loop {
        // SAFETY: waitpid() with a null status pointer writes nothing.
        let r = unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) };
        if r == pid || (r < 0 && sys::errno() == libc::ECHILD) {
            return true;
        }
        if sys::now() > end {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Waits for `pid` to exit (retrying on EINTR).
fn reap(pid: libc::pid_t) {
    loop {
        // SAFETY: waitpid() with a null status pointer writes nothing.
        let r = unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
        if r >= 0 || sys::errno() != libc::EINTR {
            return;
        }
    }
}

/// N idle processes, children of the bench, for the whole-system map.
pub struct Sleepers {
    pids: Vec<libc::pid_t>,
}

/// Processes forked first to measure what one costs in memory before forking the rest.
const PROBE: usize = 200;
/// Memory left untouched when judging whether N processes fit.
const MEM_RESERVE: u64 = 256 << 20;

impl Sleepers {
    /// Forks `n` processes that sleep until killed. Stops with an error, before the guest runs
    /// out of memory, when the rest would not fit in MemAvailable.
    pub fn spawn(n: usize) -> Res<Sleepers> {
        let mut s = Sleepers {
            pids: Vec::with_capacity(n),
        };
        let before = crate::procfs::meminfo_bytes("MemAvailable")?;
        s.fork_up_to(n.min(PROBE))?;
        if n > PROBE {
            let after = crate::procfs::meminfo_bytes("MemAvailable")?;
            // At least 32 KiB: MemAvailable moves for other reasons too.
            let each = (before.saturating_sub(after) / PROBE as u64).max(32 << 10);
            let need = each * (n - PROBE) as u64;
            if need + MEM_RESERVE > after {
                return Err(format!(
                    "{n} processes need about {} MiB more ({} KiB each), but MemAvailable is {} MiB: give the machine more memory (in the test VM: PIDNS_VM_MEMORY=4G) or use smaller --map-sizes",
                    need >> 20,
                    each >> 10,
                    after >> 20
                ));
            }
            s.fork_up_to(n)?;
        }
        Ok(s)
    }

    /// Forks until there are `n`.
    fn fork_up_to(&mut self, n: usize) -> Res<()> {
        // SAFETY: getpid() has no preconditions.
        let me = unsafe { libc::getpid() };
        while self.pids.len() < n {
            // SAFETY: the bench is single-threaded; the child only makes syscalls and sleeps.
            let pid = unsafe { libc::fork() };
            if pid < 0 {
                return Err(format!(
                    "{} after {} processes (see --map-sizes; pid_max, threads-max and memory limit how many there can be)",
                    sys::os_err("fork"),
                    self.pids.len()
                ));
            }
            if pid == 0 {
                die_with_parent(me);
                sleep_forever();
            }
            self.pids.push(pid);
        }
        Ok(())
    }
}

impl Drop for Sleepers {
    /// Kills them all first, then reaps them all: reaping one at a time after each kill would
    /// wait for each exit in turn.
    fn drop(&mut self) {
        for &pid in &self.pids {
            // SAFETY: kill() has no memory preconditions.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        for &pid in &self.pids {
            reap(pid);
        }
    }
}
