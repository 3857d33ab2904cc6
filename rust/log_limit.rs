// SPDX-License-Identifier: GPL-2.0

//! How much of the kernel log `/proc/pidns` may take: a budget of lines per interval, for all
//! writers together.
//!
//! Root in a container may write `/proc/pidns` in a loop. Each answer logs a chain (one line per
//! level), so without a bound a container could fill the host's ring buffer and journald. As the
//! kernel's printk limiter does (`DEFAULT_RATELIMIT_INTERVAL`, 5 s), lines are counted per
//! interval that starts at the first line after the previous one ended; a chain is logged whole
//! or not at all. The chains not logged are counted, and the count is logged, in one line, before
//! the next chain that is.

use kernel::{
    prelude::*,
    sync::SpinLock,
    time::{Delta, Instant, Monotonic},
};

/// Lines logged per interval at most, chains and summaries together, from all writers: the seed's
/// use (one chain of a few lines now and then) never meets it; a depth-32 chain (33 lines) fits
/// three times.
pub(crate) const LINES_PER_INTERVAL: usize = 128;

/// The interval, in seconds: the printk limiter's.
pub(crate) const INTERVAL_SECS: i64 = 5;

/// The budget of the current interval.
pub(crate) struct LogLimit {
    /// When the current interval began; `None` before the first line.
    start: Option<Instant<Monotonic>>,
    /// Lines logged since `start`.
    used: usize,
    /// Chains not logged since the last one that was.
    missed: u64,
}

impl LogLimit {
    /// A full budget.
    pub(crate) const fn new() -> Self {
        LogLimit {
            start: None,
            used: 0,
            missed: 0,
        }
    }

    /// Takes `lines` lines from the budget if they are left, starting a new interval when the
    /// last one is over.
    pub(crate) fn take(&mut self, lines: usize) -> bool {
        let now = Instant::<Monotonic>::now();
        let over = match self.start {
            Some(start) => now - start >= Delta::from_secs(INTERVAL_SECS),
            None => true,
        };
        if over {
            self.start = Some(now);
            self.used = 0;
        }
        if lines > LINES_PER_INTERVAL - self.used {
            return false;
        }
        self.used += lines;
        true
    }

    /// Whether a chain of `lines` lines may be logged now. If so, returns how many chains were
    /// not logged since the last one that was (logged first, in a line of its own, which the
    /// budget counts); if not, counts this one.
    pub(crate) fn admit_chain(&mut self, lines: usize) -> Option<u64> {
        let extra = usize::from(self.missed > 0);
        if self.take(lines + extra) {
            Some(core::mem::take(&mut self.missed))
        } else {
            self.missed = self.missed.saturating_add(1);
            None
        }
    }
}

/// A [`LogLimit`] shared by every writer of `/proc/pidns`.
pub(crate) type SharedLogLimit = SpinLock<LogLimit>;

/// Whether a chain of `lines` lines may be logged now (then it must be); logs first how many
/// chains were not, if any.
pub(crate) fn admit_chain(limit: &SharedLogLimit, lines: usize) -> bool {
    // The lock is held for the arithmetic only, not while logging.
    let admitted = limit.lock().admit_chain(lines);
    match admitted {
        Some(0) => true,
        Some(missed) => {
            pr_info!(
                "{missed} chains not logged (at most {LINES_PER_INTERVAL} lines every \
                 {INTERVAL_SECS} s)\n"
            );
            true
        }
        None => false,
    }
}

/// Whether one summary line (of `all`, or of the chains past a request's 16) may be logged now
/// (then it must be). A summary that may not is dropped without being counted: it repeats what
/// the read-back says in full.
pub(crate) fn admit_line(limit: &SharedLogLimit) -> bool {
    limit.lock().take(1)
}
