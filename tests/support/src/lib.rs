//! What the bench (`bench/`) and the guest tests' `vmh` (`tests/vm/helper/`) both need, and the
//! `pidns` command does not: loading and unloading pidns.ko ([`kmod`]) and nests of PID
//! namespaces with processes to look up in them ([`nest`]). The system calls and names that the
//! command needs too (pidfds, errno names, ioctl numbers, the /proc listing) live in the pidns
//! library (`cli/`), not here.

pub mod kmod;
pub mod nest;
pub mod sys;
