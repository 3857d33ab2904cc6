// SPDX-License-Identifier: GPL-2.0

//! The C helpers that are not about one kernel object: the printk rate limiter, the check
//! between two steps of a long walk, and a batched copy to user space (`helpers.c`: static
//! inlines, macros and a static C object, with no Rust binding).

use crate::shim;
use kernel::{prelude::*, uaccess::UserPtr};

/// Whether a warning that user input triggers may be logged now: the kernel's printk limiter
/// (10 lines every 5 s), one for the whole module.
pub(crate) fn warn_ratelimit() -> bool {
    // SAFETY: the helper only updates its own static limiter state.
    unsafe { shim::pidnsmod_warn_ratelimit() }
}

/// Between two steps of a long walk: yields the CPU if another task needs it, and tells whether
/// the caller has a fatal signal pending (the walk then stops).
///
/// It may sleep: call it in process context, holding no spinlock and no RCU read lock.
pub(crate) fn should_stop() -> bool {
    // SAFETY: `cond_resched()` and `fatal_signal_pending(current)` have no precondition beyond
    // the one this function states (a caller that holds a spinlock breaks the kernel's rules, not
    // memory safety).
    unsafe { shim::pidnsmod_should_stop() }
}

/// Writes `head` at `to` and `tail` at `to + tail_at`, in one user-access window (the ioctl's
/// answer is two pieces of the caller's struct). `tail_at` must not be below `head.len()`
/// (`EINVAL`). Fails with `EFAULT` when a byte cannot be written, with part of it written.
pub(crate) fn write_to_user2(to: UserPtr, head: &[u8], tail_at: usize, tail: &[u8]) -> Result {
    if tail_at < head.len() || tail_at.checked_add(tail.len()).is_none() {
        return Err(EINVAL);
    }
    // SAFETY: `head` and `tail` are readable for their lengths for the whole call; `to` is a
    // user-space address, which the helper checks (`access_ok()`) and writes only through the
    // kernel's user-access primitives, so a bad one fails with `EFAULT`.
    let err = unsafe {
        shim::pidnsmod_copy_to_user2(
            to.as_mut_ptr(),
            head.as_ptr().cast(),
            head.len(),
            tail_at,
            tail.as_ptr().cast(),
            tail.len(),
        )
    };
    // Not `to_result()`: a call on the ioctl's fast path, where it is 0.
    if err == 0 {
        Ok(())
    } else {
        Err(Error::from_errno(err))
    }
}
