//! Commands for the third hardening round (tests/vm/test-log.sh, test-hardening.sh): a flood of writes, and a write stalled on a page nobody serves.

use crate::errno_name;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::io::AsRawFd;
use std::time::{Duration, Instant};

fn open_rw() -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open("/proc/pidns")
}

/// `flood N REQUEST`: one open file, N writes of REQUEST; prints how many succeeded and the
/// seconds they took (`20000 1.234`), or the errno name of the open.
pub(crate) fn flood(count: u64, request: &[u8]) -> String {
    let mut f = match open_rw() {
        Ok(f) => f,
        Err(e) => return errno_name(&e),
    };
    let start = Instant::now();
    let ok = (0..count).filter(|_| f.write(request).is_ok()).count();
    format!("{ok} {:.3}", start.elapsed().as_secs_f64())
}

// userfaultfd(2), from include/uapi/linux/userfaultfd.h (not in the libc crate).
const UFFD_API: u64 = 0xAA;
const UFFDIO_REGISTER_MODE_MISSING: u64 = 1;

#[repr(C)]
struct UffdioApi {
    api: u64,
    features: u64,
    ioctls: u64,
}

#[repr(C)]
struct UffdioRegister {
    start: u64,
    len: u64,
    mode: u64,
    ioctls: u64,
}

#[repr(C)]
struct UffdioCopy {
    dst: u64,
    src: u64,
    len: u64,
    mode: u64,
    copy: i64,
}

/// `_IOWR(0xAA, nr, size)`.
const fn uffdio(nr: u64, size: usize) -> u64 {
    (3 << 30) | ((size as u64) << 16) | (0xAA << 8) | nr
}
const UFFDIO_API: u64 = uffdio(0x3F, size_of::<UffdioApi>());
const UFFDIO_REGISTER: u64 = uffdio(0x00, size_of::<UffdioRegister>());
const UFFDIO_COPY: u64 = uffdio(0x03, size_of::<UffdioCopy>());

fn last_errno() -> String {
    errno_name(&io::Error::last_os_error())
}

/// A page registered with a userfaultfd and never filled: touching it waits until the fault is
/// served.
struct StallingPage {
    uffd: File,
    page: *mut u8,
    size: usize,
}

impl StallingPage {
    fn new() -> Result<Self, String> {
        // SAFETY: plain system calls; the results are checked.
        unsafe {
            let size = libc::sysconf(libc::_SC_PAGESIZE) as usize;
            let fd = libc::syscall(libc::SYS_userfaultfd, libc::O_CLOEXEC) as i32;
            if fd < 0 {
                return Err(format!("userfaultfd: {}", last_errno()));
            }
            let uffd = <File as std::os::unix::io::FromRawFd>::from_raw_fd(fd);
            let mut api = UffdioApi {
                api: UFFD_API,
                features: 0,
                ioctls: 0,
            };
            if libc::ioctl(fd, UFFDIO_API as _, &mut api) != 0 {
                return Err(format!("UFFDIO_API: {}", last_errno()));
            }
            let page = libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if page == libc::MAP_FAILED {
                return Err(format!("mmap: {}", last_errno()));
            }
            let mut reg = UffdioRegister {
                start: page as u64,
                len: size as u64,
                mode: UFFDIO_REGISTER_MODE_MISSING,
                ioctls: 0,
            };
            if libc::ioctl(fd, UFFDIO_REGISTER as _, &mut reg) != 0 {
                return Err(format!("UFFDIO_REGISTER: {}", last_errno()));
            }
            Ok(StallingPage {
                uffd,
                page: page.cast(),
                size,
            })
        }
    }

