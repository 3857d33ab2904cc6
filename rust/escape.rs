// SPDX-License-Identifier: GPL-2.0

//! How a command name is shown: the one escape of the kernel log, the read-back and the `pidns`
//! command.
//!
//! A task names itself (`prctl(PR_SET_NAME)`, `/proc/self/comm`) with any 15 bytes: spaces,
//! parentheses, newlines, terminal escapes, bytes that are not UTF-8. Shown raw, a name could
//! forge fields of a line (`x) level 0 ns p`), split a record or drive the reader's terminal. So
//! every byte other than printable ASCII, and `\` itself, is shown as `\xNN`.
//!
//! Pure Rust on `core` only, with no kernel types, so that the same file compiles in the module,
//! in the `pidns` command (`cli/`) and in the host tests (`tests/host`).

/// `\xNN` digits.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Hands `name` to `put` in printable pieces: the runs of printable ASCII other than `\` as they
/// are, and every other byte (space included) as `\xNN`. Stops at the first error `put` returns.
pub(crate) fn escape_comm<E>(
    name: &[u8],
    mut put: impl FnMut(&[u8]) -> core::result::Result<(), E>,
) -> core::result::Result<(), E> {
    let mut rest = name;
    while !rest.is_empty() {
        // The longest run that needs no escape goes in one piece (usually the whole name).
        let plain = rest
            .iter()
            .position(|&b| !b.is_ascii_graphic() || b == b'\\')
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(plain);
        if !run.is_empty() {
            put(run)?;
        }
        match tail.split_first() {
            Some((&b, after)) => {
                put(&escape(b))?;
                rest = after;
            }
            None => rest = tail,
        }
    }
    Ok(())
}

/// A byte as `\xNN`.
fn escape(b: u8) -> [u8; 4] {
    [
        b'\\',
        b'x',
        HEX[usize::from(b >> 4)],
        HEX[usize::from(b & 0xf)],
    ]
}
