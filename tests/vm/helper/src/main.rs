//! `vmh`: system calls for the guest tests, reporting the exact errno.
//!
//! Python starts in about a second under TCG; this starts in milliseconds, and the guest tests
//! call it hundreds of times.

mod check_all;
mod hardening;
mod ioctl;
mod isolation;
mod report;

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::process::exit;
use std::time::{Duration, Instant};
use support::kmod;
use support::nest::{Nest, Options as NestOptions};

const USAGE: &str = "\
usage: vmh COMMAND ...
  write PATH DATA          one open(O_WRONLY) + one write() of DATA; prints ok or the errno name
  ask REQUEST              one open(O_RDWR) of /proc/pidns, one write() of REQUEST, then reads
                           back to EOF on the same file: prints the write's result, then the text
  write-file PATH FILE [CHUNK]
                           like write, with the bytes of FILE as DATA; with CHUNK, one open and
                           write() per CHUNK bytes of FILE, every result printed
  writes DATA...           one open(O_RDWR) of /proc/pidns, one write() per DATA; prints each
                           result, then what reading the file back gives
  reads CHUNK REQUEST      asks REQUEST, then reads the answer back in read()s of CHUNK bytes;
                           prints the bytes read
  positional REQUEST       on one open file: asks REQUEST, then lseek(0), pread() and pwrite();
                           prints the four results (ok or the errno name)
  faults N PID...          N mixed requests (PIDs, batches, N@P with the last PID, all), each
                           read back on the same or a fresh file, with /proc/self/make-it-fail
                           set; prints requests=N and the count of each result, `torn` for a
                           read-back that is neither the old answer nor the new one whole
  flood N REQUEST          one open(O_RDWR) of /proc/pidns, N write()s of REQUEST; prints how
                           many succeeded and the seconds they took
  stalled-write            thread A writes /proc/pidns from a userfaultfd page nobody serves; a
                           child B reads the same file, is killed with SIGKILL and waited for
                           (at most 1 s); then the page is served. Prints A's state while
                           stalled, whether B was reaped (and in how many ms) and A's result
  charge CGROUP BIG SMALL  joins CGROUP, asks the request in file BIG then the one in file
                           SMALL on one file; prints both results and memory.current before,
                           after BIG and after SMALL
  nscycle N                N times: a new PID namespace whose PID 1 writes `1` to /proc/pidns
                           and exits (ENOSPC retried for 2 s); prints N or where it stopped
  named NAME               sets its command name to NAME (PR_SET_NAME), then sleeps until killed
  load KO [PARAMS]         finit_module(KO, PARAMS); prints ok or the errno name
  kmsg [SEQ]               kernel log records after sequence number SEQ as SEQ<TAB>TEXT, read
                           from /dev/kmsg; without SEQ, the last sequence number
  hammer PATH DATA SECONDS [READY]
                           writes DATA in a loop for SECONDS, creating READY after the first
                           success; prints the count of successes and NAME=COUNT per errno
  nest DEPTH               a process named `sleep` DEPTH PID namespaces down (1 to 32), the nest
                           the bench uses too (tests/support): each level's PID 1 unshares the
                           next PID namespace and forks its PID 1; each PID 1 has a mount
                           namespace of its own with its namespace's /proc (as with `unshare
                           --pid --fork --mount-proc`). Runs until killed (killing it, or PID 1
                           of level 1, ends the nest). Once all is up it prints one line: the
                           host PIDs of PID 1 of levels 1..DEPTH, then the sleeper's.
  log SEQ [pidns|reports]  the text of kernel log records after SEQ (see kmsg); `pidns`: only
                           pidns lines, without the out-of-tree taint notice; `reports`: only
                           lines of kernel reports (BUG, WARNING, KASAN, lockdep, RCU, ...)
  churn SECONDS [STOP [LAST]]
                           forks short-lived children (each exits at once) for SECONDS, or until
                           the file STOP exists, writing each child's PID into the file LAST;
                           prints how many it forked
  stress THREADS QUERIES MAXPID|@LAST
                           THREADS threads, each with its own open /proc/pidns, each sending
                           QUERIES queries in requests that mix single PIDs (1..MAXPID; or the 16
                           PIDs up to the one in file LAST: churn's newest, forking or exiting),
                           batches of 16, N@1 and `all`; prints the count of requests per
                           result (ok, ESRCH) and any other errno or bad read-back
  check-all                asks `all`, then every listed PID in one batch, and compares each
                           answer with /proc/PID/status, comm and ns/pid of the caller's /proc;
                           prints `ok N processes` or the differences
  cycles KO N REQUEST      N times: load KO, ask REQUEST and read the answer, unload
                           (delete_module, as rmmod), check /proc/pidns is gone; prints N, or
                           the cycles done and the step that failed
  nsinum PID...            the inode of each PID's PID namespace (`readlink /proc/PID/ns/pid`
                           without `pid:[...]`), one a line
  threads N                a process with N extra threads that sleep; runs until killed
  concurrent THREADS ROUNDS PID...
                           THREADS threads, each with its own open /proc/pidns, each writing a
                           PID and reading it back ROUNDS times; prints ok or the mismatches
DATA and REQUEST take the escapes \\n \\t \\\\ and \\xNN.";

/// The errno's symbolic name, as the tests compare it (the pidns library's table).
pub(crate) fn errno_name(e: &io::Error) -> String {
    pidns::errno_name(e)
}

/// Decodes the escapes \n \t \\ and \xNN.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'\\' => out.push(b'\\'),
                b'x' if i + 3 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(v) => {
                            out.push(v);
                            i += 4;
                            continue;
                        }
                        Err(_) => out.extend_from_slice(&b[i..i + 2]),
                    }
                }
                other => out.extend_from_slice(&[b'\\', other]),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// One open, one write.
fn write_once(path: &str, data: &[u8]) -> String {
    let mut f = match OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) => return errno_name(&e),
    };
    match f.write(data) {
        Ok(n) if n == data.len() => "ok".into(),
        Ok(n) => format!("short write {n}/{}", data.len()),
        Err(e) => errno_name(&e),
    }
}

/// One request on one open file: the write's result and the text read back.
fn ask(request: &[u8]) -> (String, Vec<u8>) {
    let mut f = match OpenOptions::new()
        .read(true)
        .write(true)
        .open("/proc/pidns")
    {
        Ok(f) => f,
        Err(e) => return (errno_name(&e), Vec::new()),
    };
    let result = match f.write(request) {
        Ok(_) => "ok".to_string(),
        Err(e) => errno_name(&e),
    };
    let mut text = Vec::new();
    if let Err(e) = f.read_to_end(&mut text) {
        return (format!("{result} (read: {})", errno_name(&e)), text);
    }
    (result, text)
}

/// Several writes on one open file; their results, then the read-back.
fn writes(datas: &[String]) -> (Vec<String>, Vec<u8>) {
    let mut f = match OpenOptions::new()
        .read(true)
        .write(true)
        .open("/proc/pidns")
    {
        Ok(f) => f,
        Err(e) => return (vec![errno_name(&e)], Vec::new()),
    };
    let results = datas
        .iter()
        .map(|d| match f.write(&unescape(d)) {
            Ok(_) => "ok".to_string(),
            Err(e) => errno_name(&e),
        })
        .collect();
    let mut text = Vec::new();
    let _ = f.read_to_end(&mut text);
    (results, text)
}

/// `finit_module(KO, PARAMS)`, as insmod does it; ok or the errno name.
fn load(ko: &str, params: &str) -> String {
    status(kmod::load(std::path::Path::new(ko), params))
}

/// `delete_module("pidns")`, as `rmmod` does it; ok or the errno name.
fn unload() -> String {
    status(kmod::unload())
}

fn status(result: io::Result<()>) -> String {
    match result {
        Ok(()) => "ok".into(),
        Err(e) => errno_name(&e),
    }
}

/// `count` cycles of: load `ko`, ask `request` and read an answer back, unload, check that
/// /proc/pidns is gone. Returns how many cycles completed, and what failed first.
fn cycles(ko: &str, count: u32, request: &[u8]) -> String {
    for done in 0..count {
        let step = load(ko, "");
        if step != "ok" {
            return format!("{done} load:{step}");
        }
        let (result, text) = ask(request);
        if result != "ok" || !text.starts_with(b"query=") {
            return format!("{done} ask:{result}");
        }
        let step = unload();
        if step != "ok" {
            return format!("{done} unload:{step}");
        }
        if std::path::Path::new("/proc/pidns").exists() {
            return format!("{done} /proc/pidns-left-behind");
        }
    }
    format!("{count}")
}

/// Kernel log records (sequence number, text) after `after`, or all of them.
/// A record's text as `dmesg` shows it: /dev/kmsg writes `\` and unprintable bytes as `\xNN`.
fn kmsg_unescape(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 2..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.map(|h| u8::from_str_radix(h, 16)) {
            Some(Ok(v)) if b[i] == b'\\' && b[i + 1] == b'x' => {
                out.push(v);
                i += 4;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn kmsg(after: Option<u64>) -> Vec<(u64, String)> {
    let mut f = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open("/dev/kmsg")
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!("vmh: /dev/kmsg: {e}");
            exit(1);
        }
    };
    let mut records = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let rec = String::from_utf8_lossy(&buf[..n]);
                let (prefix, text) = rec.split_once(';').unwrap_or(("", ""));
                let seq = prefix
                    .split(',')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                // Continuation lines carry KEY=value dictionaries.
                let text = kmsg_unescape(text.split('\n').next().unwrap_or(""));
                if after.is_none_or(|a| seq > a) {
                    records.push((seq, text));
                }
            }
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => break,
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue, // overwritten: go on
            Err(e) => {
                eprintln!("vmh: /dev/kmsg: {e}");
                exit(1);
            }
        }
    }
    records
}

fn hammer(path: &str, data: &[u8], seconds: f64, ready: Option<&str>) -> String {
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let mut done = 0u64;
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    while Instant::now() < end {
        let r = write_once(path, data);
        if r == "ok" {
            done += 1;
            if done == 1 {
                if let Some(ready) = ready {
                    let _ = File::create(ready);
                }
            }
        } else {
            *failures.entry(r).or_default() += 1;
        }
    }
    let mut out = done.to_string();
    for (k, v) in failures {
        out.push_str(&format!(" {k}={v}"));
    }
    out
}

fn concurrent(threads: usize, rounds: usize, pids: Vec<String>) -> String {
    let pids = std::sync::Arc::new(pids);
    let workers: Vec<_> = (0..threads)
        .map(|w| {
            let pids = pids.clone();
            std::thread::spawn(move || -> usize {
                let Ok(mut f) = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open("/proc/pidns")
                else {
                    return rounds;
                };
                let mut bad = 0;
                let mut buf = vec![0u8; 65536];
                for r in 0..rounds {
                    let want = &pids[(w + r) % pids.len()];
                    let ok = f.write(format!("{want}\n").as_bytes()).is_ok()
                        && f.read(&mut buf).is_ok_and(|n| {
                            buf[..n].starts_with(format!("query={want} ").as_bytes())
                        });
                    bad += usize::from(!ok);
                }
                bad
            })
        })
        .collect();
    let bad: usize = workers
        .into_iter()
        .map(|w| w.join().unwrap_or(rounds))
        .sum();
    if bad == 0 {
        "ok".into()
    } else {
        format!("{bad} mismatches")
    }
}

fn churn(seconds: f64, stop: Option<&str>, last: Option<&str>) -> u64 {
    use std::os::unix::fs::FileExt;
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let last = last.and_then(|path| File::create(path).ok());
    let mut forked = 0;
    while Instant::now() < end {
        if forked % 64 == 0 && stop.is_some_and(|f| std::path::Path::new(f).exists()) {
            break;
        }
        // SAFETY: the child only calls `_exit`.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: leaving the child at once, without running any Rust code.
            unsafe { libc::_exit(0) };
        }
        if pid > 0 {
            forked += 1;
            if let Some(f) = &last {
                let _ = f.write_at(format!("{pid:<16}").as_bytes(), 0);
            }
            let mut status = 0;
            // SAFETY: reaping our own child.
            unsafe { libc::waitpid(pid, &mut status, 0) };
        }
    }
    forked
}

/// A small xorshift generator: the mix of queries need not be cryptographic.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The number in file `f` (the PID `churn` forked last).
fn last_pid(f: &File) -> u64 {
    use std::os::unix::fs::FileExt;
    let mut buf = [0u8; 16];
    let n = f.read_at(&mut buf, 0).unwrap_or(0);
    std::str::from_utf8(&buf[..n])
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1)
}

/// PIDs from 1 to `maxpid`; or, with `maxpid` 0, among the 16 PIDs before the one in file
/// `newest` (the PID `churn` forked last: processes being forked, exiting or just reaped).
fn stress(threads: u64, queries: u64, maxpid: u64, newest: Option<String>) -> String {
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let newest = newest.clone();
            std::thread::spawn(move || -> BTreeMap<String, u64> {
                let mut tally = BTreeMap::new();
                let Ok(mut f) = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open("/proc/pidns")
                else {
                    tally.insert("open-failed".to_string(), 1);
                    return tally;
                };
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (t + 1));
                let mut buf = vec![0u8; 1 << 20];
                let mut sent = 0;
                let last = newest.as_ref().map(File::open);
                while sent < queries {
                    let newest = match &last {
                        Some(Ok(f)) => last_pid(f),
                        _ => 0,
                    };
                    let pid = |rng: &mut Rng| match maxpid {
                        0 => newest.saturating_sub(rng.below(16)).max(1),
                        _ => 1 + rng.below(maxpid),
                    };
                    let (request, n) = match rng.below(100) {
                        0 => ("all".to_string(), 1),
                        1..=9 => {
                            let batch: Vec<String> =
                                (0..16).map(|_| pid(&mut rng).to_string()).collect();
                            (batch.join(" "), 16)
                        }
                        10..=19 => (format!("{}@1", pid(&mut rng)), 1),
                        _ => (pid(&mut rng).to_string(), 1),
                    };
                    sent += n;
                    let result = match f.write(request.as_bytes()) {
                        Ok(_) => "ok".to_string(),
                        Err(e) => errno_name(&e),
                    };
                    if result == "EIO" {
                        // The file was removed (rmmod): every further write would fail too.
                        *tally.entry(result).or_default() += 1;
                        break;
                    }
                    // Every answer must read back as lines for this request's queries.
                    match f.read(&mut buf) {
                        Ok(len) if buf[..len].starts_with(b"query=") => {}
                        Ok(_) => *tally.entry("bad-read-back".to_string()).or_default() += 1,
                        Err(e) => {
                            *tally.entry(format!("read-{}", errno_name(&e))).or_default() += 1
                        }
                    }
                    *tally.entry(result).or_default() += 1;
                }
                tally
            })
        })
        .collect();
    let mut total: BTreeMap<String, u64> = BTreeMap::new();
    for w in workers {
        for (k, v) in w.join().unwrap_or_default() {
            *total.entry(k).or_default() += v;
        }
    }
    total
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `vmh nest DEPTH`: a process named `sleep` DEPTH PID namespaces below this one, each namespace
/// with PID 1 in a mount namespace of its own with its own /proc, as a container has. Prints the
/// host PIDs of every level's PID 1 and of the sleeper on one line once the nest is up, then
/// waits to be killed; killing it, or the first PID 1, ends the whole nest (support::nest).
fn nest(depth: &str) -> ! {
    let Some(depth) = depth.parse::<usize>().ok().filter(|d| (1..=32).contains(d)) else {
        eprintln!("vmh nest: DEPTH must be 1 to 32");
        exit(2)
    };
    let options = NestOptions {
        own_proc: true,
        target_name: Some(c"sleep"),
    };
    match Nest::spawn(depth + 1, options) {
        Ok(nest) => {
            let pids: Vec<String> = nest
                .inits
                .iter()
                .chain([&nest.target])
                .map(i32::to_string)
                .collect();
            let mut out = io::stdout().lock();
            let _ = writeln!(out, "{}", pids.join(" "));
            let _ = out.flush();
            // The nest lives as long as this process: its guard is never dropped.
            support::sys::sleep_forever()
        }
        Err(e) => {
            eprintln!("vmh nest: {e}");
            exit(1)
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| -> &str {
        args.get(i).map(String::as_str).unwrap_or_else(|| {
            eprintln!("{USAGE}");
            exit(2)
        })
    };
    match arg(1) {
        "write" => println!("{}", write_once(arg(2), &unescape(arg(3)))),
        "ask" => {
            let (result, text) = ask(&unescape(arg(2)));
            println!("{result}");
            let _ = io::stdout().write_all(&text);
        }
        "write-file" => match (std::fs::read(arg(3)), args.get(4).map(|c| c.parse())) {
            (Ok(data), None) => println!("{}", write_once(arg(2), &data)),
            (Ok(data), Some(Ok(chunk))) if chunk > 0 => {
                let results: Vec<String> =
                    data.chunks(chunk).map(|c| write_once(arg(2), c)).collect();
                println!("{}", results.join(" "));
            }
            (Ok(_), Some(_)) => {
                eprintln!("{USAGE}");
                exit(2)
            }
            (Err(e), _) => println!("{}", errno_name(&e)),
        },
        "writes" => {
            let (results, text) = writes(&args[2..]);
            println!("{}", results.join(" "));
            let _ = io::stdout().write_all(&text);
        }
        "reads" => match hardening::reads(arg(2).parse().unwrap_or(1), &unescape(arg(3))) {
            Ok(bytes) => {
                let _ = io::stdout().write_all(&bytes);
            }
            Err(e) => println!("{e}"),
        },
        "positional" => println!("{}", hardening::positional(&unescape(arg(2)))),
        "faults" => println!(
            "{}",
            hardening::faults(arg(2).parse().unwrap_or(1), &args[3..])
        ),
        "flood" => println!(
            "{}",
            isolation::flood(arg(2).parse().unwrap_or(1), &unescape(arg(3)))
        ),
        "stalled-write" => println!("{}", isolation::stalled_write()),
        "charge" => println!("{}", hardening::charge(arg(2), arg(3), arg(4))),
        "nscycle" => println!("{}", hardening::nscycle(arg(2).parse().unwrap_or(1))),
        "named" => hardening::named(&unescape(arg(2))),
        "load" => println!("{}", load(arg(2), args.get(3).map_or("", String::as_str))),
        "kmsg" => match args.get(2) {
            Some(seq) => {
                let seq = seq.parse().unwrap_or(0);
                let mut out = io::stdout().lock();
                for (s, text) in kmsg(Some(seq)) {
                    let _ = writeln!(out, "{s}\t{text}");
                }
            }
            None => println!("{}", kmsg(None).last().map_or(0, |r| r.0)),
        },
        "hammer" => {
            let seconds = arg(4).parse().unwrap_or(1.0);
            println!(
                "{}",
                hammer(
                    arg(2),
                    &unescape(arg(3)),
                    seconds,
                    args.get(5).map(String::as_str)
                )
            );
        }
        "nest" => nest(arg(2)),
        "churn" => println!(
            "{}",
            churn(
                arg(2).parse().unwrap_or(1.0),
                args.get(3).map(String::as_str),
                args.get(4).map(String::as_str)
            )
        ),
        "stress" => println!(
            "{}",
            match arg(4).strip_prefix('@') {
                Some(newest) => stress(
                    arg(2).parse().unwrap_or(1),
                    arg(3).parse().unwrap_or(1),
                    0,
                    Some(newest.to_string())
                ),
                None => stress(
                    arg(2).parse().unwrap_or(1),
                    arg(3).parse().unwrap_or(1),
                    arg(4).parse().unwrap_or(1000),
                    None
                ),
            }
        ),
        "concurrent" => {
            let threads = arg(2).parse().unwrap_or(1);
            let rounds = arg(3).parse().unwrap_or(1);
            println!("{}", concurrent(threads, rounds, args[4..].to_vec()));
        }
        "check-all" => println!("{}", check_all::check_all()),
        "cycles" => println!(
            "{}",
            cycles(arg(2), arg(3).parse().unwrap_or(1), &unescape(arg(4)))
        ),
        "nsinum" => {
            for pid in &args[2..] {
                let link = std::fs::read_link(format!("/proc/{pid}/ns/pid"));
                let link = link
                    .map(|l| l.to_string_lossy().into_owned())
                    .unwrap_or_default();
                println!("{}", check_all::ns_inode(&link));
            }
        }
        "log" => {
            let seq = arg(2).parse().unwrap_or(0);
            let mut out = io::stdout().lock();
            for (_, text) in kmsg(Some(seq)) {
                if report::log_filter(args.get(3).map(String::as_str), &text) {
                    let _ = writeln!(out, "{text}");
                }
            }
        }
        "threads" => {
            for _ in 0..arg(2).parse().unwrap_or(1) {
                std::thread::spawn(|| loop {
                    std::thread::park();
                });
            }
            loop {
                std::thread::park();
            }
        }
        "chain" => println!("{}", ioctl::chain(&args[2..])),
        "chain-raw" => println!("{}", ioctl::chain_raw(&args[2..])),
        "chain-bad" => println!("{}", ioctl::chain_bad()),
        "reuse" => println!("{}", ioctl::reuse()),
        "check-levels" => println!("{}", ioctl::check_levels(&args[2..])),
        "pidfd-outside" => println!("{}", ioctl::pidfd_outside(&args[2..])),
        "nsid" => println!("{}", ioctl::nsid(&args[2..])),
        "chain32" => println!("{}", ioctl::chain32(&args[2..])),
        "-h" | "--help" => println!("{USAGE}\n{}", ioctl::USAGE),
        _ => {
            eprintln!("{USAGE}");
            exit(2)
        }
    }
}
