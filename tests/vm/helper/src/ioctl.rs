//! `vmh` commands for the `PIDNS_GET_CHAIN` ioctl (tests/vm/test-ioctl.sh), through the pidns
//! library (cli/), which is the only user-space encoding of the ioctl.

use pidns::module::{self, Module, RawChain, PIDNS_GET_CHAIN, SIZE};
use pidns::sys::pidfd_open;
use pidns::{procfs, uapi, Chain, Query, Target};
use std::fs::OpenOptions;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

pub const USAGE: &str = "\
  chain [--pidfd] [--ns-of P|--ns-of-pidfd P] PID
                           PIDNS_GET_CHAIN for PID (by a pidfd opened for it with --pidfd; N@P
                           with --ns-of): prints ok and the answer as read-back fields (nspid=
                           nstgid= level= ns= comm=), then ns_id=, or the errno name
  chain-raw [--count=N] [--reserved=N] SIZE FLAGS PID NSOF [TAIL]
                           PIDNS_GET_CHAIN on a request of SIZE bytes (in an 8 KiB zeroed buffer)
                           with FLAGS, PID and NSOF as given, and count and reserved (0 unless
                           given); PID and NSOF may be pidfd:N (a pidfd for PID N), file:PATH
                           (an open file) or closed (a closed fd); TAIL: a byte put at offset
                           SIZE-1. The entries past the first level hold a pattern before the
                           call. Prints the errno name, or ok and size= count= ns_id0= pid0=
                           rest=kept|written (whether the entries past count still hold the
                           pattern)
  chain-bad                EFAULT (NULL, an unmapped pointer, a struct that ends in an unmapped
                           page), ENOTTY (other command numbers: the next one, the old
                           size-encoding _IOWR numbers of VER0 and VER1, read-only), and ok for
                           PIDNS_GET_CHAIN and for a 568-byte struct whose bytes the module does
                           not touch lie in an unmapped page; prints NAME=RESULT for each
  chain32 PID              PIDNS_GET_CHAIN for PID from a 32-bit program (ioctl32.c, the compat
                           ioctl): prints what chain PID prints, or no-ia32 when this kernel
                           cannot run 32-bit programs
  reuse                    the pidfd reuse race: a child's pidfd answers; the child exits and is
                           reaped (N@P with P that pidfd is then ESRCH too); its PID number is forced onto a new process (clone3 set_tid); the
                           pidfd then gives ESRCH (module and /proc fallback), the PID the new
                           process. Prints one KEY=VALUE per step
  check-levels INIT_1..INIT_D TARGET
                           for every viewer level v (the host, then PID 1 of each level) and
                           every process of the nest at or below it (INIT_k is at depth k):
                           the ioctl by PID and by pidfd, and the read-back, against NSpid:,
                           NStgid:, comm and the namespaces (inode, NS_GET_ID) seen from the
                           host; prints `ok N` (answers checked) or the differences
  pidfd-outside INIT HOSTPID INNERPID
                           from PID 1 INIT's namespace: the ioctl by a pidfd of HOSTPID (a
                           process it cannot see), and of INNERPID; prints both results
  nsid PID...              NS_GET_ID of each PID's PID namespace, one a line";

fn name(e: &io::Error) -> String {
    crate::errno_name(e)
}

/// The answer as the read-back's fields (without `query=`), then `ns_id=` on its own line.
fn fields(chain: &Chain) -> String {
    let list = |f: &dyn Fn(&pidns::Level) -> String| {
        chain.levels.iter().map(f).collect::<Vec<_>>().join(",")
    };
    format!(
        "nspid={} nstgid={} level={} ns={} comm={}\nns_id={}",
        list(&|l| l.pid.to_string()),
        list(&|l| l.tgid.to_string()),
        list(&|l| l.level.map_or("?".into(), |v| v.to_string())),
        list(&|l| l.ns_inum.to_string()),
        pidns::escaped_comm(&chain.comm),
        list(&|l| l.ns_id.map_or("0".into(), |v| v.to_string())),
    )
}

