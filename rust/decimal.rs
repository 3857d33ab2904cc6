// SPDX-License-Identifier: GPL-2.0

//! Decimal text of an integer, without `core::fmt`.
//!
//! The read-back line of a lookup holds four numbers per level; formatting them through
//! `core::fmt` (argument tables, padding checks, one dynamic call per piece) cost more than the
//! lookup itself. This is the plain digit loop.
//!
//! Pure Rust on `core` only, so that the host tests compare it with `format!` (`tests/host`).

/// The decimal digits of a number, in a buffer of its own.
pub(crate) struct Decimal {
    buf: [u8; Self::MAX_LEN],
    start: usize,
}

impl Decimal {
    /// The longest text: `-9223372036854775808`.
    const MAX_LEN: usize = 20;

    /// The text of `value`.
    pub(crate) fn new(value: i64) -> Self {
        let mut buf = [0u8; Self::MAX_LEN];
        let mut start = Self::MAX_LEN;
        // Work on the magnitude as u64, which holds that of i64::MIN too.
        let mut rest = value.unsigned_abs();
        loop {
            start -= 1;
            // `rest % 10` is below 10: the cast cannot truncate.
            buf[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if value < 0 {
            start -= 1;
            buf[start] = b'-';
        }
        Decimal { buf, start }
    }

    /// The digits (and sign), ASCII.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}
