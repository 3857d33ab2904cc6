// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the parser, the formatter, the wrappers of kernel objects and the layout of
//! the kernel structs read through bindgen, in the test module `pidns_kunit.ko`: they run when it
//! loads on a kernel with `CONFIG_KUNIT` (their KTAP results go to the kernel log, where
//! `make test` counts them).

use kernel::prelude::*;

#[kunit_tests(pidns_query)]
mod query_tests {
    use crate::query::{parse, ParseError, Query};

    /// The first query of `input`, or the error for the whole request.
    fn first(input: &[u8]) -> Result<Query, ParseError> {
        let mut queries = parse(input)?;
        queries.next().unwrap_or(Err(ParseError::Empty))
    }

    #[test]
    fn parses_each_kind_of_query() {
        assert_eq!(first(b"52\n"), Ok(Query::Pid(52)));
        assert_eq!(
            first(b"52@12494"),
            Ok(Query::PidIn {
                nr: 52,
                ns_of: 12494
            })
        );
        assert_eq!(first(b" all "), Ok(Query::All));
    }

    #[test]
    fn refuses_malformed_requests() {
        assert_eq!(first(b""), Err(ParseError::Empty));
        assert_eq!(first(b"0"), Err(ParseError::Zero));
        assert_eq!(first(b"-1"), Err(ParseError::NotANumber));
        assert_eq!(first(b"2147483648"), Err(ParseError::TooLarge));
        assert_eq!(first(b"1@@2"), Err(ParseError::BadReverse));
        assert_eq!(first(b"1 2 x"), Err(ParseError::NotANumber));
    }

    #[test]
    fn counts_a_batch() {
        let count = parse(b"1 2\t3\n4@5 all").map(|q| q.count());
        assert_eq!(count, Ok(5));
    }
}

#[kunit_tests(pidns_render)]
mod render_tests {
    use crate::{
        answer::{Answer, MAX_ANSWER},
        query::Query,
        render, request,
    };
    use core::fmt::Write;
    use kernel::{bindings, prelude::*};

    /// Text made with `write!`, to compare with what the module writes.
    struct Text(KVVec<u8>);

    impl Write for Text {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            self.0
                .extend_from_slice(s.as_bytes(), GFP_KERNEL)
                .map_err(|_| core::fmt::Error)
        }
    }

    /// The read-back line of the test's own task, which lives in the initial PID namespace.
    #[test]
    fn formats_the_read_back_line_of_the_current_task() -> Result {
        // Not `Task::pid()`: it reads `task_struct` through bindgen's layout, which is off on
        // kernels without CONFIG_SCHEDSTATS (see `pid.rs`, and the `pidns_layout` suite below).
        // SAFETY: `__task_pid_nr_ns()` takes any valid task; `current` is one. A NULL namespace
        // means the caller's.
        let nr = unsafe {
            bindings::__task_pid_nr_ns(
                kernel::current!().as_ptr(),
                bindings::pid_type_PIDTYPE_PID,
                core::ptr::null_mut(),
            )
        };
        let task = kernel::current!();
        let ns = task.active_pid_ns().ok_or(ESRCH)?;
        let chain = request::find(ns, nr, None).ok_or(ESRCH)?;
        let mut buf = KVVec::new();
        render::write_answer(
            &mut Answer::new(&mut buf, MAX_ANSWER),
            &Query::Pid(nr),
            &chain,
            0,
        )
        .map_err(|_| ENOMEM)?;

        let mut want = Text(KVVec::new());
        write!(want, "query={nr} nspid={nr} nstgid={nr} level=0 ns=").map_err(|_| ENOMEM)?;
        assert!(buf.starts_with(&want.0));
        assert_eq!(buf.last(), Some(&b'\n'));
        assert_eq!(buf.iter().filter(|&&b| b == b'\n').count(), 1);
        // The line holds the documented fields only, in order.
        let text = core::str::from_utf8(&buf).map_err(|_| EINVAL)?;
        let keys = ["query=", "nspid=", "nstgid=", "level=", "ns=", "comm="];
        for (field, key) in text.trim_end().split(' ').zip(keys) {
            assert!(field.starts_with(key));
        }
        assert_eq!(text.trim_end().split(' ').count(), keys.len());
        Ok(())
    }

    #[test]
    fn writes_numbers_as_core_fmt_does() -> Result {
        use crate::decimal::Decimal;
        for value in [
            0,
            1,
            9,
            10,
            99,
            100,
            4026531836,
            i64::from(i32::MAX),
            -1,
            i64::MIN,
        ] {
            let mut want = Text(KVVec::new());
            write!(want, "{value}").map_err(|_| ENOMEM)?;
            assert_eq!(Decimal::new(value).as_bytes(), &want.0[..]);
        }
        Ok(())
    }

    #[test]
    fn escapes_unprintable_command_names() -> Result {
        let mut buf = KVVec::new();
        let mut out = Answer::new(&mut buf, MAX_ANSWER);
        crate::escape::escape_comm(b"a b\\c\xffd\t", |piece| out.put(piece)).map_err(|_| ENOMEM)?;
        assert_eq!(&buf[..], b"a\\x20b\\x5cc\\xffd\\x09");
        Ok(())
    }

    #[test]
    fn escapes_command_names_in_the_kernel_log() -> Result {
        let mut text = Text(KVVec::new());
        let comm = kernel::str::BStr::from_bytes(b"x) level 0\\");
        text.write_fmt(kernel::prelude::fmt!(
            "{}",
            render::CommInParens(Some(comm))
        ))
        .map_err(|_| ENOMEM)?;
        assert_eq!(&text.0[..], b" (x)\\x20level\\x200\\x5c)");
        Ok(())
    }

    #[test]
    fn formats_a_missing_process() -> Result {
        let mut buf = KVVec::new();
        render::write_missing(
            &mut Answer::new(&mut buf, MAX_ANSWER),
            &Query::PidIn { nr: 7, ns_of: 9 },
        )
        .map_err(|_| ENOMEM)?;
        assert_eq!(&buf[..], b"query=7@9 error=ESRCH\n");
        Ok(())
    }
}

