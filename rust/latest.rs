// SPDX-License-Identifier: GPL-2.0

//! The most recent answer written from each PID namespace, for readers that have not written.
//!
//! `echo 52 > /proc/pidns; cat /proc/pidns` opens the file twice: the second open finds the
//! answer here. Answers are kept per PID namespace so they never cross from one to another.

use kernel::{
    pid_namespace::PidNamespace,
    prelude::*,
    sync::aref::ARef, //
};

/// How many namespaces keep an answer; past that, the one written least recently is dropped.
const MAX_NAMESPACES: usize = 32;

/// One namespace's most recent answer.
struct Entry {
    /// Held so that the namespace cannot be freed and its address reused by another one while
    /// the entry exists (it pins the namespace object only, not its processes).
    ns: ARef<PidNamespace>,
    answer: KVVec<u8>,
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

    /// Records `answer` as the most recent one written from `ns`.
    pub(crate) fn publish(&mut self, ns: &PidNamespace, answer: &[u8]) -> Result {
        self.clock += 1;
        let stamp = self.clock;
        let index = match self.position(ns) {
            Some(i) => i,
            None if self.entries.len() < MAX_NAMESPACES => {
                let entry = Entry {
                    ns: ns.into(),
                    answer: KVVec::new(),
                    stamp,
                };
                self.entries.push(entry, GFP_KERNEL)?;
                self.entries.len() - 1
            }
            None => {
                let (oldest, _) = self
                    .entries
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, e)| e.stamp)
                    .ok_or(EINVAL)?;
                oldest
            }
        };
        let entry = self.entries.get_mut(index).ok_or(EINVAL)?;
        if !core::ptr::eq(entry.ns.as_ptr(), ns.as_ptr()) {
            entry.ns = ns.into();
        }
        entry.stamp = stamp;
        entry.answer.clear();
        entry.answer.extend_from_slice(answer, GFP_KERNEL)?;
        Ok(())
    }

    /// Copies the most recent answer written from `ns` into `out` (nothing if there is none).
    pub(crate) fn copy_into(&self, ns: &PidNamespace, out: &mut KVVec<u8>) -> Result {
        out.clear();
        if let Some(entry) = self.position(ns).and_then(|i| self.entries.get(i)) {
            out.extend_from_slice(&entry.answer, GFP_KERNEL)?;
        }
        Ok(())
    }

    /// Where `ns`'s entry is, if it has one.
    fn position(&self, ns: &PidNamespace) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| core::ptr::eq(e.ns.as_ptr(), ns.as_ptr()))
    }
}
