//! Small libc helpers for test and bench code that reports errors as text.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

/// Errors are plain messages: callers report them and stop; nothing matches on them.
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

/// Waits for `pid` to exit (retrying on EINTR).
pub fn reap(pid: libc::pid_t) {
    loop {
        // SAFETY: waitpid() with a null status pointer writes nothing.
        let r = unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
        if r >= 0 || errno() != libc::EINTR {
            return;
        }
    }
}

/// Waits for `pid` to exit, for at most `seconds`. True when it was reaped.
pub fn reap_within(pid: libc::pid_t, seconds: f64) -> bool {
    let end = now() + seconds;
    loop {
        // SAFETY: waitpid() with a null status pointer writes nothing.
        let r = unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) };
        if r == pid || (r < 0 && errno() == libc::ECHILD) {
            return true;
        }
        if now() > end {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
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
