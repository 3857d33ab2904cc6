//! pidns for programs: a process's PID in every PID namespace it lives in.
//!
//! With the pidns module loaded, one ioctl on `/proc/pidns` ([`Module`], `PIDNS_GET_CHAIN`)
//! answers for a PID, a pidfd (race-free) or `N@P`. Without it, [`procfs`] tells what the kernel
//! offers: `/proc/PID/status` `NSpid:`/`NStgid:`, `/proc/PID/ns/pid` and the nsfs ioctls.
//! [`lookup`] picks whichever is there and says which answered. This crate is the only place
//! user space encodes the ioctl: the `pidns` command, the benchmark (`bench/`) and the guest
//! test helper (`tests/vm/helper`) use it.
//!
//! The README's example (kept the same, so that `cargo test` compiles it):
//!
//! ```no_run
//! use pidns::{Module, Query};
//!
//! let mut module = Module::open()?;                    // /proc/pidns
//! let chain = module.chain(&Query::pid(84))?;          // or Query::pidfd(fd), or N@P: Query::parse("2@83")
//! for level in &chain.levels {                         // outermost first
//!     println!("level {:?}: pid {} ns {}", level.level, level.pid, level.ns_inum);
//! }
//! print!("{}", pidns::format_log(&chain));             // as the kernel log shows it
//! let (chain, source) = pidns::lookup(&Query::pid(84))?; // the module if loaded, else /proc
//! # let _ = (chain, source);
//! # Ok::<(), std::io::Error>(())
//! ```

/// The kernel's escape of command names, the same file (`rust/escape.rs`).
#[path = "../../rust/escape.rs"]
mod escape;
pub mod module;
pub mod procfs;
pub mod sys;
#[path = "../../rust/uapi.rs"]
pub mod uapi;

pub use module::Module;

use std::fmt::Write as _;
use std::io;
use std::os::fd::RawFd;

/// A process, as the caller names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A PID in the caller's PID namespace (or, as [`Query::pid`] of an `N@P`, in `P`'s).
    Pid(i32),
    /// A pidfd the caller holds: race-free, the process or `ESRCH`.
    Pidfd(RawFd),
}

/// What to look up: `N`, or `N@P` (PID `N` in the PID namespace of process `P`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Query {
    pub target: Target,
    pub ns_of: Option<Target>,
}

impl Query {
    /// PID `nr` in the caller's namespace.
    pub fn pid(nr: i32) -> Query {
        Query {
            target: Target::Pid(nr),
            ns_of: None,
        }
    }

    /// The process of pidfd `fd`.
    pub fn pidfd(fd: RawFd) -> Query {
        Query {
            target: Target::Pidfd(fd),
            ns_of: None,
        }
    }

    /// Parses `N` or `N@P` (decimal PIDs from 1 to `i32::MAX`, as `/proc/pidns` takes them).
    pub fn parse(text: &str) -> Option<Query> {
        let nr = |s: &str| -> Option<i32> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok().filter(|&n| n > 0)
        };
        match text.split_once('@') {
            Some((n, p)) => Some(Query {
                target: Target::Pid(nr(n)?),
                ns_of: Some(Target::Pid(nr(p)?)),
            }),
            None => Some(Query::pid(nr(text)?)),
        }
    }
}

/// A process's numbers in one PID namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    /// Its PID (thread id) there.
    pub pid: i32,
    /// Its thread-group id there: `pid`, unless it is a thread other than its group's leader.
    pub tgid: i32,
    /// The namespace's depth (0: the initial one); `None` when it cannot be known (the /proc
    /// fallback, asked from inside a PID namespace).
    pub level: Option<u32>,
    /// The namespace's inode: `readlink /proc/PID/ns/pid` shows `pid:[ns_inum]`; 0 when it
    /// cannot be known (the /proc fallback without access to `/proc/PID/ns/pid`: no
    /// namespace has inode 0). [`Level::ns`] says it as an `Option`.
    pub ns_inum: u64,
    /// The namespace's 64-bit id (never reused), where the kernel has one.
    pub ns_id: Option<u64>,
}

impl Level {
    /// The namespace's inode, `None` where it cannot be known (`ns_inum` 0).
    pub fn ns(&self) -> Option<u64> {
        (self.ns_inum != 0).then_some(self.ns_inum)
    }
}

/// A process's PIDs from the caller's PID namespace down to its own, outermost first (the order
/// of `NSpid:`), and its command name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub comm: Vec<u8>,
    pub levels: Vec<Level>,
}

/// Which interface answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The pidns module: the `PIDNS_GET_CHAIN` ioctl on `/proc/pidns`.
    Module,
    /// `/proc/PID/status`, `/proc/PID/ns/pid` and nsfs: the module is not there (or not
    /// usable).
    Proc,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Module => "module",
            Source::Proc => "proc",
        }
    }
}

