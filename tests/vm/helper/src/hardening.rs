//! Commands for the hardening tests: file positions, allocation failures, memory accounting.

use crate::errno_name;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;

fn open_rw() -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open("/proc/pidns")
}

fn result<T>(r: io::Result<T>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => errno_name(&e),
    }
}

/// `positional REQUEST`: on one open file, asks REQUEST, then tries lseek(0, SEEK_SET),
/// pread(16 bytes at 0) and pwrite(REQUEST at 0); prints the four results.
pub(crate) fn positional(request: &[u8]) -> String {
    let mut f = match open_rw() {
        Ok(f) => f,
        Err(e) => return errno_name(&e),
    };
    let asked = result(f.write(request));
    // SAFETY: a plain system call on an open fd.
    let rc = unsafe { libc::lseek(f.as_raw_fd(), 0, libc::SEEK_SET) };
    let seek = if rc < 0 {
        errno_name(&io::Error::last_os_error())
    } else {
        "ok".into()
    };
    let mut buf = [0u8; 16];
    let pread = result(f.read_at(&mut buf, 0));
    let pwrite = result(f.write_at(request, 0));
    format!("{asked} {seek} {pread} {pwrite}")
}

/// `reads CHUNK REQUEST`: asks REQUEST, then reads the answer back in `read()`s of CHUNK bytes;
/// prints the bytes read (or the errno name).
pub(crate) fn reads(chunk: usize, request: &[u8]) -> Result<Vec<u8>, String> {
    let mut f = open_rw().map_err(|e| errno_name(&e))?;
    f.write(request).map_err(|e| errno_name(&e))?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk.max(1)];
    loop {
        let n = f.read(&mut buf).map_err(|e| errno_name(&e))?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Whether `text` is a whole answer: complete lines, each a read-back line, and when `queries`
/// is given, one line per query in order (`all`: one or more `query=all` lines).
fn whole_answer(text: &[u8], queries: Option<&[String]>) -> bool {
    if text.is_empty() || !text.ends_with(b"\n") {
        return false;
    }
    let text = match std::str::from_utf8(text) {
        Ok(t) => t,
        Err(_) => return false,
    };
    let lines: Vec<&str> = text.lines().collect();
    let well_formed =
        |l: &&str| l.starts_with("query=") && (l.contains(" comm=") || l.ends_with(" error=ESRCH"));
    if !lines.iter().all(well_formed) {
        return false;
    }
    let Some(queries) = queries else {
        return true;
    };
    let mut rest = lines.as_slice();
    for q in queries {
        let prefix = format!("query={q} ");
        if q == "all" {
            let n = rest.iter().take_while(|l| l.starts_with(&prefix)).count();
            if n == 0 {
                return false;
            }
            rest = &rest[n..];
        } else {
            match rest.split_first() {
                Some((l, after)) if l.starts_with(&prefix) => rest = after,
                _ => return false,
            }
        }
    }
    rest.is_empty()
}

/// Sets or clears `/proc/self/make-it-fail` (fault injection for this task only) through `file`,
/// opened beforehand: opening it with faults on may itself fail.
fn make_it_fail(file: &mut File, on: bool) -> io::Result<()> {
    file.write_all(if on { b"1" } else { b"0" })
}

/// `faults N PID...`: N requests (single, batch, N@P, all; mixed), each system call on
/// `/proc/pidns` made with `/proc/self/make-it-fail` set, each followed by a read-back on the same file or on a fresh
/// one. Every result must be ok or a clean errno (ENOMEM, ESRCH), and every read-back an old
/// answer or the new one whole. Prints the tally: `requests=N ok=.. ESRCH=.. ENOMEM=..
/// reads=.. torn=.. other=..`, then any odd result.
pub(crate) fn faults(count: usize, pids: &[String]) -> String {
    let mut tally: std::collections::BTreeMap<String, usize> = Default::default();
    let mut odd = Vec::new();
    let pids: Vec<String> = if pids.is_empty() {
        vec!["1".into()]
    } else {
        pids.to_vec()
    };
    let requests: Vec<Vec<String>> = vec![
        vec![pids[0].clone()],
        pids.iter().chain(pids.iter()).cloned().collect(),
        vec![format!("1@{}", pids[pids.len() - 1]), pids[0].clone()],
        vec!["all".into()],
        vec!["all".into(), pids[0].clone()],
    ];
    // Everything this task needs is allocated before faults are switched on.
    let mut file = match open_rw() {
        Ok(f) => Some(f),
        Err(e) => return format!("open: {}", errno_name(&e)),
    };
    let mut buf = vec![0u8; 4 << 20];
    let texts: Vec<Vec<u8>> = requests.iter().map(|r| r.join(" ").into_bytes()).collect();
    // What reading `file` back must give when its last write failed: the answer of request
    // `pending` if it was not read yet, nothing if it was, or (`new_file`: the file has not
    // answered yet) the namespace's latest answer.
    let mut pending: Option<usize> = None;
    let mut new_file = true;
    let mut switch = match OpenOptions::new()
        .write(true)
        .open("/proc/self/make-it-fail")
    {
        Ok(f) => f,
        Err(e) => return format!("make-it-fail: {}", errno_name(&e)),
    };
    // Faults are switched on around each system call on /proc/pidns only: this program's own
    // memory (malloc's mmap and brk) must not fail, or it would abort.
    let mut faulty = |on: bool| {
        while make_it_fail(&mut switch, on).is_err() {}
    };
    // Room for any answer here (a few KiB), reserved before faults are on.
    let mut text: Vec<u8> = Vec::with_capacity(1 << 20);
    for i in 0..count {
        let which = i % requests.len();
        if file.is_none() {
            faulty(true);
            let opened = open_rw();
            faulty(false);
            match opened {
                Ok(f) => {
                    file = Some(f);
                    pending = None;
                    new_file = true;
                }
                Err(e) => {
                    *tally.entry(format!("open-{}", errno_name(&e))).or_default() += 1;
                    continue;
                }
            }
        }
        let Some(f) = file.as_mut() else { continue };
        faulty(true);
        let wrote = f.write(&texts[which]);
        faulty(false);
        let written = match wrote {
            Ok(_) => "ok".to_string(),
            Err(e) => errno_name(&e),
        };
        *tally.entry(written.clone()).or_default() += 1;
        let answered = written == "ok" || written == "ESRCH";
        // The file's unread answer before this write, and after it.
        let unread_before = pending;
        if answered {
            pending = Some(which);
            new_file = false;
        }
        if !answered && written != "ENOMEM" {
            odd.push(format!(
                "request {i} ({}): {written}",
                requests[which].join(" ")
            ));
        }
        // Read back: on the same file every other time, else on a fresh one.
        let fresh = i % 2 == 1;
        text.clear();
        faulty(true);
        let read = if fresh {
            match open_rw() {
                Ok(mut g) => read_all(&mut g, &mut buf, &mut text),
                Err(e) => Err(e),
            }
        } else {
            read_all(f, &mut buf, &mut text)
        };
        faulty(false);
        if let Err(e) = read {
            *tally.entry(format!("read-{}", errno_name(&e))).or_default() += 1;
            continue;
        }
        *tally.entry("reads".into()).or_default() += 1;
        let whole = if fresh {
            // The latest answer of this namespace: this task's last answered request.
            text.is_empty() || whole_answer(&text, None)
        } else if answered {
            whole_answer(&text, Some(&requests[which]))
        } else if new_file {
            // Not answered yet: the namespace's latest answer, or the rest of it.
            text.is_empty() || whole_answer(&text, None)
        } else {
            // Not answered: the old answer stays, read on from where it was.
            match unread_before {
                Some(p) => whole_answer(&text, Some(&requests[p])),
                None => text.is_empty(),
            }
        };
        if !fresh {
            pending = None;
        }
        if !whole {
            *tally.entry("torn".into()).or_default() += 1;
            odd.push(format!(
                "request {i} ({}, {written}): read back {:?}",
                requests[which].join(" "),
                String::from_utf8_lossy(&text[..text.len().min(200)])
            ));
        }
        // Now and then start over with a fresh file.
        if i % 7 == 6 {
            file = None;
        }
    }
    let mut out = format!("requests={count}");
    for (k, v) in &tally {
        out.push_str(&format!(" {k}={v}"));
    }
    for o in odd.iter().take(10) {
        out.push_str(&format!("\n# {o}"));
    }
    out
}

fn read_all(f: &mut File, buf: &mut [u8], out: &mut Vec<u8>) -> io::Result<()> {
    loop {
        let n = f.read(buf)?;
        if n == 0 {
            return Ok(());
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Reads a cgroup's `memory.current`.
fn memory_current(cgroup: &str) -> u64 {
    std::fs::read_to_string(format!("{cgroup}/memory.current"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// `charge CGROUP BIG SMALL`: moves this process into CGROUP, then on one open file asks the
/// request in file BIG and the one in file SMALL; prints the two results and the cgroup's
/// `memory.current` before, after BIG and after SMALL (bytes).
pub(crate) fn charge(cgroup: &str, big: &str, small: &str) -> String {
    let (big, small) = match (std::fs::read(big), std::fs::read(small)) {
        (Ok(b), Ok(s)) => (b, s),
        _ => return "cannot read the request files".into(),
    };
    if let Err(e) = std::fs::write(
        format!("{cgroup}/cgroup.procs"),
        std::process::id().to_string(),
    ) {
        return format!("join cgroup: {}", errno_name(&e));
    }
    let mut f = match open_rw() {
        Ok(f) => f,
        Err(e) => return errno_name(&e),
    };
    let before = memory_current(cgroup);
    let r_big = result(f.write(&big));
    let after_big = memory_current(cgroup);
    let r_small = result(f.write(&small));
    let after_small = memory_current(cgroup);
    let _ = io::stdout().flush();
    format!("{r_big} {r_small} {before} {after_big} {after_small}")
}

/// `nscycle N`: N times, a new PID namespace whose PID 1 asks `/proc/pidns` for itself, then
/// exits. A namespace that cannot be made at once (`ENOSPC`: `user.max_pid_namespaces`) is tried
/// again for up to 60 s, while the dead ones are freed (after two RCU grace periods, which under
/// TCG or with lazy RCU can take seconds). Prints N, or
/// how many were made and the errno that stopped it.
pub(crate) fn nscycle(count: usize) -> String {
    for done in 0..count {
        let mut waited = 0;
        loop {
            match new_namespace_asks() {
                Ok(()) => break,
                Err(e) if e == libc::ENOSPC && waited < 1200 => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    waited += 1;
                }
                Err(e) => {
                    return format!("{done} {}", errno_name(&io::Error::from_raw_os_error(e)))
                }
            }
        }
    }
    count.to_string()
}

/// A child unshares its PID namespace and forks that namespace's PID 1, which writes `1` to
/// `/proc/pidns` and exits. `Err(errno)` of the step that failed (`EIO`: the write).
fn new_namespace_asks() -> Result<(), i32> {
    // SAFETY: fork in a single-threaded process; the child makes only system calls and exits.
    let child = unsafe { libc::fork() };
    if child == 0 {
        // SAFETY: plain system calls; `_exit` ends the child without the parent's exit handlers.
        unsafe {
            if libc::unshare(libc::CLONE_NEWPID) != 0 {
                libc::_exit(io::Error::last_os_error().raw_os_error().unwrap_or(1));
            }
            let init = libc::fork();
            if init == 0 {
                let ok = std::fs::write("/proc/pidns", "1").is_ok();
                libc::_exit(if ok { 0 } else { libc::EIO });
            }
            if init < 0 {
                libc::_exit(io::Error::last_os_error().raw_os_error().unwrap_or(1));
            }
            let mut status = 0;
            libc::waitpid(init, &mut status, 0);
            libc::_exit(libc::WEXITSTATUS(status));
        }
    }
    if child < 0 {
        return Err(io::Error::last_os_error().raw_os_error().unwrap_or(1));
    }
    let mut status = 0;
    // SAFETY: waits for our own child.
    unsafe { libc::waitpid(child, &mut status, 0) };
    match libc::WEXITSTATUS(status) {
        0 => Ok(()),
        e => Err(e),
    }
}

/// `named NAME`: sets this process's command name (prctl PR_SET_NAME, at most 15 bytes) and
/// sleeps until killed.
pub(crate) fn named(name: &[u8]) -> ! {
    let mut buf = [0u8; 16];
    let n = name.len().min(15);
    buf[..n].copy_from_slice(&name[..n]);
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
    unsafe { libc::prctl(libc::PR_SET_NAME, buf.as_ptr()) };
    loop {
        std::thread::park();
    }
}
