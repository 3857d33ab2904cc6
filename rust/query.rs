// SPDX-License-Identifier: GPL-2.0

//! Parser for what a user writes to `/proc/pidns`.
//!
//! One write is one request: queries separated by ASCII whitespace, each one of
//!
//! - `N`: the process with PID `N` in the writer's PID namespace;
//! - `N@P`: the process with PID `N` in the PID namespace of process `P` (itself a PID in the
//!   writer's namespace);
//! - `all`: every process visible in the writer's namespace.
//!
//! A PID is a decimal number from 1 to `i32::MAX` (`pid_t` is a C `int`), digits only.
//!
//! Pure Rust on `core` only, with no kernel types, so that the same file also compiles on the
//! host for unit tests and fuzzing (`tests/host`).

/// One query of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Query {
    /// `N`: a PID in the writer's PID namespace.
    Pid(i32),
    /// `N@P`: PID `nr` in the PID namespace of the process whose PID (in the writer's namespace)
    /// is `ns_of`.
    PidIn {
        /// The PID to look up.
        nr: i32,
        /// The process whose PID namespace `nr` is looked up in.
        ns_of: i32,
    },
    /// `all`: every process (thread-group leader) in the writer's PID namespace.
    All,
}

/// Why a request was not understood. Every variant becomes `EINVAL` at the C boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Nothing but whitespace.
    Empty,
    /// A byte other than an ASCII digit inside a number (sign, letter, NUL, ...).
    NotANumber,
    /// Zero: no process has PID 0 in any namespace that user space can name.
    Zero,
    /// More than `i32::MAX`.
    TooLarge,
    /// An `@` without a PID on each side, or more than one `@`.
    BadReverse,
    /// A second `all`: one is the whole process list already.
    SecondAll,
}

impl ParseError {
    /// What was wrong, for the kernel log.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            ParseError::Empty => "no query",
            ParseError::NotANumber => "a PID that is not a decimal number",
            ParseError::Zero => "PID 0",
            ParseError::TooLarge => "a PID above INT_MAX",
            ParseError::BadReverse => "an N@P query without one PID on each side of one '@'",
            ParseError::SecondAll => "more than one 'all'",
        }
    }
}

/// Bytes that separate queries: ASCII space, tab, newline, CR, VT and FF.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Parses one PID: a positive decimal number that fits in a `pid_t`.
fn parse_pid(word: &[u8]) -> Result<i32, ParseError> {
    if word.is_empty() {
        return Err(ParseError::BadReverse);
    }
    let mut value: i32 = 0;
    for &b in word {
        if !b.is_ascii_digit() {
            return Err(ParseError::NotANumber);
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i32::from(b - b'0')))
            .ok_or(ParseError::TooLarge)?;
    }
    if value == 0 {
        return Err(ParseError::Zero);
    }
    Ok(value)
}

/// Parses one query (a word without whitespace).
fn parse_query(word: &[u8]) -> Result<Query, ParseError> {
    if word == b"all" {
        return Ok(Query::All);
    }
    match word.iter().position(|&b| b == b'@') {
        None => parse_pid(word).map(Query::Pid),
        Some(at) => {
            let (nr, ns_of) = (&word[..at], &word[at + 1..]);
            if nr.is_empty() || ns_of.is_empty() || ns_of.contains(&b'@') {
                return Err(ParseError::BadReverse);
            }
            Ok(Query::PidIn {
                nr: parse_pid(nr)?,
                ns_of: parse_pid(ns_of)?,
            })
        }
    }
}

/// The queries of one request, in order. Does not allocate: it walks the request's bytes.
pub(crate) struct Queries<'a> {
    rest: &'a [u8],
}

impl Iterator for Queries<'_> {
    type Item = Result<Query, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.rest.iter().position(|&b| !is_space(b))?;
        let word = &self.rest[start..];
        let len = word.iter().position(|&b| is_space(b)).unwrap_or(word.len());
        self.rest = &word[len..];
        Some(parse_query(&word[..len]))
    }
}

/// Checks a whole request and returns its queries.
///
/// Fails on the first malformed query, on a second `all`, or when there is none, before
/// anything is looked up: a request is answered whole or not at all.
pub(crate) fn parse(request: &[u8]) -> Result<Queries<'_>, ParseError> {
    let queries = Queries { rest: request };
    let mut count = 0usize;
    let mut all = false;
    for query in (Queries { rest: request }) {
        if query? == Query::All {
            if all {
                return Err(ParseError::SecondAll);
            }
            all = true;
        }
        count += 1;
    }
    if count == 0 {
        return Err(ParseError::Empty);
    }
    Ok(queries)
}