pub fn chain(args: &[String]) -> String {
    let mut pidfd = false;
    let mut ns_of: Option<(bool, i32)> = None;
    let mut pid = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--pidfd" => pidfd = true,
            "--ns-of" | "--ns-of-pidfd" => {
                let p = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(0);
                ns_of = Some((args[i] == "--ns-of-pidfd", p));
                i += 1;
            }
            s => pid = s.parse().ok(),
        }
        i += 1;
    }
    let Some(pid) = pid else {
        return "usage".into();
    };
    let mut keep = Vec::new();
    let mut target = |by_pidfd: bool, nr: i32| -> io::Result<Target> {
        if by_pidfd {
            let fd = pidfd_open(nr)?;
            let raw = fd.as_raw_fd();
            keep.push(fd);
            Ok(Target::Pidfd(raw))
        } else {
            Ok(Target::Pid(nr))
        }
    };
    let query = (|| -> io::Result<Query> {
        Ok(Query {
            target: target(pidfd, pid)?,
            ns_of: match ns_of {
                Some((p, nr)) => Some(target(p, nr)?),
                None => None,
            },
        })
    })();
    let result = query.and_then(|q| Module::open()?.chain(&q));
    match result {
        Ok(c) => format!("ok\n{}", fields(&c)),
        Err(e) => name(&e),
    }
}

/// A descriptor for an argument of chain-raw: a number, pidfd:N, file:PATH or closed.
fn raw_arg(s: &str, keep: &mut Vec<OwnedFd>) -> Result<i32, String> {
    if let Some(p) = s.strip_prefix("pidfd:") {
        let fd =
            pidfd_open(p.parse().unwrap_or(0)).map_err(|e| format!("pidfd_open: {}", name(&e)))?;
        let raw = fd.as_raw_fd();
        keep.push(fd);
        Ok(raw)
    } else if let Some(path) = s.strip_prefix("file:") {
        let f = std::fs::File::open(path).map_err(|e| format!("open: {}", name(&e)))?;
        let fd = OwnedFd::from(f);
        let raw = fd.as_raw_fd();
        keep.push(fd);
        Ok(raw)
    } else if s == "closed" {
        Ok(999)
    } else {
        s.parse().map_err(|_| format!("bad argument {s}"))
    }
}

/// What `chain-raw` puts in the entries past the first, before the call.
const PATTERN_LEVEL: uapi::pidns_level = uapi::pidns_level {
    pid: -2,
    tgid: -2,
    level: u32::MAX,
    ns_inum: u32::MAX,
};
const PATTERN_ID: u64 = u64::MAX;