/// Where to ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefer {
    /// The module when `/proc/pidns` opens, else /proc.
    Any,
    /// /proc only.
    Proc,
    /// The module only.
    Module,
}

/// An open source of answers: the module's file, or /proc.
pub enum Asker {
    Module(Module),
    Proc,
}

impl Asker {
    /// The module if `prefer` allows and `/proc/pidns` opens; else /proc, after checking that
    /// it is the caller's own PID namespace's ([`procfs::check_own_proc`]: another's would
    /// answer for other processes). Also returns why the module was not used (`None` if it was
    /// not tried).
    ///
    /// Nothing is asked here: a `/proc/pidns` without the ioctl (a pidns.ko older than it)
    /// answers the first real query `ENOTTY` ([`no_ioctl`]), and [`lookup`] then asks /proc.
    pub fn open(prefer: Prefer) -> io::Result<(Asker, Option<io::Error>)> {
        match prefer {
            Prefer::Proc => {
                procfs::check_own_proc()?;
                Ok((Asker::Proc, None))
            }
            Prefer::Module => Ok((Asker::Module(Module::open()?), None)),
            Prefer::Any => match Module::open() {
                Ok(m) => Ok((Asker::Module(m), None)),
                Err(e) => {
                    procfs::check_own_proc()?;
                    Ok((Asker::Proc, Some(e)))
                }
            },
        }
    }

    pub fn source(&self) -> Source {
        match self {
            Asker::Module(_) => Source::Module,
            Asker::Proc => Source::Proc,
        }
    }

    /// Looks `query` up; `ESRCH` when there is no such process.
    pub fn chain(&mut self, query: &Query) -> io::Result<Chain> {
        match self {
            Asker::Module(m) => m.chain(query),
            Asker::Proc => procfs::chain(query),
        }
    }
}

/// Whether `e`, from the module, says that this `/proc/pidns` has no `PIDNS_GET_CHAIN` (a
/// pidns.ko older than the ioctl, or another module's file): `ENOTTY`.
pub fn no_ioctl(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ENOTTY)
}

/// Looks `query` up through the module when it is there, else through /proc (also when the
/// module's `/proc/pidns` has no ioctl: then the one ioctl made is answered `ENOTTY`).
pub fn lookup(query: &Query) -> io::Result<(Chain, Source)> {
    let (mut asker, _) = Asker::open(Prefer::Any)?;
    match asker.chain(query) {
        Err(e) if no_ioctl(&e) && asker.source() == Source::Module => {
            procfs::check_own_proc()?;
            Ok((procfs::chain(query)?, Source::Proc))
        }
        answer => Ok((answer?, asker.source())),
    }
}

/// The chain as the kernel log shows it, without the `pidns: ` prefix: one line per level,
/// the deepest first, each outer level indented two more spaces, the command name on the first:
///
/// ```text
/// pid 2 (sleep) level 2 ns pid:[4026532115]
///   pid 3 level 1 ns pid:[4026532113]
///     pid 84 level 0 ns pid:[4026531836]
/// ```
///
/// A thread other than its group's leader shows its thread-group id too (`pid 5 tgid 4 ...`);
/// a level that cannot be known shows as `level ?`, a namespace that cannot be known (no access
/// to `/proc/PID/ns/pid`) as `ns pid:[?]`. The name is escaped as the kernel escapes it
/// ([`escaped_comm`]).
pub fn format_log(chain: &Chain) -> String {
    let thread = chain.levels.iter().any(|l| l.pid != l.tgid);
    let mut out = String::new();
    for (outward, l) in chain.levels.iter().rev().enumerate() {
        let _ = write!(out, "{:1$}pid {2}", "", outward * 2, l.pid);
        if outward == 0 {
            out.push_str(" (");
            out.push_str(&escaped_comm(&chain.comm));
            out.push(')');
        }
        if thread {
            let _ = write!(out, " tgid {}", l.tgid);
        }
        match l.level {
            Some(level) => {
                let _ = write!(out, " level {level}");
            }
            None => out.push_str(" level ?"),
        }
        match l.ns() {
            Some(ns) => {
                let _ = writeln!(out, " ns pid:[{ns}]");
            }
            None => out.push_str(" ns pid:[?]\n"),
        }
    }
    out
}

/// A command name as the kernel log shows it: bytes other than printable ASCII (space
/// included), and `\`, as `\xNN`, so that a name cannot forge fields of a line, split it, or
/// reach the terminal as an escape sequence.
pub fn escaped_comm(comm: &[u8]) -> String {
    let mut out = String::with_capacity(comm.len());
    // Every piece is printable ASCII.
    let _ = escape::escape_comm(comm, |piece| -> Result<(), ()> {
        out.extend(piece.iter().map(|&b| char::from(b)));
        Ok(())
    });
    out
}

