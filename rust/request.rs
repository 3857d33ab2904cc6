// SPDX-License-Identifier: GPL-2.0

//! Answering one request: its queries in, kernel log lines and read-back text out.

use crate::{
    chain::{ns_level, Chain, Processes},
    pid_ref::PidRef,
    query::{Queries, Query},
    render,
};
use core::fmt;
use kernel::{pid_namespace::PidNamespace, prelude::*};

/// Where the read-back text of a request goes: a buffer reused from one request to the next.
pub(crate) struct Answer<'a>(pub(crate) &'a mut KVVec<u8>);

impl Answer<'_> {
    /// Appends `bytes` (ASCII text: the read-back is built from digits, keys and escaped names).
    pub(crate) fn put(&mut self, bytes: &[u8]) -> fmt::Result {
        self.0
            .extend_from_slice(bytes, GFP_KERNEL)
            .map_err(|_| fmt::Error)
    }
}

impl fmt::Write for Answer<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.put(s.as_bytes())
    }
}

/// Answers every query of a request from the calling task, whose PID namespace is `ns`.
///
/// Appends one read-back line per process to `out` and, when `log` is set, logs each chain
/// (one summary line for `all`). Fails with `ESRCH` when a query found no process, after
/// answering all the others, and with `ENOMEM` when the read-back text does not fit in memory.
pub(crate) fn answer(
    queries: Queries<'_>,
    ns: &PidNamespace,
    log: bool,
    out: &mut Answer<'_>,
) -> Result {
    let from = ns_level(ns);
    let mut missing = false;
    for query in queries {
        // `queries` was checked whole before any lookup.
        let query = query.map_err(|_| EINVAL)?;
        let found = match query {
            Query::Pid(nr) => PidRef::find_in_current_ns(nr).and_then(|pid| Chain::of(&pid)),
            Query::PidIn { nr, ns_of } => PidRef::find_in_current_ns(ns_of)
                .filter(|owner| Chain::of(owner).is_some())
                .and_then(|owner| Chain::find(owner.ns(), nr)),
            Query::All => {
                let count = answer_all(ns, from, out)?;
                if log {
                    let level = from;
                    let inum = ns_inum(ns);
                    pr_info!("all: {count} processes in pid:[{inum}] level {level}\n");
                }
                continue;
            }
        };
        match found {
            Some(chain) => {
                if log {
                    render::log_chain(&chain);
                }
                render::write_answer(out, &query, &chain, from).map_err(|_| ENOMEM)?;
            }
            None => {
                missing = true;
                if log {
                    warn_missing(&query);
                }
                render::write_missing(out, &query).map_err(|_| ENOMEM)?;
            }
        }
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
    for chain in Processes::of(ns) {
        render::write_answer(out, &Query::All, &chain, from).map_err(|_| ENOMEM)?;
        count += 1;
    }
    Ok(count)
}

/// Logs that `query` found no process, rate-limited: user input decides how often.
pub(crate) fn warn_missing(query: &Query) {
    if crate::proc_file::warn_ratelimit() {
        pr_warn!("pid {query}: no such process\n");
    }
}

/// The namespace's inode number, as `readlink /proc/PID/ns/pid` shows it.
fn ns_inum(ns: &PidNamespace) -> u32 {
    // SAFETY: `&PidNamespace` is valid, and `ns.inum` is set at creation and never changes.
    unsafe { (*ns.as_ptr()).ns.inum }
}