pub fn chain_raw(args: &[String]) -> String {
    // --count=N and --reserved=N, anywhere; the rest positional.
    let option = |name: &str| {
        args.iter()
            .find_map(|a| a.strip_prefix(name))
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let (count, reserved) = (option("--count="), option("--reserved="));
    let args: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .collect();
    let get = |i: usize| args.get(i).map(String::as_str).unwrap_or("0");
    let size: u32 = get(0).parse().unwrap_or(0);
    let flags: u32 = get(1).parse().unwrap_or(0);
    let mut keep = Vec::new();
    let (pid, ns_of) = match (raw_arg(get(2), &mut keep), raw_arg(get(3), &mut keep)) {
        (Ok(p), Ok(n)) => (p, n),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    // 8 KiB, 8-byte aligned, zeroed: room for any size the kernel may look at.
    let mut buf = vec![0u64; 1024];
    let mut req = module::zeroed();
    req.size = size;
    req.flags = flags;
    req.pid = pid;
    req.ns_of = ns_of;
    req.count = count;
    req.reserved = reserved;
    // Entries 1 and up hold a pattern, to see which the kernel leaves alone (those past `count`).
    for (level, id) in req.levels.iter_mut().zip(req.ns_id.iter_mut()).skip(1) {
        *level = PATTERN_LEVEL;
        *id = PATTERN_ID;
    }
    // SAFETY: `buf` has 8 KiB, more than `SIZE`; `RawChain` is plain integers.
    unsafe { std::ptr::write(buf.as_mut_ptr().cast::<RawChain>(), req) };
    if let Some(tail) = args.get(4).and_then(|t| t.parse::<u8>().ok()) {
        let bytes = buf.as_mut_ptr().cast::<u8>();
        if (1..=8192).contains(&size) {
            // SAFETY: `size - 1` is inside the 8 KiB buffer.
            unsafe { *bytes.add(size as usize - 1) = tail };
        }
    }
    let module = match Module::open() {
        Ok(m) => m,
        Err(e) => return format!("open: {}", name(&e)),
    };
    // SAFETY: the buffer has 8 KiB, at least `size` bytes for every size this test passes.
    match unsafe { module.ioctl_ptr(PIDNS_GET_CHAIN, buf.as_mut_ptr().cast()) } {
        Ok(()) => {
            // SAFETY: the buffer holds a `RawChain` at its start (written above, then by the
            // kernel).
            let out = unsafe { std::ptr::read(buf.as_ptr().cast::<RawChain>()) };
            let chain = module::decode(&out);
            let count = out.count as usize;
            let kept = out.levels.iter().skip(count.max(1)).all(|l| {
                (l.pid, l.tgid, l.level, l.ns_inum)
                    == (
                        PATTERN_LEVEL.pid,
                        PATTERN_LEVEL.tgid,
                        PATTERN_LEVEL.level,
                        PATTERN_LEVEL.ns_inum,
                    )
            }) && out
                .ns_id
                .iter()
                .skip(count.max(1))
                .all(|&id| id == PATTERN_ID);
            format!(
                "ok size={} count={} ns_id0={} pid0={} rest={}",
                out.size,
                out.count,
                out.ns_id[0],
                chain.levels.first().map_or(0, |l| l.pid),
                if kept { "kept" } else { "written" }
            )
        }
        Err(e) => name(&e),
    }
}

pub fn chain_bad() -> String {
    let module = match Module::open() {
        Ok(m) => m,
        Err(e) => return format!("open: {}", name(&e)),
    };
    let res = |r: io::Result<()>| r.map_or_else(|e| name(&e), |()| "ok".into());
    let mut out = Vec::new();
    // SAFETY: the kernel must fail cleanly on these pointers.
    out.push(format!(
        "null={}",
        res(unsafe { module.ioctl_ptr(PIDNS_GET_CHAIN, std::ptr::null_mut()) })
    ));
    // SAFETY: as above.
    out.push(format!(
        "unmapped={}",
        res(unsafe { module.ioctl_ptr(PIDNS_GET_CHAIN, 8 as *mut _) })
    ));
    // Two pages, the second inaccessible: structs that end in it.
    // SAFETY: an anonymous mapping of two pages, the second made inaccessible.
    let page = unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            8192,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        libc::mprotect(p.cast::<u8>().add(4096).cast(), 4096, libc::PROT_NONE);
        p.cast::<u8>()
    };
    // A struct whose first page holds its input fields (a valid request) and the rest lies in the
    // unmapped page: the answer (ns_id[0] at 568) cannot be written back.
    // SAFETY: 64 bytes before the end of the first page, inside the mapping.
    let arg = unsafe { page.add(4096 - 64) };
    // SAFETY: `arg` is writable for 64 bytes: `size` at 0, `pid` at 8.
    unsafe {
        std::ptr::write_bytes(arg, 0, 64);
        std::ptr::write(arg.cast::<u32>(), SIZE as u32);
        std::ptr::write(arg.add(8).cast::<i32>(), 1);
    }
    // SAFETY: as above: the kernel must stop at the unmapped page.
    out.push(format!(
        "straddling={}",
        res(unsafe { module.ioctl_ptr(PIDNS_GET_CHAIN, arg.cast()) })
    ));
    // The same with size 568 (no ns_id): the module reads the first 24 bytes and writes the
    // fields up to levels[count - 1], 56 bytes for PID 1 seen from the host (one level); the rest
    // of the 568 bytes is unmapped and never touched.
    // SAFETY: `arg` is writable for 64 bytes.
    unsafe { std::ptr::write(arg.cast::<u32>(), uapi::PIDNS_CHAIN_SIZE_VER0) };
    // SAFETY: as above.
    out.push(format!(
        "untouched-unmapped={}",
        res(unsafe { module.ioctl_ptr(PIDNS_GET_CHAIN, arg.cast()) })
    ));
    let mut req = module::zeroed();
    req.size = SIZE as u32;
    req.pid = 1;
    let size_bits = |size: u32| (PIDNS_GET_CHAIN & !(0x3fff << 16)) | (size << 16);
    let read_only = PIDNS_GET_CHAIN & !(1 << 30);
    for (name, nr) in [
        ("number", PIDNS_GET_CHAIN),
        ("other-nr", PIDNS_GET_CHAIN + 1),
        ("old-number", size_bits(uapi::PIDNS_CHAIN_SIZE_VER1)),
        ("ver0-number", size_bits(uapi::PIDNS_CHAIN_SIZE_VER0)),
        ("read-only-number", read_only),
    ] {
        // SAFETY: `req` is a live request of `SIZE` bytes.
        let r = unsafe { module.ioctl_ptr(nr, std::ptr::from_mut(&mut req).cast()) };
        out.push(format!("{name}={}", res(r)));
    }
    out.join(" ")
}

/// The 32-bit caller (ioctl32.c), built by build.rs.
static IOCTL32: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ioctl32"));

pub fn chain32(args: &[String]) -> String {
    use std::os::unix::fs::OpenOptionsExt;
    let Some(pid) = args.first() else {
        return "usage".into();
    };
    let path = std::env::temp_dir().join(format!("vmh-ioctl32-{}", std::process::id()));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o700)
        .open(&path)
        .and_then(|mut f| f.write_all(IOCTL32));
    let result = written.and_then(|()| std::process::Command::new(&path).arg(pid).output());
    let _ = std::fs::remove_file(&path);
    match result {
        Ok(out) => String::from_utf8_lossy(&out.stdout).trim_end().to_string(),
        Err(e) if e.raw_os_error() == Some(libc::ENOEXEC) => "no-ia32".into(),
        Err(e) => format!("run: {}", name(&e)),
    }
}