/// bindgen's layout of the kernel structs against the compiler's.
///
/// bindgen need not lay a struct out as the C compiler does (`pid.rs` says how `task_struct`
/// differs), and a field read at the wrong offset answers a wrong number, not an error. So every
/// field that pidns reads from Rust through `kernel::bindings` is checked here against C's
/// `offsetof`, from `pidnsmod_layout()` (`kunit_helpers.c`): a kernel on which one differs fails
/// this suite instead.
#[kunit_tests(pidns_layout)]
mod layout_tests {
    use crate::shim;
    use core::mem::offset_of;
    use kernel::{bindings, macros::paste, prelude::*};

    /// One field's offset (or one struct's size) in bindgen's layout, and a reader of C's.
    struct Entry {
        name: &'static str,
        rust: usize,
        c: fn(&shim::pidnsmod_layout) -> usize,
    }

    /// `s.f` is the offset of field `f` in `struct s`, `s` alone the size of `struct s`. C's value
    /// is the member of `struct pidnsmod_layout` that `shim.h` names after the entry (`s_f`,
    /// `s_size`), so an entry that `PIDNSMOD_LAYOUT` lacks does not compile.
    macro_rules! entries {
        (@one $s:ident . $f:ident) => {
            paste! {
                Entry {
                    name: concat!(stringify!($s), ".", stringify!($f)),
                    rust: offset_of!(bindings::$s, $f),
                    c: |c| c.[<$s _ $f>],
                }
            }
        };
        (@one $s:ident) => {
            paste! {
                Entry {
                    name: concat!("sizeof ", stringify!($s)),
                    rust: size_of::<bindings::$s>(),
                    c: |c| c.[<$s _size>],
                }
            }
        };
        ($($s:ident $(. $f:ident)?),* $(,)?) => {
            [$(entries!(@one $s $(. $f)?)),*]
        };
    }

