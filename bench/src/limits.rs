//! System settings the bench changes for the time it runs, put back when their guard drops:
//! room for N extra processes (RLIMIT_NPROC, kernel.threads-max, which the kernel sizes from RAM:
//! about 8,000 in a 1 GiB guest, and kernel.pid_max), and a console quiet enough for log=1.

use crate::procfs;
use crate::sys::{self, Res};

const THREADS_MAX: &str = "/proc/sys/kernel/threads-max";
const PID_MAX: &str = "/proc/sys/kernel/pid_max";
/// The largest pid_max Linux accepts on 64-bit (PID_MAX_LIMIT).
const PID_MAX_LIMIT: u64 = 4_194_304;
/// Tasks allowed for on top of those alive now and the N to come.
const SLACK: u64 = 1024;

/// Sysctl values to restore on drop (the first number of the file).
pub struct Room {
    restore: Vec<(&'static str, u64)>,
}

impl Drop for Room {
    fn drop(&mut self) {
        for &(path, old) in self.restore.iter().rev() {
            if let Err(e) = sys::write_text(path, &old.to_string()) {
                eprintln!("warning: could not restore {path} to {old}: {e}");
            }
        }
    }
}

/// Raises the limits that would stop `extra` more processes from being forked.
pub fn make_room(extra: usize) -> Res<Room> {
    let mut room = Room {
        restore: Vec::new(),
    };
    raise_nproc()?;
    let need = procfs::nr_threads()? + extra as u64 + SLACK;

    let threads_max = procfs::sysctl_u64(THREADS_MAX)?;
    if threads_max < need {
        sys::write_text(THREADS_MAX, &need.to_string())?;
        room.restore.push((THREADS_MAX, threads_max));
        println!("raised kernel.threads-max from {threads_max} to {need}");
    }
    // PIDs are handed out cyclically: keep at least half of the range free.
    let pid_max = procfs::sysctl_u64(PID_MAX)?;
    if pid_max < 2 * need {
        sys::write_text(PID_MAX, &PID_MAX_LIMIT.to_string())?;
        room.restore.push((PID_MAX, pid_max));
        println!("raised kernel.pid_max from {pid_max} to {PID_MAX_LIMIT}");
    }
    Ok(room)
}

/// RLIMIT_NPROC to unlimited (root may raise the hard limit), or at least to the hard limit.
/// Root is exempt from it in the kernel anyway, but a non-root bench would not be.
fn raise_nproc() -> Res<()> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit to fill.
    if unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut lim) } < 0 {
        return Err(sys::os_err("getrlimit(RLIMIT_NPROC)"));
    }
    if lim.rlim_cur == libc::RLIM_INFINITY {
        return Ok(());
    }
    let unlimited = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    let at_hard = libc::rlimit {
        rlim_cur: lim.rlim_max,
        rlim_max: lim.rlim_max,
    };
    // SAFETY: both are valid rlimit values to read.
    unsafe {
        if libc::setrlimit(libc::RLIMIT_NPROC, &unlimited) < 0
            && libc::setrlimit(libc::RLIMIT_NPROC, &at_hard) < 0
        {
            return Err(sys::os_err("setrlimit(RLIMIT_NPROC)"));
        }
    }
    Ok(())
}

const PRINTK: &str = "/proc/sys/kernel/printk";
/// KERN_INFO: pidns's per-lookup lines reach the console when console_loglevel is above it.
const KERN_INFO: u64 = 6;

/// Keeps the kernel.printk console level at most 4 (KERN_WARNING) while it lives, when it is
/// above 6: then pidns's log=1 lines go to the ring buffer only, as on a usual system, instead
/// of also crawling out of a (serial) console and into the bench's own output. The console
/// level is the first of the file's four numbers; writing one number sets only it.
pub fn quiet_console() -> Res<Room> {
    let mut room = Room {
        restore: Vec::new(),
    };
    let text = sys::read_text(PRINTK)?;
    let level: u64 = text
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{PRINTK}: unexpected format {text:?}"))?;
    if level > KERN_INFO {
        sys::write_text(PRINTK, "4")?;
        room.restore.push((PRINTK, level));
        println!("console loglevel lowered from {level} to 4 while measuring: log=1 lines go to the kernel log only");
    }
    Ok(room)
}