/// Forks a child that waits for a byte on a pipe, then exits; returns its PID and the pipe's
/// write end (closing it lets the child go).
fn waiting_child() -> io::Result<(i32, OwnedFd)> {
    waiting_child_as(None)
}

/// `struct clone_args` up to `set_tid_size` (`CLONE_ARGS_SIZE_VER1`, include/uapi/linux/sched.h).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
}

/// As [`waiting_child`], with the PID `pid` when given: `clone3()` with `set_tid`, which needs
/// CAP_SYS_ADMIN but not CONFIG_CHECKPOINT_RESTORE (that `/proc/sys/kernel/ns_last_pid` needs;
/// the debug kernel lacks it). `EEXIST` when a process has that PID.
fn waiting_child_as(pid: Option<i32>) -> io::Result<(i32, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: descriptors just returned to us.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let pid = match pid {
        // SAFETY: the child only reads and exits.
        None => unsafe { libc::fork() },
        Some(nr) => {
            let tid = [nr];
            let args = CloneArgs {
                exit_signal: libc::SIGCHLD as u64,
                set_tid: tid.as_ptr() as u64,
                set_tid_size: 1,
                ..CloneArgs::default()
            };
            // SAFETY: `args` and `tid` live across the call; without CLONE_VM or a stack the
            // child runs on a copy of this address space, as after fork(), and only reads and
            // exits (this program has one thread).
            let r = unsafe {
                libc::syscall(
                    libc::SYS_clone3,
                    std::ptr::from_ref(&args),
                    std::mem::size_of::<CloneArgs>(),
                )
            };
            r as i32
        }
    };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        drop(wr);
        let mut b = [0u8; 1];
        // SAFETY: reading into a local buffer, then leaving at once.
        unsafe {
            libc::read(rd.as_raw_fd(), b.as_mut_ptr().cast(), 1);
            libc::_exit(0);
        }
    }
    Ok((pid, wr))
}

fn reap(pid: i32) {
    let mut status = 0;
    // SAFETY: our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
}

pub fn reuse() -> String {
    let mut out = Vec::new();
    let Ok(mut module) = Module::open() else {
        return "open-failed".into();
    };
    let Ok((old, go)) = waiting_child() else {
        return "fork-failed".into();
    };
    let Ok(fd) = pidfd_open(old) else {
        return "pidfd_open-failed".into();
    };
    let by_fd = Query::pidfd(fd.as_raw_fd());
    let show = |r: io::Result<Chain>| match r {
        Ok(c) => format!("ok:{}", c.levels.last().map_or(0, |l| l.pid)),
        Err(e) => name(&e),
    };
    out.push(format!("alive={}", show(module.chain(&by_fd))));
    out.push(format!("alive-want=ok:{old}"));
    drop(go);
    reap(old);
    out.push(format!("reaped={}", show(module.chain(&by_fd))));
    // N@P with P the reaped child's pidfd: P is not a live process (it has no task).
    let ns_of_reaped = Query {
        target: Target::Pid(1),
        ns_of: Some(Target::Pidfd(fd.as_raw_fd())),
    };
    out.push(format!(
        "ns-of-reaped={}",
        show(module.chain(&ns_of_reaped))
    ));
    // Force the number onto a new process (clone3 with set_tid).
    let go = match waiting_child_as(Some(old)) {
        Ok((new, go)) if new == old => go,
        Ok((new, go)) => {
            drop(go);
            reap(new);
            out.push(format!("reused=no:got-{new}"));
            return out.join(" ");
        }
        Err(e) => {
            out.push(format!("reused=no:{}", name(&e)));
            return out.join(" ");
        }
    };
    out.push("reused=yes".into());
    out.push(format!("pidfd={}", show(module.chain(&by_fd))));
    out.push(format!("pidfd-proc={}", show(procfs::chain(&by_fd))));
    out.push(format!("pid={}", show(module.chain(&Query::pid(old)))));
    out.push(format!("pid-want=ok:{old}"));
    drop(go);
    reap(old);
    out.join(" ")
}

