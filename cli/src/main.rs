//! `pidns`: a process's PID in every PID namespace it lives in, as the pidns kernel log shows
//! it, through the pidns module's ioctl or, without the module, through /proc.

mod args;

use args::{Options, Parsed};
use pidns::sys::pidfd_open;
use pidns::{
    describe, format_json, format_json_error, format_log, module, no_ioctl, procfs, Asker, Module,
    Prefer, Query, Source, Target,
};
use std::io::{self, BufWriter, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::exit;

/// Says `msg` on stderr as `pidns: msg`. A failing stderr is ignored: there is nowhere left to
/// say it (and `eprintln!` would panic).
fn say(msg: &str) {
    let _ = writeln!(io::stderr().lock(), "pidns: {msg}");
}

fn usage_error(msg: &str) -> ! {
    say(msg);
    let _ = writeln!(io::stderr().lock(), "Try 'pidns --help'.");
    exit(2)
}

/// Stops at a failed write to stdout: `pidns: write error: No space left on device (ENOSPC)`,
/// exit 1. (A closed pipe never gets here: SIGPIPE ends the command first, as it ends `ls`.)
fn write_failed(e: &io::Error) -> ! {
    say(&format!("write error: {}", describe(e)));
    exit(1)
}

/// Prints `text` (the help, the version) whole, or says why it could not.
fn print_all(text: &str) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        write_failed(&e);
    }
}

fn main() {
    // As `ls | head`: a reader that goes away ends the command quietly (Rust's runtime ignores
    // SIGPIPE, which would turn it into an EPIPE error to report).
    // SAFETY: restoring a signal's default disposition at start, before any thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    // Every argument is checked before anything is opened: a usage error is exit 2, always.
    let options = match args::parse(std::env::args_os().skip(1)) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => return print_all(args::USAGE),
        Ok(Parsed::Version) => return print_all(&args::version()),
        Err(msg) => usage_error(&msg),
    };
    match run(&options) {
        Ok(failed) => exit(i32::from(failed)),
        Err(msg) => {
            say(&msg);
            exit(1)
        }
    }
}

