//! `pidns`: a process's PID in every PID namespace it lives in, as the pidns kernel log shows
//! it, through the pidns module's ioctl or, without the module, through /proc.

use pidns::{describe, format_json, format_log, procfs, Asker, Prefer, Query, Target};
use std::io::{self, BufWriter, Write};
use std::process::exit;

const USAGE: &str = "\
Usage: pidns [OPTIONS] PID|N@P...
       pidns [OPTIONS] --all

Prints each process's PID in every PID namespace it lives in, from the caller's own namespace
down to the process's, as the pidns module logs it (deepest first, outer levels indented):

  pid 2 (sleep) level 2 ns pid:[4026532115]
    pid 3 level 1 ns pid:[4026532113]
      pid 84 level 0 ns pid:[4026531836]

  PID        a process, by its PID in the caller's PID namespace
  N@P        PID N in the PID namespace of process P (P a PID in the caller's namespace)
  --all      every process the caller's /proc lists
  --json     one JSON object per process, one a line: query, source, comm, and per level
             (outermost first) level, pid, tgid, ns (inode) and ns_id (null where not known)
  --pidfd    open a pidfd for each PID (and P) first and ask by it
  --proc     do not use the module: /proc/PID/status, /proc/PID/ns/pid and nsfs only
  --module   use the module only (fail if /proc/pidns cannot be opened)
  --verbose  say on stderr which source answered, and why the module was not used
  -h, --help this text

Uses the PIDNS_GET_CHAIN ioctl on /proc/pidns when it can open it (the module is loaded and
the caller is root), else /proc, which cannot tell the namespaces' depths from inside a PID
namespace (shown as `level ?`).
Exit status: 0 if every process was found, 1 if one was not (one line on stderr each) or an
error occurred, 2 for a usage error.
";

struct Options {
    all: bool,
    json: bool,
    pidfd: bool,
    verbose: bool,
    prefer: Prefer,
    queries: Vec<String>,
}

fn usage_error(msg: &str) -> ! {
    eprintln!("pidns: {msg}");
    eprintln!("Try 'pidns --help'.");
    exit(2)
}

fn parse_args() -> Options {
    let mut o = Options {
        all: false,
        json: false,
        pidfd: false,
        verbose: false,
        prefer: Prefer::Any,
        queries: Vec::new(),
    };
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                exit(0)
            }
            "--all" => o.all = true,
            "--json" => o.json = true,
            "--pidfd" => o.pidfd = true,
            "--verbose" | "-v" => o.verbose = true,
            "--proc" => o.prefer = Prefer::Proc,
            "--module" => o.prefer = Prefer::Module,
            s if s.starts_with('-') => usage_error(&format!("unknown option {s}")),
            s => o.queries.push(s.to_string()),
        }
    }
    if o.all != o.queries.is_empty() {
        usage_error("give PIDs (or N@P) or --all");
    }
    o
}

/// A pidfd for `pid`, closed on drop.
struct Pidfd(i32);

impl Pidfd {
    fn open(pid: i32) -> io::Result<Pidfd> {
        // SAFETY: pidfd_open takes a PID and flags; no memory is passed.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Pidfd(fd as i32))
    }
}

impl Drop for Pidfd {
    fn drop(&mut self) {
        // SAFETY: the descriptor is ours and closed once, here.
        unsafe { libc::close(self.0) };
    }
}

/// Turns the PIDs of `query` into pidfds (kept open in `fds`) when `--pidfd` asks for it.
fn by_pidfd(query: Query, fds: &mut Vec<Pidfd>) -> io::Result<Query> {
    let mut convert = |t: Target| -> io::Result<Target> {
        match t {
            Target::Pid(nr) => {
                let fd = Pidfd::open(nr)?;
                let raw = fd.0;
                fds.push(fd);
                Ok(Target::Pidfd(raw))
            }
            other => Ok(other),
        }
    };
    Ok(match query.ns_of {
        // N@P: P becomes a pidfd; N is a number in P's namespace.
        Some(owner) => Query {
            target: query.target,
            ns_of: Some(convert(owner)?),
        },
        None => Query {
            target: convert(query.target)?,
            ns_of: None,
        },
    })
}

/// Stops at a failed write to stdout: `pidns: write error: No space left on device (ENOSPC)`,
/// exit 1. (A closed pipe never gets here: SIGPIPE ends the command first, as it ends `ls`.)
fn write_failed(e: &io::Error) -> ! {
    eprintln!("pidns: write error: {}", describe(e));
    exit(1)
}

fn main() {
    // As `ls | head`: a reader that goes away ends the command quietly (Rust's runtime ignores
    // SIGPIPE, which would turn it into an EPIPE error to report).
    // SAFETY: restoring a signal's default disposition at start, before any thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let o = parse_args();
    let (mut asker, why_not) = match Asker::open(o.prefer) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("pidns: /proc/pidns: {e}");
            exit(1)
        }
    };
    if o.verbose {
        match (&asker, why_not) {
            (Asker::Module(_), _) => {
                eprintln!("pidns: source: module (PIDNS_GET_CHAIN on /proc/pidns)")
            }
            (Asker::Proc, Some(e)) => eprintln!(
                "pidns: source: proc (/proc/PID/status, /proc/PID/ns/pid): /proc/pidns: {e}"
            ),
            (Asker::Proc, None) => {
                eprintln!("pidns: source: proc (/proc/PID/status, /proc/PID/ns/pid): --proc")
            }
        }
    }
    let source = asker.source();
    // Buffered: one write() for many processes, not one a line.
    let mut out = BufWriter::new(io::stdout().lock());
    let mut failed = false;
    let queries: Vec<(String, Query)> = if o.all {
        match procfs::list_pids() {
            Ok(pids) => pids
                .into_iter()
                .map(|p| (p.to_string(), Query::pid(p)))
                .collect(),
            Err(e) => {
                eprintln!("pidns: /proc: {e}");
                exit(1)
            }
        }
    } else {
        o.queries
            .iter()
            .map(|text| match Query::parse(text) {
                Some(q) => (text.clone(), q),
                None => usage_error(&format!("{text}: not a PID or N@P")),
            })
            .collect()
    };
    for (text, query) in queries {
        let mut fds = Vec::new();
        let result = if o.pidfd {
            by_pidfd(query, &mut fds).and_then(|q| asker.chain(&q))
        } else {
            asker.chain(&query)
        };
        match result {
            Ok(chain) => {
                let text = if o.json {
                    format_json(&text, &chain, source) + "\n"
                } else {
                    format_log(&chain)
                };
                if let Err(e) = out.write_all(text.as_bytes()) {
                    write_failed(&e);
                }
            }
            // --all: processes that exit meanwhile are not errors.
            Err(e) if o.all && e.raw_os_error() == Some(libc::ESRCH) => {}
            Err(e) => {
                failed = true;
                if e.raw_os_error() == Some(libc::ESRCH) {
                    eprintln!("pidns: {text}: no such process");
                } else {
                    eprintln!("pidns: {text}: {}", describe(&e));
                }
            }
        }
    }
    if let Err(e) = out.flush() {
        write_failed(&e);
    }
    exit(i32::from(failed))
}
