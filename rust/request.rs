// SPDX-License-Identifier: GPL-2.0

//! Answering one request: its queries in, kernel log lines and read-back text out.

use crate::{
    chain::{ns_level, Chain, Processes},
    log_limit::{self, SharedLogLimit},
    pid_ref::PidRef,
    query::{Queries, Query},
    render, shim,
};
use core::fmt;
use kernel::{
    alloc::{flags, Flags},
    pid_namespace::PidNamespace,
    prelude::*,
};

/// The largest answer one request may have by default, in bytes (the `max_answer` module
/// parameter): `all` on a host of 100,000 processes of three levels each (at most 225 bytes a
/// line) fits. A request whose answer would be longer fails with `EOVERFLOW`, and nothing of it
/// is kept.
pub(crate) const MAX_ANSWER: usize = 32 << 20;

/// How many chains one request logs (with `log=1`); the rest is counted in one summary line.
/// The read-back has them all.
pub(crate) const MAX_LOGGED_CHAINS: usize = 16;

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

/// For `write!` in the KUnit tests.
impl fmt::Write for Answer<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.put(s.as_bytes()).map_err(|_| fmt::Error)
    }
}

/// Answers every query of a request from the calling task, whose PID namespace is `ns`.
///
/// Appends one read-back line per process to `out` and, when `log` is given, logs the chains of
/// the first [`MAX_LOGGED_CHAINS`] processes (one summary line for `all`, one for those not
/// logged), as far as the log's budget, shared by all writers, allows. Fails with `ESRCH` when a query found no process, after answering all the others;
/// with `EINTR` when the caller was killed; with `EOVERFLOW` or `ENOMEM` when the read-back text
/// does not fit.
pub(crate) fn answer(
    queries: Queries<'_>,
    ns: &PidNamespace,
    log: Option<&SharedLogLimit>,
    out: &mut Answer<'_>,
) -> Result {
    let from = ns_level(ns);
    let mut missing = false;
    let mut logged = 0usize;
    let mut unlogged = 0usize;
    for query in queries {
        if should_stop() {
            return Err(EINTR);
        }
        // `queries` was checked whole before any lookup.
        let query = query.map_err(|_| EINVAL)?;
        let found = match query {
            Query::Pid(nr) => PidRef::find_in_current_ns(nr).and_then(|pid| Chain::of(&pid)),
            Query::PidIn { nr, ns_of } => PidRef::find_in_current_ns(ns_of)
                .filter(PidRef::has_task)
                .and_then(|owner| Chain::find(owner.ns(), nr)),
            Query::All => {
                let count = answer_all(ns, from, out)?;
                if log.is_some_and(log_limit::admit_line) {
                    let level = from;
                    let inum = ns_inum(ns);
                    pr_info!("all: {count} processes in pid:[{inum}] level {level}\n");
                }
                continue;
            }
        };
        match found {
            Some(chain) => {
                if let Some(limit) = log {
                    if logged < MAX_LOGGED_CHAINS {
                        if log_limit::admit_chain(limit, chain.levels().len()) {
                            render::log_chain(&chain);
                        }
                        logged += 1;
                    } else {
                        unlogged += 1;
                    }
                }
                render::write_answer(out, &query, &chain, from)?;
            }
            None => {
                missing = true;
                if log.is_some() {
                    warn_missing(&query);
                }
                render::write_missing(out, &query)?;
            }
        }
    }
    if unlogged > 0 && log.is_some_and(log_limit::admit_line) {
        pr_info!("{unlogged} more processes answered, not logged (at most {MAX_LOGGED_CHAINS} a request)\n");
    }
    if missing {
        Err(ESRCH)
    } else {
        Ok(())
    }
}

/// Writes a read-back line for every process of `ns`; returns how many.
fn answer_all(ns: &PidNamespace, from: usize, out: &mut Answer<'_>) -> Result<usize> {
    let mut count = 0;
    for chain in Processes::of(ns, should_stop) {
        render::write_answer(out, &Query::All, &chain?, from)?;
        count += 1;
    }
    Ok(count)
}

/// Logs that `query` found no process, rate-limited: user input decides how often.
pub(crate) fn warn_missing(query: &Query) {
    if warn_ratelimit() {
        pr_warn!("pid {query}: no such process\n");
    }
}

/// Whether a warning that user input triggers may be logged now (the kernel's printk limiter).
pub(crate) fn warn_ratelimit() -> bool {
    // SAFETY: `pidnsmod_warn_ratelimit()` only updates its own static limiter state.
    unsafe { shim::pidnsmod_warn_ratelimit() }
}

/// Between two steps of a long walk: yields the CPU if needed, and tells whether the caller has
/// a fatal signal pending (the walk then stops).
fn should_stop() -> bool {
    // SAFETY: called from a write handler, in process context, holding no spinlock or RCU read
    // lock (`cond_resched()` may sleep).
    unsafe { shim::pidnsmod_should_stop() }
}

/// The namespace's inode number, as `readlink /proc/PID/ns/pid` shows it.
fn ns_inum(ns: &PidNamespace) -> u32 {
    // SAFETY: `&PidNamespace` is valid, and `ns.inum` is set at creation and never changes.
    // bindgen lays these fields out as C does: proved by the layout KUnit case (kunit.rs).
    unsafe { (*ns.as_ptr()).ns.inum }
}