/// The namespaces of `pid`, outermost first: (inode, NS_GET_ID or 0).
fn namespaces(pid: i32) -> io::Result<Vec<(u64, u64)>> {
    let mut out: Vec<(u64, u64)> = procfs::ns_chain(pid)?
        .into_iter()
        .map(|(inode, id)| (inode, id.unwrap_or(0)))
        .collect();
    out.reverse();
    Ok(out)
}

/// What the host knows of one process: expected answer at every viewer level.
struct Expect {
    host_pid: i32,
    nspid: Vec<i32>,
    nstgid: Vec<i32>,
    ns: Vec<(u64, u64)>,
    comm: Vec<u8>,
    pidfd: OwnedFd,
}

fn expect(pid: i32) -> io::Result<Expect> {
    let status = std::fs::read(format!("/proc/{pid}/status"))?;
    let (mut nspid, mut nstgid) = (Vec::new(), Vec::new());
    procfs::parse_ns_field(&status, b"NSpid:", &mut nspid);
    procfs::parse_ns_field(&status, b"NStgid:", &mut nstgid);
    let mut comm = std::fs::read(format!("/proc/{pid}/comm"))?;
    comm.pop();
    Ok(Expect {
        host_pid: pid,
        nspid,
        nstgid,
        ns: namespaces(pid)?,
        comm,
        pidfd: pidfd_open(pid)?,
    })
}

/// The chain expected at viewer level `v`.
fn expected_at(e: &Expect, v: usize) -> Chain {
    Chain {
        comm: e.comm.clone(),
        levels: (v..e.nspid.len())
            .map(|k| pidns::Level {
                pid: e.nspid[k],
                tgid: e.nstgid[k],
                level: Some(k as u32),
                ns_inum: e.ns[k].0,
                ns_id: (e.ns[k].1 != 0).then_some(e.ns[k].1),
            })
            .collect(),
    }
}

/// Asks the text interface for `nr` and returns its read-back line.
fn read_back(nr: i32) -> io::Result<String> {
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/proc/pidns")?;
    f.write_all(format!("{nr}\n").as_bytes())?;
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    Ok(text.trim_end().to_string())
}

/// Checks every process of `procs` from the current task's namespace at level `v`; returns the
/// count of answers checked and the differences.
fn check_from(v: usize, procs: &[Expect]) -> (usize, Vec<String>) {
    let mut bad = Vec::new();
    let mut n = 0;
    let Ok(mut module) = Module::open() else {
        return (0, vec![format!("level {v}: open /proc/pidns failed")]);
    };
    for e in procs.iter().filter(|e| e.nspid.len() > v) {
        let want = expected_at(e, v);
        let nr = e.nspid[v];
        for (how, q) in [
            ("pid", Query::pid(nr)),
            ("pidfd", Query::pidfd(e.pidfd.as_raw_fd())),
        ] {
            n += 1;
            match module.chain(&q) {
                Ok(got) if got == want => {}
                Ok(got) => bad.push(format!(
                    "level {v}, host pid {} by {how}: got {got:?}, want {want:?}",
                    e.host_pid
                )),
                Err(err) => bad.push(format!(
                    "level {v}, host pid {} by {how}: {}",
                    e.host_pid,
                    name(&err)
                )),
            }
        }
        n += 1;
        let line = read_back(nr).unwrap_or_else(|e| name(&e));
        let fields = fields(&want);
        let want_line = format!("query={nr} {}", fields.lines().next().unwrap_or(""));
        if line != want_line {
            bad.push(format!(
                "level {v}, host pid {}: read-back {line:?}, want {want_line:?}",
                e.host_pid
            ));
        }
    }
    (n, bad)
}