    /// Every field that pidns reads through bindgen (`(*ptr).field` on a `bindings` type), with
    /// the size of `struct upid`, the stride of `pid.numbers[]`. A new read adds its field here
    /// and to `PIDNSMOD_LAYOUT` in `shim.h`.
    const READ_BY_PIDNS: &[Entry] = &entries![
        pid.level,           // pid.rs: `Pid::numbers()`
        pid.numbers,         // pid.rs: `Pid::numbers()`
        upid,                // pid.rs: `Upid`, the stride of `pid.numbers[]`
        upid.nr,             // pid.rs: `Upid::nr()`
        upid.ns,             // pid.rs: `Upid::ns()`
        pid_namespace.level, // pid_ns.rs: `level()`
        pid_namespace.ns,    // pid_ns.rs: `inum()`, `ns.inum`
        ns_common.inum,      // pid_ns.rs: `inum()`
    ];

    // C lists nothing unchecked: READ_BY_PIDNS and `task_struct.pid` below are all its members.
    // (`ns_common.ns_id` has no bindgen field: `reads_ns_id_in_the_gap_bindgen_leaves` below.)
    static_assert!(
        READ_BY_PIDNS.len() + 1 == size_of::<shim::pidnsmod_layout>() / size_of::<usize>()
    );

    /// The compiler's layout.
    fn c_layout() -> shim::pidnsmod_layout {
        // SAFETY: every member of `struct pidnsmod_layout` is a `usize`, for which zero is valid.
        let mut c: shim::pidnsmod_layout = unsafe { core::mem::zeroed() };
        // SAFETY: `c` is a valid, writable `struct pidnsmod_layout` for the whole call.
        unsafe { shim::pidnsmod_layout(&mut c) };
        c
    }

    #[test]
    fn bindgen_lays_out_every_field_pidns_reads_as_c_does() {
        let c = c_layout();
        let mut wrong = 0;
        for entry in READ_BY_PIDNS {
            let want = (entry.c)(&c);
            if entry.rust != want {
                pr_err!(
                    "layout: {} is {} in C, {} in bindgen's layout\n",
                    entry.name,
                    want,
                    entry.rust
                );
                wrong += 1;
            }
        }
        assert_eq!(wrong, 0);
    }

    /// `ns_common.ns_id` is in an anonymous member bindgen does not see (it leaves padding
    /// there), so `pid_ns.rs` reads it at the offset C gives (`pidnsmod_pid_ns_id_offset`). That
    /// offset must fall in that padding: after `ns.inum`, before `ns.ns_rcu`.
    #[test]
    fn reads_ns_id_in_the_gap_bindgen_leaves() {
        // SAFETY: a constant, written once by the C compiler.
        let offset = unsafe { shim::pidnsmod_pid_ns_id_offset };
        let ns = offset_of!(bindings::pid_namespace, ns);
        pr_info!("layout: pid_namespace.ns.ns_id is at {offset}\n");
        assert!(offset >= ns + offset_of!(bindings::ns_common, inum) + size_of::<u32>());
        assert!(offset + size_of::<u64>() <= ns + offset_of!(bindings::ns_common, ns_rcu));
        assert_eq!(offset % align_of::<u64>(), 0);
    }

    /// Where the kernel crate's `Task::pid()` reads: `(*self.as_ptr()).pid` through bindgen
    /// (`rust/kernel/task.rs`). pidns does not call it; this records an upstream bug. Without
    /// `CONFIG_SCHEDSTATS`, `struct sched_statistics` is empty but `____cacheline_aligned`, and
    /// bindgen drops the alignment (`pid.rs`, `helpers.c`): its `task_struct.stats`, and every
    /// field after it, `pid` among them, sits early by exactly the padding that C puts before
    /// `stats` (48 bytes on our debug kernel). With `CONFIG_SCHEDSTATS` the struct has fields and
    /// both agree.
    #[test]
    fn shows_where_the_kernel_crates_task_pid_reads() {
        let c = c_layout().task_struct_pid;
        let rust = offset_of!(bindings::task_struct, pid);
        pr_info!("layout: task_struct.pid is {c} in C, {rust} in bindgen's (Task::pid())\n");
        #[cfg(CONFIG_SCHEDSTATS)]
        assert_eq!(rust, c);
        #[cfg(not(CONFIG_SCHEDSTATS))]
        {
            // Where C places `stats`: bindgen's offset for it, rounded up to the cache line.
            let stats = offset_of!(bindings::task_struct, stats);
            let padding = stats.next_multiple_of(bindings::SMP_CACHE_BYTES as usize) - stats;
            pr_info!("layout: C pads {padding} bytes before task_struct.stats, bindgen none\n");
            assert_eq!(c.checked_sub(rust), Some(padding));
        }
    }
}

