// SPDX-License-Identifier: GPL-2.0

//! Parser for what a user writes to `/proc/pidns`.
//!
//! Pure Rust on `core` only, with no kernel types, so that the same file also compiles on the
//! host for unit tests (`tests/host`) and fuzzing.

/// Why a write was not understood. Every variant becomes `EINVAL` at the C boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Nothing but whitespace.
    Empty,
    /// A byte other than an ASCII digit inside the number (sign, letter, NUL, ...).
    NotANumber,
    /// Zero: no process has PID 0 in any namespace that user space can name.
    Zero,
    /// More than `i32::MAX` (`pid_t` is a C `int`).
    TooLarge,
    /// Something after the number (a second word, junk after whitespace).
    TrailingInput,
}

/// Bytes that separate words in a write: ASCII space, tab, newline, CR, VT and FF.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Parses one PID: a positive decimal number that fits in a `pid_t`, with optional whitespace
/// around it (so `echo 52 > /proc/pidns`, which appends a newline, works).
pub(crate) fn parse_pid(input: &[u8]) -> Result<i32, ParseError> {
    let start = input
        .iter()
        .position(|&b| !is_space(b))
        .ok_or(ParseError::Empty)?;
    let word_len = input[start..]
        .iter()
        .position(|&b| is_space(b))
        .unwrap_or(input.len() - start);
    let (word, rest) = input[start..].split_at(word_len);
    if !rest.iter().all(|&b| is_space(b)) {
        return Err(ParseError::TrailingInput);
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
