// SPDX-License-Identifier: GPL-2.0

//! The most recent answer written from each PID namespace, for readers that have not written.
//!
//! `echo 52 > /proc/pidns; cat /proc/pidns` opens the file twice: the second open finds the
//! answer here. Answers are kept per PID namespace so they never cross from one to another.

use crate::shim;
use kernel::{pid_namespace::PidNamespace, prelude::*, sync::Arc};

/// An answer's read-back text, shared by the file that wrote it and this table (no copy).
pub(crate) type Text = Arc<KVVec<u8>>;

/// How many namespaces keep an answer; past that, the one written least recently is dropped.
const MAX_NAMESPACES: usize = 32;

/// One namespace's most recent answer.
struct Entry {
    /// The namespace's 64-bit id: never reused, so it needs no reference on the namespace, which
    /// dies with its last process (and stops counting against `user.max_pid_namespaces`). An
    /// entry whose namespace died is never matched again and ages out.
    ns_id: u64,
    answer: Text,
    /// When it was written, on `Latest::clock`.
    stamp: u64,
}

/// The most recent answer of each of up to [`MAX_NAMESPACES`] PID namespaces.
pub(crate) struct Latest {
    entries: KVec<Entry>,
    clock: u64,
}

impl Latest {
    /// No answers yet.
    pub(crate) fn new() -> Self {
        Latest {
            entries: KVec::new(),
            clock: 0,
        }
    }

    /// Records `answer` as the most recent one written from `ns`; the answer it replaces is freed
    /// once no open file reads it.
    pub(crate) fn publish(&mut self, ns: &PidNamespace, answer: Text) -> Result {
        self.clock += 1;
        let entry = Entry {
            ns_id: ns_id(ns),
            answer,
            stamp: self.clock,
        };
        match self.position(entry.ns_id) {
            Some(i) => self.entries[i] = entry,
            None if self.entries.len() < MAX_NAMESPACES => {
                self.entries.push(entry, GFP_KERNEL)?;
            }
            None => {
                let oldest = self
                    .entries
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, e)| e.stamp)
                    .map_or(0, |(i, _)| i);
                self.entries[oldest] = entry;
            }
        }
        Ok(())
    }

    /// The most recent answer written from `ns`, if there is one.
    pub(crate) fn get(&self, ns: &PidNamespace) -> Option<Text> {
        let i = self.position(ns_id(ns))?;
        Some(self.entries[i].answer.clone())
    }

    /// Where the entry of the namespace with id `ns_id` is, if it has one.
    fn position(&self, ns_id: u64) -> Option<usize> {
        self.entries.iter().position(|e| e.ns_id == ns_id)
    }
}

/// The 64-bit id of `ns` (`ns_common.ns_id`), from a global counter: never reused.
fn ns_id(ns: &PidNamespace) -> u64 {
    // SAFETY: `&PidNamespace` is valid; the shim reads a field set at creation.
    unsafe { shim::pidnsmod_ns_id(ns.as_ptr()) }
}
