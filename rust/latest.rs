// SPDX-License-Identifier: GPL-2.0

//! Answers as they are read back, and the most recent one of each PID namespace, for readers
//! that have not written.
//!
//! `echo 52 > /proc/pidns; cat /proc/pidns` opens the file twice: the second open finds the
//! answer here. Every answer belongs to the PID namespace it was answered in ([`ReadBack`]), and
//! is read only from there, so answers never cross from one namespace to another.
//!
//! What the table holds is bounded: at most [`MAX_NAMESPACES`] answers, at most `max_bytes` bytes
//! in all (the `max_answer` module parameter: one longest answer's worth). Past either bound the
//! answers written least recently go first. An answer whose namespace has died (its init
//! process exited, so no process can enter it or read from it any more) is freed at the next
//! request, from any namespace, instead of waiting to age out.

use crate::{answer::user_sized, pid_ns::PidNamespaceExt};
use kernel::{
    pid_namespace::PidNamespace,
    prelude::*,
    sync::{aref::ARef, Arc},
};

/// How many namespaces keep an answer.
const MAX_NAMESPACES: usize = 32;

/// One request's read-back text, and the PID namespace it was answered in.
pub(crate) struct ReadBack {
    /// The namespace's 64-bit id (`ns_common.ns_id`): never reused, so it names the namespace
    /// without holding it.
    ns_id: u64,
    text: KVVec<u8>,
}

impl ReadBack {
    /// `text`, answered in `ns`, in a buffer of its own size: building it doubled its capacity
    /// as it grew, and a kept answer should not hold twice its length.
    pub(crate) fn new(ns: &PidNamespace, mut text: KVVec<u8>) -> Self {
        // A failed shrink keeps the larger buffer, which is still correct (and charged to the
        // writer's memory cgroup like the rest).
        let _ = text.shrink_to(0, user_sized());
        ReadBack {
            ns_id: ns.id(),
            text,
        }
    }

    /// The text.
    pub(crate) fn text(&self) -> &[u8] {
        &self.text
    }

    /// Whether this answer was made in `ns`, so that a reader there may see it.
    pub(crate) fn is_for(&self, ns: &PidNamespace) -> bool {
        self.ns_id == ns.id()
    }

    /// Its length, what the table's bound counts (the buffer may be longer by less than a
    /// page: `shrink_to()` keeps a vmalloc'ed buffer that would free less).
    fn size(&self) -> usize {
        self.text.len()
    }
}

/// A read-back answer, shared (no copy) by the file that wrote it, the table and the files that
/// read it from there.
pub(crate) type Text = Arc<ReadBack>;

/// One namespace's most recent answer.
struct Entry {
    /// Counted, so that the entry can tell when the namespace has died; dropped then, at the
    /// next request.
    ns: ARef<PidNamespace>,
    answer: Text,
    /// When it was written, on `Latest::clock`.
    stamp: u64,
}

/// The most recent answer of up to [`MAX_NAMESPACES`] PID namespaces, `max_bytes` in all.
pub(crate) struct Latest {
    entries: KVec<Entry>,
    clock: u64,
    /// The bytes of the answers in `entries`.
    held: usize,
    max_bytes: usize,
}

impl Latest {
    /// No answers yet; at most `max_bytes` of them kept.
    pub(crate) fn new(max_bytes: usize) -> Self {
        Latest {
            entries: KVec::new(),
            clock: 0,
            held: 0,
            max_bytes,
        }
    }

    /// Records `answer` as the most recent one written from `ns`. The answers it replaces or
    /// pushes out are freed once no open file reads them.
    pub(crate) fn publish(&mut self, ns: &PidNamespace, answer: Text) -> Result {
        self.drop_dead();
        if let Some(i) = self.position(ns) {
            self.remove(i);
        }
        let size = answer.size();
        if size > self.max_bytes {
            // Cannot happen (an answer is at most `max_answer` bytes, the table's size); if it
            // did, the answer is read back on its own file only.
            return Ok(());
        }
        // Room for the new entry: at most `max_bytes` in all, at most `MAX_NAMESPACES` entries.
        while !self.entries.is_empty()
            && (self.entries.len() >= MAX_NAMESPACES
                || size > self.max_bytes.saturating_sub(self.held))
        {
            self.remove(self.oldest());
        }
        self.clock += 1;
        self.entries.push(
            Entry {
                ns: ns.into(),
                answer,
                stamp: self.clock,
            },
            GFP_KERNEL,
        )?;
        self.held += size;
        Ok(())
    }

    /// The most recent answer written from `ns`, if it is still kept.
    pub(crate) fn get(&mut self, ns: &PidNamespace) -> Option<Text> {
        self.drop_dead();
        let i = self.position(ns)?;
        Some(self.entries[i].answer.clone())
    }

    /// Frees the answers of namespaces that have died.
    fn drop_dead(&mut self) {
        let mut i = 0;
        while i < self.entries.len() {
            if self.entries[i].ns.is_alive() {
                i += 1;
            } else {
                self.remove(i);
            }
        }
    }

    /// Where the entry of `ns` is, if it has one.
    fn position(&self, ns: &PidNamespace) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| core::ptr::eq::<PidNamespace>(&*e.ns, ns))
    }

    /// Where the entry written least recently is (0 when there is none).
    fn oldest(&self) -> usize {
        self.entries
            .iter()
            .enumerate()
            .min_by_key(|(_, e)| e.stamp)
            .map_or(0, |(i, _)| i)
    }

    /// Removes entry `i` (which exists).
    fn remove(&mut self, i: usize) {
        if let Ok(entry) = self.entries.remove(i) {
            self.held -= entry.answer.size();
        }
    }
}
