// SPDX-License-Identifier: GPL-2.0

//! The read-back text of one request: a buffer with a bound, charged to the writer.

use kernel::{
    alloc::{flags, Flags},
    prelude::*,
};

/// The largest answer one request may have by default, in bytes (the `max_answer` module
/// parameter): `all` on a host of 100,000 processes of three levels each (at most 225 bytes a
/// line) fits. A request whose answer would be longer fails with `EOVERFLOW`, and nothing of it
/// is kept.
pub(crate) const MAX_ANSWER: usize = 32 << 20;

/// Allocation flags for memory whose size the writer's input decides: charged to the writer's
/// memory cgroup, and no allocation-failure splat (the writer gets `ENOMEM`).
pub(crate) fn user_sized() -> Flags {
    flags::GFP_KERNEL_ACCOUNT | flags::__GFP_NOWARN
}

/// Where the read-back text of a request goes, up to a limit.
pub(crate) struct Answer<'a> {
    text: &'a mut KVVec<u8>,
    limit: usize,
}

impl<'a> Answer<'a> {
    /// Appends to `text`, up to `limit` bytes in all.
    pub(crate) fn new(text: &'a mut KVVec<u8>, limit: usize) -> Self {
        Answer { text, limit }
    }

    /// Appends `bytes` (ASCII text: the read-back is built from digits, keys and escaped names).
    ///
    /// Fails with `EOVERFLOW` past the limit, and with `ENOMEM`.
    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result {
        if bytes.len() > self.limit.saturating_sub(self.text.len()) {
            return Err(EOVERFLOW);
        }
        self.text.extend_from_slice(bytes, user_sized())?;
        Ok(())
    }
}
