// SPDX-License-Identifier: GPL-2.0

//! The two ways an answer is shown: kernel log lines and read-back lines.

use crate::{
    answer::Answer,
    chain::{Chain, Level},
    decimal::Decimal,
    escape::escape_comm,
    query::Query,
};
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
/// The command name is escaped as in the read-back (`x) level 0` logs as `x)\x20level\x200`), so
/// that a process cannot forge fields of a log line by its name. The kernel log is readable only
/// by the privileged, so it shows every level, including those above the namespace of whoever
/// asked.
pub(crate) fn log_chain(chain: &Chain) {
    let thread = chain.is_secondary_thread();
    for (outward, level) in chain.levels().iter().rev().enumerate() {
        let indent = outward * INDENT_PER_LEVEL;
        let Level {
            level,
            nr,
            tgid,
            ns_inum,
            ns_id: _,
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
pub(crate) struct CommInParens<'a>(pub(crate) Option<&'a BStr>);

impl fmt::Display for CommInParens<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(comm) => {
                f.write_str(" (")?;
                // Every piece is ASCII, so valid UTF-8.
                escape_comm(comm, |piece| {
                    f.write_str(core::str::from_utf8(piece).map_err(|_| fmt::Error)?)
                })?;
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

/// A query as the user wrote it (`52`, `52@12494`, `all`), for the kernel log.
impl fmt::Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Query::Pid(nr) => write!(f, "{nr}"),
            Query::PidIn { nr, ns_of } => write!(f, "{nr}@{ns_of}"),
            Query::All => f.write_str("all"),
        }
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
///
/// This is the hot path of every lookup: numbers go through [`Decimal`], not `core::fmt`, and the
/// line is put together in a buffer on the stack, so that `out` sees one write per line (for
/// chains of up to three levels) instead of one per piece.
pub(crate) fn write_answer(
    out: &mut Answer<'_>,
    query: &Query,
    chain: &Chain,
    from: usize,
) -> Result {
    let levels = chain.levels().get(from..).unwrap_or(&[]);
    let mut line = Staged::new(out);
    line.put(b"query=")?;
    put_query(&mut line, query)?;
    line.put(b" nspid=")?;
    put_list(&mut line, levels, |l| i64::from(l.nr))?;
    line.put(b" nstgid=")?;
    put_list(&mut line, levels, |l| i64::from(l.tgid))?;
    line.put(b" level=")?;
    put_list(&mut line, levels, |l| i64::from(l.level))?;
    line.put(b" ns=")?;
    put_list(&mut line, levels, |l| i64::from(l.ns_inum))?;
    line.put(b" comm=")?;
    escape_comm(chain.comm(), |piece| line.put(piece))?;
    line.put(b"\n")?;
    line.flush()
}

/// Bytes on their way to an [`Answer`], gathered on the stack and handed over in one piece when
/// the buffer fills or at the end of the line.
struct Staged<'a, 'b> {
    out: &'a mut Answer<'b>,
    buf: [u8; STAGE_SIZE],
    len: usize,
}

/// Room in [`Staged`]: a whole line of up to three levels with every number at its longest (225
/// bytes); longer lines are handed over in pieces.
const STAGE_SIZE: usize = 256;

impl<'a, 'b> Staged<'a, 'b> {
    fn new(out: &'a mut Answer<'b>) -> Self {
        Staged {
            out,
            buf: [0; STAGE_SIZE],
            len: 0,
        }
    }

    /// Appends ASCII `bytes`.
    fn put(&mut self, bytes: &[u8]) -> Result {
        if bytes.len() > STAGE_SIZE - self.len {
            self.flush()?;
        }
        match self.buf.get_mut(self.len..self.len + bytes.len()) {
            Some(room) => {
                room.copy_from_slice(bytes);
                self.len += bytes.len();
                Ok(())
            }
            // Longer than the whole buffer (never, for the pieces of a line): straight through.
            None => self.out.put(bytes),
        }
    }

    /// Hands what is gathered to the answer.
    fn flush(&mut self) -> Result {
        self.out.put(&self.buf[..self.len])?;
        self.len = 0;
        Ok(())
    }
}

/// Writes the read-back line for a query that found no process.
pub(crate) fn write_missing(out: &mut Answer<'_>, query: &Query) -> Result {
    let mut line = Staged::new(out);
    line.put(b"query=")?;
    put_query(&mut line, query)?;
    line.put(b" error=ESRCH\n")?;
    line.flush()
}

/// Puts `query` as the user wrote it, like its `Display` but without `core::fmt`.
fn put_query(line: &mut Staged<'_, '_>, query: &Query) -> Result {
    match *query {
        Query::Pid(nr) => line.put(Decimal::new(nr.into()).as_bytes()),
        Query::PidIn { nr, ns_of } => {
            line.put(Decimal::new(nr.into()).as_bytes())?;
            line.put(b"@")?;
            line.put(Decimal::new(ns_of.into()).as_bytes())
        }
        Query::All => line.put(b"all"),
    }
}

/// Puts `field` of every level, comma-separated.
fn put_list(line: &mut Staged<'_, '_>, levels: &[Level], field: impl Fn(&Level) -> i64) -> Result {
    for (i, level) in levels.iter().enumerate() {
        if i > 0 {
            line.put(b",")?;
        }
        line.put(Decimal::new(field(level)).as_bytes())?;
    }
    Ok(())
}