#[kunit_tests(pidns_log_limit)]
mod log_limit_tests {
    use crate::log_limit::{LogLimit, LINES_PER_INTERVAL};

    /// Within one interval (the suite runs in far less than 5 s): whole chains while the budget
    /// lasts, then a count, logged in a line of its own before the next chain that fits.
    #[test]
    fn logs_whole_chains_then_counts_the_rest() {
        assert_eq!(LINES_PER_INTERVAL, 128);
        let mut limit = LogLimit::new();
        // 42 chains of 3 lines: 126 lines of 128.
        for _ in 0..42 {
            assert_eq!(limit.admit_chain(3), Some(0));
        }
        // Two lines are left: a chain of 3 is not cut short, it is counted.
        assert_eq!(limit.admit_chain(3), None);
        assert_eq!(limit.admit_chain(33), None);
        // A chain of 1 fits with the line that counts the two before it.
        assert_eq!(limit.admit_chain(1), Some(2));
        // Nothing is left, not even for a summary line.
        assert_eq!(limit.admit_chain(1), None);
        assert!(!limit.take(1));
    }
}

#[kunit_tests(pidns_wrappers)]
mod wrapper_tests {
    use crate::{
        pid::Pid,
        pid_ns::PidNamespaceExt,
        uapi,
        uapi_chain::{ChainAnswer, ChainInput},
    };
    use kernel::{
        prelude::*,
        sync::{aref::ARef, rcu},
    };

    /// A pid found under the RCU read lock is borrowed from it; counted (`ARef<Pid>`), it outlives
    /// the lock. PID 1 of the test's namespace is that namespace's init, made there.
    #[test]
    fn a_counted_pid_outlives_the_rcu_read_lock() -> Result {
        let task = kernel::current!();
        let ns = task.active_pid_ns().ok_or(ESRCH)?;
        let init: ARef<Pid> = {
            let rcu = rcu::read_lock();
            Pid::find(ns, 1, &rcu).ok_or(ESRCH)?.into()
        };
        assert_eq!(init.nr_in(ns), Some(1));
        assert_eq!(init.numbers().len(), ns.level() + 1);
        assert!(core::ptr::eq(init.ns(), ns));
        Ok(())
    }

    /// The ioctl's answer, built in place: only what was written is ever handed out.
    #[test]
    fn builds_the_ioctl_answer_in_place() {
        let input = ChainInput {
            size: 832,
            flags: 0,
            pid: 7,
            ns_of: 0,
            count: 99,
            reserved: 0,
        };
        let mut answer = ChainAnswer::new(&input);
        // The input fields as they were, `count` 0 (ignored on input), an empty name.
        let head = answer.head_and_levels();
        assert_eq!(head.len(), 40);
        assert_eq!(&head[8..12], &7i32.to_ne_bytes());
        assert_eq!(&head[16..24], &[0; 8]);
        assert_eq!(&head[24..40], &[0; 16]);
        assert!(answer.ns_ids().is_empty());

        let level = uapi::pidns_level {
            pid: 5,
            tgid: 4,
            level: 2,
            ns_inum: 9,
        };
        for _ in 0..uapi::PIDNS_MAX_LEVELS {
            assert!(answer.push(level, 3));
        }
        // Full: nothing more is written.
        assert!(!answer.push(level, 3));
        assert_eq!(answer.head_and_levels().len(), 568);
        assert_eq!(answer.ns_ids().len(), 33 * 8);
        assert_eq!(&answer.head_and_levels()[16..20], &33u32.to_ne_bytes());
        assert_eq!(&answer.head_and_levels()[552..556], &5i32.to_ne_bytes());
        assert_eq!(&answer.ns_ids()[256..], &3u64.to_ne_bytes());

        // At most 15 bytes of name, NUL-terminated.
        answer.set_comm(b"0123456789abcdefXYZ");
        assert_eq!(&answer.head_and_levels()[24..40], b"0123456789abcde\0");
        answer.set_size(568);
        assert_eq!(&answer.head_and_levels()[..4], &568u32.to_ne_bytes());
    }
}