/// One JSON object on one line (a line of JSON Lines):
/// `{"query":"84","source":"module","comm":"sleep","levels":[{"level":0,"pid":84,"tgid":84,
/// "ns":4026531836,"ns_id":1},...]}`, levels outermost first; `null` for what is not known
/// (`level`, `ns` and `ns_id`). Strings as [`json_string`] writes them.
pub fn format_json(query: &str, chain: &Chain, source: Source) -> String {
    let mut out = String::from("{\"query\":");
    json_string(&mut out, query.as_bytes());
    let _ = write!(out, ",\"source\":\"{}\",\"comm\":", source.name());
    json_string(&mut out, &chain.comm);
    out.push_str(",\"levels\":[");
    for (i, l) in chain.levels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"level\":{},\"pid\":{},\"tgid\":{},\"ns\":{},\"ns_id\":{}}}",
            json_number(l.level),
            l.pid,
            l.tgid,
            json_number(l.ns()),
            json_number(l.ns_id)
        );
    }
    out.push_str("]}");
    out
}

/// The JSON object of a query that found no answer, so that a script reading the stream sees
/// every query: `{"query":"99999","error":"ESRCH"}` (the errno's name, [`errno_name`]).
pub fn format_json_error(query: &str, e: &io::Error) -> String {
    let mut out = String::from("{\"query\":");
    json_string(&mut out, query.as_bytes());
    out.push_str(",\"error\":");
    json_string(&mut out, errno_name(e).as_bytes());
    out.push('}');
    out
}

fn json_number<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("null".to_string(), |v| v.to_string())
}

/// `bytes` as a JSON string, so that every line is valid JSON (and UTF-8) whatever a process
/// named itself: valid UTF-8 as it is (a name in any script reads as itself); `"` and `\` as
/// `\"` and `\\`; control characters (C0, DEL, C1) and U+2028, U+2029 as `\u00XX`/`\u20XX`,
/// so that none reaches a terminal or splits the line; and each maximal invalid UTF-8 sequence
/// as `\ufffd` (U+FFFD, as `String::from_utf8_lossy` and Python's `errors="replace"` decode
/// it); the text output keeps every byte, as `\xNN`.
pub fn json_string(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        if !chunk.invalid().is_empty() {
            out.push_str("\\ufffd");
        }
    }
    out.push('"');
}

/// An error as the command reports it: the system's message once, then the errno's name, as
/// `No space left on device (ENOSPC)` (not Rust's `... (os error 28)` as well).
pub fn describe(e: &io::Error) -> String {
    let text = e.to_string();
    match e.raw_os_error() {
        Some(n) => {
            let suffix = format!(" (os error {n})");
            let message = text.strip_suffix(&suffix).unwrap_or(&text);
            format!("{message} ({})", errno_name(e))
        }
        None => text,
    }
}