/// Turns the PIDs of `query` into pidfds (kept open in `fds`) when `--pidfd` asks for it.
fn by_pidfd(query: Query, fds: &mut Vec<OwnedFd>) -> io::Result<Query> {
    let mut convert = |t: Target| -> io::Result<Target> {
        match t {
            Target::Pid(nr) => {
                let fd = pidfd_open(nr)?;
                let raw = fd.as_raw_fd();
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

const PROC_SOURCE: &str = "proc (/proc/PID/status, /proc/PID/ns/pid)";

/// Where answers come from: the module, or /proc once the module is found missing or without
/// the ioctl. No probe: the module's first real answer tells whether it has the ioctl, so a
/// lookup is one ioctl.
struct Ask {
    asker: Asker,
    /// Whether /proc may answer when the module cannot (not with --module).
    may_fall_back: bool,
    /// Why /proc answers (for --verbose): `--proc`, or what the module said.
    why_proc: String,
    verbose: bool,
    told: bool,
}

impl Ask {
    fn open(o: &Options) -> Result<Ask, String> {
        let module_error = |e: io::Error| format!("/proc/pidns: {}", describe(&e));
        let mut ask = Ask {
            asker: Asker::Proc,
            may_fall_back: o.prefer == Prefer::Any,
            why_proc: String::new(),
            verbose: o.verbose,
            told: false,
        };
        match o.prefer {
            Prefer::Proc => ask.fall_back("--proc".to_string())?,
            Prefer::Module => ask.asker = Asker::Module(Module::open().map_err(module_error)?),
            Prefer::Any => match Module::open() {
                Ok(m) => ask.asker = Asker::Module(m),
                Err(e) => ask.fall_back(module_error(e))?,
            },
        }
        Ok(ask)
    }

    /// From now on /proc answers, if it is the caller's own namespace's; `why` for --verbose.
    fn fall_back(&mut self, why: String) -> Result<(), String> {
        procfs::check_own_proc().map_err(|e| describe(&e))?;
        self.asker = Asker::Proc;
        self.why_proc = why;
        self.tell();
        Ok(())
    }

    /// --verbose: which source answers, once it is settled.
    fn tell(&mut self) {
        if !self.verbose || self.told {
            return;
        }
        self.told = true;
        match self.asker.source() {
            Source::Module => say("source: module (PIDNS_GET_CHAIN on /proc/pidns)"),
            Source::Proc => say(&format!("source: {PROC_SOURCE}: {}", self.why_proc)),
        }
    }

    /// The processes of --all, in the caller's own PID namespace: the module's `all`, or the
    /// caller's /proc (checked to be its own when /proc was chosen).
    fn list_all(&mut self) -> Result<Vec<i32>, String> {
        if let Asker::Module(_) = self.asker {
            match module::list_all() {
                Ok(pids) => return Ok(pids),
                Err(e) if self.may_fall_back => {
                    self.fall_back(format!("/proc/pidns: all: {}", describe(&e)))?
                }
                Err(e) => return Err(format!("/proc/pidns: all: {}", describe(&e))),
            }
        }
        procfs::list_pids().map_err(|e| format!("/proc: {}", describe(&e)))
    }

    /// Looks `query` up. A module without the ioctl says so at the first query (`ENOTTY`):
    /// that query and the rest go to /proc, unless --module.
    fn chain(&mut self, query: &Query) -> Result<io::Result<pidns::Chain>, String> {
        let answer = self.asker.chain(query);
        let answer = match answer {
            Err(e)
                if no_ioctl(&e) && self.may_fall_back && self.asker.source() == Source::Module =>
            {
                self.fall_back(format!(
                    "/proc/pidns: {}: this pidns.ko has no PIDNS_GET_CHAIN (older)",
                    describe(&e)
                ))?;
                self.asker.chain(query)
            }
            answer => answer,
        };
        self.tell();
        Ok(answer)
    }
}

/// What the queries came to, for the exit status and the count line.
#[derive(Default)]
struct Tally {
    failed: bool,
    denied: usize,
}

/// Answers every query; `Ok(true)` if one failed, `Err` for an error that stops the command.
fn run(o: &Options) -> Result<bool, String> {
    let mut ask = Ask::open(o)?;
    let queries: Vec<(String, Query)> = if o.all {
        let pids = ask.list_all()?;
        pids.into_iter()
            .map(|p| (p.to_string(), Query::pid(p)))
            .collect()
    } else {
        o.queries.clone()
    };
    // Buffered: one write() for many processes, not one a line.
    let mut out = BufWriter::new(io::stdout().lock());
    let mut tally = Tally::default();
    for (text, query) in &queries {
        let mut fds = Vec::new();
        let query = if o.pidfd {
            by_pidfd(*query, &mut fds)
        } else {
            Ok(*query)
        };
        let answer = match query {
            Ok(query) => ask.chain(&query)?,
            Err(e) => Err(e),
        };
        let line = answer_line(o, text, answer, ask.asker.source(), &mut tally);
        if let Err(e) = out.write_all(line.as_bytes()) {
            write_failed(&e);
        }
    }
    if let Err(e) = out.flush() {
        write_failed(&e);
    }
    // --verbose says the source also when there was nothing to ask (an empty --all).
    ask.tell();
    if tally.denied > 0 {
        let s = if tally.denied == 1 { "" } else { "es" };
        say(&format!(
            "{} process{s} skipped: permission denied",
            tally.denied
        ));
    }
    Ok(tally.failed)
}

/// The output for one query: its chain, or nothing (an error is said on stderr; with --json it
/// also gets an object, so that the stream has every query). With --all, a process that exited
/// meanwhile is no error, and one that cannot be read at all (`hidepid=`) is counted.
fn answer_line(
    o: &Options,
    text: &str,
    answer: io::Result<pidns::Chain>,
    source: Source,
    tally: &mut Tally,
) -> String {
    match answer {
        Ok(chain) if o.json => format_json(text, &chain, source) + "\n",
        Ok(chain) => format_log(&chain),
        Err(e) if o.all && e.raw_os_error() == Some(libc::ESRCH) => String::new(),
        Err(e) if o.all && procfs::denied(&e) => {
            tally.denied += 1;
            String::new()
        }
        Err(e) => {
            tally.failed = true;
            if e.raw_os_error() == Some(libc::ESRCH) {
                say(&format!("{text}: no such process"));
            } else {
                say(&format!("{text}: {}", describe(&e)));
            }
            if o.json {
                format_json_error(text, &e) + "\n"
            } else {
                String::new()
            }
        }
    }
}
