// SPDX-License-Identifier: GPL-2.0

//! Answering one request: its queries in, kernel log lines and read-back text out.

use crate::{
    answer::Answer,
    chain::{Chain, Process, Processes},
    log_limit::{self, SharedLogLimit},
    pid_ns::PidNamespaceExt,
    query::{Queries, Query},
    render, sys,
};
use kernel::{pid_namespace::PidNamespace, prelude::*, sync::rcu};

/// How many chains one request logs (with `log=1`); the rest is counted in one summary line.
/// The read-back has them all.
pub(crate) const MAX_LOGGED_CHAINS: usize = 16;

/// Answers every query of a request from the calling task, whose PID namespace is `ns`.
///
/// Appends one read-back line per process to `out` and, when `log` is given, logs the chains of
/// the first [`MAX_LOGGED_CHAINS`] processes (one summary line for `all`, one for those not
/// logged), as far as the log's budget, shared by all writers, allows. Fails with `ESRCH` when a
/// query found no process, after answering all the others; with `EINTR` when the caller was
/// killed; with `EOVERFLOW` or `ENOMEM` when the read-back text does not fit.
pub(crate) fn answer(
    queries: Queries<'_>,
    ns: &PidNamespace,
    log: Option<&SharedLogLimit>,
    out: &mut Answer<'_>,
) -> Result {
    let from = ns.level();
    let mut missing = false;
    let mut logged = 0usize;
    let mut unlogged = 0usize;
    for query in queries {
        if sys::should_stop() {
            return Err(EINTR);
        }
        // `queries` was checked whole before any lookup.
        let query = query.map_err(|_| EINVAL)?;
        let found = match query {
            Query::Pid(nr) => find(ns, nr, None),
            Query::PidIn { nr, ns_of } => find(ns, nr, Some(ns_of)),
            Query::All => {
                let count = answer_all(ns, from, out)?;
                if log.is_some_and(log_limit::admit_line) {
                    let inum = ns.inum();
                    pr_info!("all: {count} processes in pid:[{inum}] level {from}\n");
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
        pr_info!(
            "{unlogged} more processes answered, not logged (at most {MAX_LOGGED_CHAINS} a \
             request)\n"
        );
    }
    if missing {
        Err(ESRCH)
    } else {
        Ok(())
    }
}

/// The process with PID `nr` in `ns` or, for `N@P`, in the PID namespace of the live process
/// with PID `ns_of` in `ns` (the caller's, or one below it), copied out of the RCU read lock.
pub(crate) fn find(ns: &PidNamespace, nr: i32, ns_of: Option<i32>) -> Option<Chain> {
    let rcu = rcu::read_lock();
    let process = match ns_of {
        None => Process::find(ns, nr, &rcu)?,
        // P must be a live process (a task uses its pid as its PID).
        Some(ns_of) => Process::find(Process::find(ns, ns_of, &rcu)?.pid().ns(), nr, &rcu)?,
    };
    Some(Chain::copy(&process))
}

/// Writes a read-back line for every process of `ns`; returns how many.
fn answer_all(ns: &PidNamespace, from: usize, out: &mut Answer<'_>) -> Result<usize> {
    let mut count = 0;
    for chain in Processes::of(ns, sys::should_stop) {
        render::write_answer(out, &Query::All, &chain?, from)?;
        count += 1;
    }
    Ok(count)
}

/// Logs that `query` found no process, rate-limited: user input decides how often.
pub(crate) fn warn_missing(query: &Query) {
    if sys::warn_ratelimit() {
        pr_warn!("pid {query}: no such process\n");
    }
}
