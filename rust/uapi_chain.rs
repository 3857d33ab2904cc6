// SPDX-License-Identifier: GPL-2.0

//! `struct pidns_chain` (`include/uapi/linux/pidns.h`, generated into `uapi.rs`) as the ioctl
//! reads and writes it: the input head as plain bytes ([`ChainInput`], through the kernel crate's
//! [`FromBytes`]), and the answer built in place ([`ChainAnswer`]), so that `ioctl.rs` needs no
//! `unsafe` of its own.
//!
//! The answer is not zeroed first: a 3-level answer copies out 136 of the struct's 832 bytes
//! (the documented rule: nothing past `count` is written), and zeroing the rest cost as much as
//! the whole lookup in the benchmark. Only the bytes written can be read back, which the type's
//! invariant keeps.

use crate::uapi::{pidns_chain, pidns_level, PIDNS_MAX_LEVELS};
use core::{
    mem::{offset_of, size_of, MaybeUninit},
    ptr::addr_of_mut,
};
use kernel::transmute::{AsBytes, FromBytes};

/// The most levels an answer holds.
const MAX_LEVELS: usize = PIDNS_MAX_LEVELS as usize;

// No padding anywhere, so that every byte of the struct is a field's and none that is copied out
// to user space is left over from the kernel stack.
const _: () = assert!(size_of::<pidns_level>() == 4 * 4);
const _: () = assert!(
    size_of::<pidns_chain>()
        == size_of::<ChainInput>()
            + 16
            + size_of::<[pidns_level; MAX_LEVELS]>()
            + size_of::<[u64; MAX_LEVELS]>()
);

/// The fields a caller sets, the first 24 bytes of `struct pidns_chain` (with `count`, which is
/// ignored, and `reserved`, which must be 0): all the ioctl reads of a caller's struct, besides
/// any bytes past its own size.
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct ChainInput {
    pub(crate) size: u32,
    pub(crate) flags: u32,
    pub(crate) pid: i32,
    pub(crate) ns_of: i32,
    pub(crate) count: u32,
    pub(crate) reserved: u32,
}

// The same fields at the same offsets as the header's struct.
const _: () = {
    assert!(offset_of!(ChainInput, size) == offset_of!(pidns_chain, size));
    assert!(offset_of!(ChainInput, flags) == offset_of!(pidns_chain, flags));
    assert!(offset_of!(ChainInput, pid) == offset_of!(pidns_chain, pid));
    assert!(offset_of!(ChainInput, ns_of) == offset_of!(pidns_chain, ns_of));
    assert!(offset_of!(ChainInput, count) == offset_of!(pidns_chain, count));
    assert!(offset_of!(ChainInput, reserved) == offset_of!(pidns_chain, reserved));
    assert!(size_of::<ChainInput>() == offset_of!(pidns_chain, comm));
};

// SAFETY: `ChainInput` holds six 32-bit integers and no padding (its size is 24, asserted
// above): any bit pattern is a valid value, every byte is initialised, nothing is
// interior-mutable.
unsafe impl FromBytes for ChainInput {}
// SAFETY: as above.
unsafe impl AsBytes for ChainInput {}

/// A `struct pidns_chain` being answered: the caller's input fields, then the command name and
/// the levels as they are pushed.
///
/// # Invariants
///
/// In `raw`, the fields from `size` to `comm` and the first `count` entries of `levels` and of
/// `ns_id` are initialised, and `raw.count == count <= MAX_LEVELS`.
pub(crate) struct ChainAnswer {
    raw: MaybeUninit<pidns_chain>,
    count: usize,
}

impl ChainAnswer {
    /// The answer to `input`: its fields as they were, with `count` 0, `reserved` 0 and an empty
    /// command name.
    pub(crate) fn new(input: &ChainInput) -> Self {
        let mut raw = MaybeUninit::<pidns_chain>::uninit();
        let p = raw.as_mut_ptr();
        // SAFETY: `p` points to a `pidns_chain`-sized and -aligned place that `raw` owns; fields
        // are written through raw pointers, never read, so no uninitialised byte is read.
        unsafe {
            addr_of_mut!((*p).size).write(input.size);
            addr_of_mut!((*p).flags).write(input.flags);
            addr_of_mut!((*p).pid).write(input.pid);
            addr_of_mut!((*p).ns_of).write(input.ns_of);
            addr_of_mut!((*p).count).write(0);
            addr_of_mut!((*p).reserved).write(0);
            addr_of_mut!((*p).comm).write([0; 16]);
        }
        // INVARIANT: the fields from `size` to `comm` were just written; no level yet.
        ChainAnswer { raw, count: 0 }
    }

    /// The pointer to the struct, for the writes below.
    fn as_mut_ptr(&mut self) -> *mut pidns_chain {
        self.raw.as_mut_ptr()
    }

    /// Sets `size`: the version answered.
    pub(crate) fn set_size(&mut self, size: u32) {
        let p = self.as_mut_ptr();
        // SAFETY: `p` points to the struct `self` owns; an initialised field is overwritten.
        unsafe { addr_of_mut!((*p).size).write(size) };
    }

    /// Sets the command name: at most 15 bytes of `name`, NUL-padded (the last byte stays NUL).
    pub(crate) fn set_comm(&mut self, name: &[u8]) {
        let mut comm = [0; 16];
        for (slot, &b) in comm[..15].iter_mut().zip(name) {
            *slot = b as core::ffi::c_char;
        }
        let p = self.as_mut_ptr();
        // SAFETY: `p` points to the struct `self` owns; an initialised field is overwritten.
        unsafe { addr_of_mut!((*p).comm).write(comm) };
    }

    /// Appends a level and its namespace id; `false` (and nothing written) when the answer is
    /// full, which a pid's levels never make it.
    pub(crate) fn push(&mut self, level: pidns_level, ns_id: u64) -> bool {
        let i = self.count;
        if i >= MAX_LEVELS {
            return false;
        }
        let p = self.as_mut_ptr();
        // SAFETY: `p` points to the struct `self` owns and `i < MAX_LEVELS` is within both arrays;
        // entries and `count` are written, not read.
        unsafe {
            addr_of_mut!((*p).levels[i]).write(level);
            addr_of_mut!((*p).ns_id[i]).write(ns_id);
            // At most `MAX_LEVELS`: it fits.
            addr_of_mut!((*p).count).write((i + 1) as u32);
        }
        // INVARIANT: entry `i` of both arrays was just written, and `raw.count` says so.
        self.count = i + 1;
        true
    }

    /// The struct's bytes from `size` to the last level pushed: one piece in user space too.
    pub(crate) fn head_and_levels(&self) -> &[u8] {
        let len = offset_of!(pidns_chain, levels) + self.count * size_of::<pidns_level>();
        // SAFETY: by the type invariant these bytes are initialised fields with no padding
        // between them (asserted above); the slice borrows `self`.
        unsafe { core::slice::from_raw_parts(self.raw.as_ptr().cast::<u8>(), len) }
    }

    /// The bytes of `ns_id[0..count]`, which start at `offset_of!(pidns_chain, ns_id)`.
    pub(crate) fn ns_ids(&self) -> &[u8] {
        let p = self.raw.as_ptr();
        // SAFETY: `p` points to the struct `self` owns; taking a field's address reads nothing.
        let ids = unsafe { core::ptr::addr_of!((*p).ns_id) };
        // SAFETY: by the type invariant the first `count` ids are initialised; the slice borrows
        // `self`.
        unsafe { core::slice::from_raw_parts(ids.cast::<u8>(), self.count * size_of::<u64>()) }
    }
}