/// The errno's symbolic name where a tool's message wants it.
pub fn errno_name(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => sys::errno_name(n).map_or_else(|| format!("errno{n}"), str::to_string),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(pid: i32, tgid: i32, level: u32, ns: u64) -> Level {
        Level {
            pid,
            tgid,
            level: Some(level),
            ns_inum: ns,
            ns_id: Some(u64::from(level) + 1),
        }
    }

    #[test]
    fn parse_queries() {
        assert_eq!(Query::parse("84"), Some(Query::pid(84)));
        assert_eq!(
            Query::parse("2@83"),
            Some(Query {
                target: Target::Pid(2),
                ns_of: Some(Target::Pid(83))
            })
        );
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            "0x10",
            "2@",
            "@3",
            "2@@3",
            "2147483648",
            "a",
        ] {
            assert_eq!(Query::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Query::parse("2147483647"), Some(Query::pid(i32::MAX)));
    }

    #[test]
    fn names_are_escaped_as_the_kernel_escapes_them() {
        assert_eq!(escaped_comm(b"sleep"), "sleep");
        assert_eq!(
            escaped_comm(b"x) level 0 ns p"),
            "x)\\x20level\\x200\\x20ns\\x20p"
        );
        assert_eq!(
            escaped_comm(b"a\nb\x1b[31m\\\xff\xc3\xa9"),
            "a\\x0ab\\x1b[31m\\x5c\\xff\\xc3\\xa9"
        );
        // Every byte of every name comes out printable ASCII, and one escape per byte at most.
        for b in 0..=255u8 {
            let e = escaped_comm(&[b]);
            assert!(e.bytes().all(|c| c.is_ascii_graphic()), "{b:#x}: {e}");
            assert!(e.len() == 1 || e.len() == 4, "{b:#x}: {e}");
        }
    }

    #[test]
    fn log_layout_is_the_kernel_logs() {
        let chain = Chain {
            comm: b"sleep".to_vec(),
            levels: vec![
                level(84, 84, 0, 4026531836),
                level(3, 3, 1, 4026532113),
                level(2, 2, 2, 4026532115),
            ],
        };
        assert_eq!(
            format_log(&chain),
            "pid 2 (sleep) level 2 ns pid:[4026532115]\n\
             \x20 pid 3 level 1 ns pid:[4026532113]\n\
             \x20   pid 84 level 0 ns pid:[4026531836]\n"
        );
    }

    #[test]
    fn log_layout_of_a_thread_and_of_unknown_levels() {
        let mut chain = Chain {
            comm: b"python3".to_vec(),
            levels: vec![level(812, 810, 0, 4026531836)],
        };
        assert_eq!(
            format_log(&chain),
            "pid 812 (python3) tgid 810 level 0 ns pid:[4026531836]\n"
        );
        chain.levels[0].tgid = 812;
        chain.levels[0].level = None;
        assert_eq!(
            format_log(&chain),
            "pid 812 (python3) level ? ns pid:[4026531836]\n"
        );
    }

    #[test]
    fn json() {
        let chain = Chain {
            comm: b"a\"b\\c\x01\xff".to_vec(),
            levels: vec![level(84, 84, 0, 7), level(2, 2, 1, 9)],
        };
        assert_eq!(
            format_json("2@83", &chain, Source::Module),
            "{\"query\":\"2@83\",\"source\":\"module\",\"comm\":\"a\\\"b\\\\c\\u0001\\ufffd\",\
             \"levels\":[{\"level\":0,\"pid\":84,\"tgid\":84,\"ns\":7,\"ns_id\":1},\
             {\"level\":1,\"pid\":2,\"tgid\":2,\"ns\":9,\"ns_id\":2}]}"
        );
        let mut unknown = chain.clone();
        unknown.levels[0].level = None;
        unknown.levels[0].ns_id = None;
        unknown.levels[0].ns_inum = 0;
        assert!(format_json("84", &unknown, Source::Proc)
            .contains("{\"level\":null,\"pid\":84,\"tgid\":84,\"ns\":null,\"ns_id\":null}"));
    }

    #[test]
    fn json_strings_pass_utf8_and_escape_the_rest() {
        let s = |bytes: &[u8]| {
            let mut out = String::new();
            json_string(&mut out, bytes);
            out
        };
        // Valid UTF-8 as it is, 2, 3 and 4 bytes.
        assert_eq!(s("é日🦀".as_bytes()), "\"é日🦀\"");
        // Controls: C0, DEL, C1 (U+009B, a terminal's CSI), the JS line separators.
        assert_eq!(
            s("\n\x1b\x7f\u{9b}\u{2028}\u{2029}".as_bytes()),
            "\"\\u000a\\u001b\\u007f\\u009b\\u2028\\u2029\""
        );
        // Invalid: a lone continuation byte, a truncated sequence (one U+FFFD for it, as
        // from_utf8_lossy), an overlong encoding, 0xff.
        assert_eq!(
            s(b"a\x80b\xe6\x97c\xc0\xafd\xff"),
            "\"a\\ufffdb\\ufffdc\\ufffd\\ufffdd\\ufffd\""
        );
        assert_eq!(
            s(b"a\x80b\xe6\x97c\xc0\xafd\xff").replace("\\ufffd", "\u{fffd}"),
            format!(
                "\"{}\"",
                String::from_utf8_lossy(b"a\x80b\xe6\x97c\xc0\xafd\xff")
            )
        );
        // Every 1- and 2-byte input gives printable text with no raw control character.
        for a in 0..=255u8 {
            for b in [0u8, 0x41, 0x80, 0xa9, 0xff] {
                let out = s(&[a, b]);
                assert!(!out.chars().any(char::is_control), "{a:#x} {b:#x}: {out}");
            }
        }
    }

    #[test]
    fn json_error_objects() {
        let e = io::Error::from_raw_os_error(libc::ESRCH);
        assert_eq!(
            format_json_error("99999", &e),
            "{\"query\":\"99999\",\"error\":\"ESRCH\"}"
        );
    }

    #[test]
    fn unknown_namespaces() {
        let mut l = level(84, 84, 0, 7);
        assert_eq!(l.ns(), Some(7));
        l.ns_inum = 0;
        assert_eq!(l.ns(), None);
        let chain = Chain {
            comm: b"sleep".to_vec(),
            levels: vec![
                level(84, 84, 0, 7),
                Level {
                    ns_inum: 0,
                    ..level(2, 2, 1, 0)
                },
            ],
        };
        assert_eq!(
            format_log(&chain),
            "pid 2 (sleep) level 1 ns pid:[?]\n\x20 pid 84 level 0 ns pid:[7]\n"
        );
    }
}