/// Enters the PID namespace of `init` for the children forked from here on.
fn setns_pid(init: i32) -> io::Result<()> {
    let f = std::fs::File::open(format!("/proc/{init}/ns/pid"))?;
    // SAFETY: a valid namespace descriptor.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWPID) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Runs `f` in a child forked into the PID namespace of `init` (the host's with `None`); the
/// child writes its result as one line into a pipe.
fn in_ns(init: Option<i32>, f: impl FnOnce() -> String) -> String {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } < 0 {
        return "pipe-failed".into();
    }
    // SAFETY: descriptors just returned to us.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: vmh is single-threaded here; the child runs `f` and exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        drop(rd);
        let text = match init.map(setns_pid).transpose() {
            Ok(_) => {
                // setns() applies to children: one more fork to be inside.
                // SAFETY: as above.
                let inner = unsafe { libc::fork() };
                if inner == 0 {
                    let text = f();
                    let mut w = std::fs::File::from(wr);
                    let _ = w.write_all(text.as_bytes());
                    // SAFETY: leaving the child.
                    unsafe { libc::_exit(0) };
                }
                reap(inner);
                String::new()
            }
            Err(e) => format!("setns: {}", name(&e)),
        };
        let mut w = std::fs::File::from(wr);
        let _ = w.write_all(text.as_bytes());
        // SAFETY: leaving the child.
        unsafe { libc::_exit(0) };
    }
    drop(wr);
    let mut text = String::new();
    let _ = std::fs::File::from(rd).read_to_string(&mut text);
    reap(pid);
    text
}

pub fn check_levels(args: &[String]) -> String {
    let pids: Vec<i32> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let Some((_, inits)) = pids.split_last() else {
        return "usage".into();
    };
    let procs: Vec<Expect> = match pids.iter().map(|&p| expect(p)).collect() {
        Ok(p) => p,
        Err(e) => return format!("expect: {}", name(&e)),
    };
    let mut total = 0;
    let mut bad = Vec::new();
    for v in 0..=inits.len() {
        let init = if v == 0 { None } else { Some(inits[v - 1]) };
        let text = in_ns(init, || {
            let (n, b) = check_from(v, &procs);
            let mut s = format!("{n}\n");
            for line in b {
                s.push_str(&line);
                s.push('\n');
            }
            s
        });
        let mut lines = text.lines();
        match lines.next().and_then(|l| l.parse::<usize>().ok()) {
            Some(n) => total += n,
            None => bad.push(format!("level {v}: {text}")),
        }
        bad.extend(lines.map(String::from));
    }
    if bad.is_empty() {
        format!("ok {total}")
    } else {
        format!(
            "{} differences in {total} answers\n{}",
            bad.len(),
            bad.join("\n")
        )
    }
}

pub fn pidfd_outside(args: &[String]) -> String {
    let get = |i: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (init, host, inner) = (get(0), get(1), get(2));
    let (Ok(host_fd), Ok(inner_fd)) = (pidfd_open(host), pidfd_open(inner)) else {
        return "pidfd_open-failed".into();
    };
    let (h, i) = (host_fd.as_raw_fd(), inner_fd.as_raw_fd());
    in_ns(Some(init), move || {
        let Ok(mut m) = Module::open() else {
            return "open-failed".into();
        };
        let show = |r: io::Result<Chain>| match r {
            Ok(c) => format!(
                "ok:{}",
                c.levels
                    .iter()
                    .map(|l| l.pid.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Err(e) => name(&e),
        };
        let ns_of_host = Query {
            target: Target::Pid(1),
            ns_of: Some(Target::Pidfd(h)),
        };
        format!(
            "host={} inner={} ns-of-host={}",
            show(m.chain(&Query::pidfd(h))),
            show(m.chain(&Query::pidfd(i))),
            show(m.chain(&ns_of_host)),
        )
    })
}

pub fn nsid(args: &[String]) -> String {
    args.iter()
        .map(|p| {
            namespaces(p.parse().unwrap_or(0))
                .ok()
                .and_then(|v| v.last().map(|n| n.1.to_string()))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
