// SPDX-License-Identifier: GPL-2.0

//! The two ways an answer is shown: kernel log lines and read-back lines.

use crate::{
    chain::{Chain, Level},
    query::Query,
};
use core::fmt::{Display, Write};
use kernel::{
    fmt::{self, Formatter},
    prelude::*,
    str::BStr, //
};

/// Spaces added per level, outwards from the deepest namespace (the seed script's layout).
const INDENT_PER_LEVEL: usize = 2;

/// Logs one line per level, deepest namespace first, each outer level indented two more spaces:
///
/// ```text
/// pidns: pid 1 (sleep) level 2 ns pid:[4026532264]
/// pidns:   pid 2 level 1 ns pid:[4026532262]
/// pidns:     pid 81 level 0 ns pid:[4026531836]
/// ```
///
/// A thread other than its group's leader also shows its thread-group id: `pid 5 tgid 4 ...`.
/// The kernel log is readable only by the privileged, so it shows every level, including those
/// above the namespace of whoever asked.
pub(crate) fn log_chain(chain: &Chain) {
    let thread = chain.is_secondary_thread();
    for (outward, level) in chain.levels().iter().rev().enumerate() {
        let indent = outward * INDENT_PER_LEVEL;
        let Level {
            level,
            nr,
            tgid,
            ns_inum,
        } = *level;
        let comm = CommInParens((outward == 0).then(|| chain.comm()));
        let tgid = Tgid(thread.then_some(tgid));
        pr_info!(
            "{:indent$}pid {nr}{comm}{tgid} level {level} ns pid:[{ns_inum}]\n",
            ""
        );
    }
}

/// ` (comm)` after the deepest level's PID, nothing on the other lines.
struct CommInParens<'a>(Option<&'a BStr>);

impl fmt::Display for CommInParens<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(comm) => {
                f.write_str(" (")?;
                fmt::Display::fmt(comm, f)?;
                f.write_str(")")
            }
            None => Ok(()),
        }
    }
}

/// ` tgid N` for a thread that is not its group's leader.
struct Tgid(Option<i32>);

impl fmt::Display for Tgid {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(tgid) => write!(f, " tgid {tgid}"),
            None => Ok(()),
        }
    }
}

/// A query as the user wrote it: `52`, `52@12494`, `all`.
impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Query::Pid(nr) => write!(f, "{nr}"),
            Query::PidIn { nr, ns_of } => write!(f, "{nr}@{ns_of}"),
            Query::All => f.write_str("all"),
        }
    }
}

/// The same, for the kernel log.
impl fmt::Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        Display::fmt(self, f)
    }
}

/// Writes the read-back line for `chain`, the answer to `query`, showing only the levels from
/// `from` (the reader's own namespace) down, outermost first, as `/proc/PID/status` does:
///
/// ```text
/// query=52 nspid=12573,52 nstgid=12573,52 level=0,1 ns=4026531836,4026532264 comm=nginx
/// ```
///
/// Space-separated `key=value` fields in a fixed order; lists are comma-separated. `comm` comes
/// last, with bytes other than printable ASCII (space included) escaped as `\xNN`.
pub(crate) fn write_answer(
    out: &mut impl Write,
    query: &Query,
    chain: &Chain,
    from: usize,
) -> fmt::Result {
    let levels = chain.levels().get(from..).unwrap_or(&[]);
    write!(out, "query={query} nspid=")?;
    write_list(out, levels, |l| l.nr)?;
    out.write_str(" nstgid=")?;
    write_list(out, levels, |l| l.tgid)?;
    out.write_str(" level=")?;
    write_list(out, levels, |l| l.level)?;
    out.write_str(" ns=")?;
    write_list(out, levels, |l| l.ns_inum)?;
    out.write_str(" comm=")?;
    for &b in chain.comm().iter() {
        if b.is_ascii_graphic() && b != b'\\' {
            out.write_char(char::from(b))?;
        } else {
            write!(out, "\\x{b:02x}")?;
        }
    }
    out.write_char('\n')
}

/// Writes the read-back line for a query that found no process.
pub(crate) fn write_missing(out: &mut impl Write, query: &Query) -> fmt::Result {
    writeln!(out, "query={query} error=ESRCH")
}

/// Writes `field` of every level, comma-separated.
fn write_list<T: Display>(
    out: &mut impl Write,
    levels: &[Level],
    field: impl Fn(&Level) -> T,
) -> fmt::Result {
    for (i, level) in levels.iter().enumerate() {
        if i > 0 {
            out.write_char(',')?;
        }
        write!(out, "{}", field(level))?;
    }
    Ok(())
}