    /// Serves the fault: the page gets `content` (at most a page), and whoever waited on it
    /// goes on.
    fn fill(&self, content: &[u8]) -> Result<(), String> {
        let mut src = vec![0u8; self.size];
        let n = content.len().min(self.size);
        src[..n].copy_from_slice(&content[..n]);
        let mut copy = UffdioCopy {
            dst: self.page as u64,
            src: src.as_ptr() as u64,
            len: self.size as u64,
            mode: 0,
            copy: 0,
        };
        // SAFETY: `src` is a readable buffer of a page; `dst` is the registered page.
        if unsafe { libc::ioctl(self.uffd.as_raw_fd(), UFFDIO_COPY as _, &mut copy) } != 0 {
            return Err(format!("UFFDIO_COPY: {}", last_errno()));
        }
        Ok(())
    }
}

/// The state letter of task `tid` of this process (`R`, `S`, `D`, ...), `?` if unknown.
fn task_state(pid: i32, tid: i32) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).unwrap_or_default();
    stat.rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next())
        .unwrap_or('?')
}

/// `stalled-write`: on one open `/proc/pidns`, thread A writes `1` from a page registered with a
/// userfaultfd that nobody serves, so that its copy from user space waits. Meanwhile a child B,
/// sharing the file, reads it and then sleeps; B is killed with SIGKILL and waited for, for at
/// most a second. Then the page is served and A's write ends. Prints
/// `a_state=S b=reaped ms=N a=ok` (or `b=stuck state=D`).
pub(crate) fn stalled_write() -> String {
    let f = match open_rw() {
        Ok(f) => f,
        Err(e) => return errno_name(&e),
    };
    let page = match StallingPage::new() {
        Ok(p) => p,
        Err(e) => return e,
    };
    let fd = f.as_raw_fd();
    let addr = page.page as usize;
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        // SAFETY: plain system calls; `addr` is a mapped page (it faults, and waits, first).
        let rc = unsafe {
            let _ = tid_tx.send(libc::gettid());
            libc::write(fd, addr as *const libc::c_void, 2)
        };
        if rc < 0 {
            last_errno()
        } else {
            "ok".to_string()
        }
    });
    let tid = tid_rx.recv().unwrap_or(0);
    // SAFETY: getpid has no requirements.
    let me = unsafe { libc::getpid() };
    // A is in its write once it sleeps (the userfaultfd wait: S, or D if only killable).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !matches!(task_state(me, tid), 'S' | 'D') && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let a_state = task_state(me, tid);
    std::thread::sleep(Duration::from_millis(200));

    // SAFETY: the child only reads, sleeps and exits, with system calls.
    let b = unsafe { libc::fork() };
    if b == 0 {
        let mut buf = [0u8; 256];
        // SAFETY: plain system calls on the inherited file and a local buffer.
        unsafe {
            libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
            libc::pause();
            libc::_exit(0)
        }
    }
    // Let B reach its read (and wait there, on a module that holds a lock across the copy).
    std::thread::sleep(Duration::from_millis(300));
    let b_state = task_state(b, b);
    // SAFETY: `b` is our child.
    unsafe { libc::kill(b, libc::SIGKILL) };
    let killed = Instant::now();
    let mut reaped = false;
    while killed.elapsed() < Duration::from_secs(1) {
        // SAFETY: `b` is our child; WNOHANG does not block.
        if unsafe { libc::waitpid(b, std::ptr::null_mut(), libc::WNOHANG) } == b {
            reaped = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let ms = killed.elapsed().as_millis();
    let served = page.fill(b"1\n");
    let a = writer.join().unwrap_or_else(|_| "panicked".into());
    if !reaped {
        // SAFETY: `b` is our child; it goes once A's write has let go of the file.
        unsafe { libc::waitpid(b, std::ptr::null_mut(), 0) };
    }
    let b = if reaped {
        format!("b=reaped ms={ms}")
    } else {
        format!("b=stuck state={b_state}")
    };
    match served {
        Ok(()) => format!("a_state={a_state} {b} a={a}"),
        Err(e) => format!("a_state={a_state} {b} a={a} {e}"),
    }
}
