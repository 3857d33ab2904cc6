// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the parser and the formatter, in the test module `pidns_kunit.ko`: they run
//! when it loads on a kernel with `CONFIG_KUNIT` (their KTAP results go to the kernel log, where
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
        chain::Chain,
        pid_ref::PidRef,
        query::Query,
        render,
        request::{Answer, MAX_ANSWER},
    };
    use core::fmt::Write;
    use kernel::{bindings, prelude::*};

    /// The read-back line of the test's own task, which lives in the initial PID namespace.
    #[test]
    fn formats_the_read_back_line_of_the_current_task() -> Result {
        // Not `Task::pid()`: it reads `task_struct` through bindgen's layout, which is off on
        // this kernel (see `helpers.c`).
        // SAFETY: `__task_pid_nr_ns()` takes any valid task; `current` is one. A NULL namespace
        // means the caller's.
        let nr = unsafe {
            bindings::__task_pid_nr_ns(
                kernel::current!().as_ptr(),
                bindings::pid_type_PIDTYPE_PID,
                core::ptr::null_mut(),
            )
        };
        let pid = PidRef::find_in_current_ns(nr).ok_or(ESRCH)?;
        let chain = Chain::of(&pid).ok_or(ESRCH)?;
        let mut buf = KVVec::new();
        render::write_answer(
            &mut Answer::new(&mut buf, MAX_ANSWER),
            &Query::Pid(nr),
            &chain,
            0,
        )
        .map_err(|_| ENOMEM)?;

        let mut want = KVVec::new();
        write!(
            Answer::new(&mut want, MAX_ANSWER),
            "query={nr} nspid={nr} nstgid={nr} level=0 ns="
        )
        .map_err(|_| ENOMEM)?;
        assert!(buf.starts_with(&want));
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
            let mut want = KVVec::new();
            write!(Answer::new(&mut want, MAX_ANSWER), "{value}").map_err(|_| ENOMEM)?;
            assert_eq!(Decimal::new(value).as_bytes(), &want[..]);
        }
        Ok(())
    }

    #[test]
    fn escapes_unprintable_command_names() -> Result {
        let mut buf = KVVec::new();
        let comm = kernel::str::BStr::from_bytes(b"a b\\c\xffd\t");
        render::write_comm(&mut Answer::new(&mut buf, MAX_ANSWER), comm).map_err(|_| ENOMEM)?;
        assert_eq!(&buf[..], b"a\\x20b\\x5cc\\xffd\\x09");
        Ok(())
    }

    #[test]
    fn escapes_command_names_in_the_kernel_log() -> Result {
        let mut buf = KVVec::new();
        let comm = kernel::str::BStr::from_bytes(b"x) level 0\\");
        Answer::new(&mut buf, MAX_ANSWER)
            .write_fmt(kernel::prelude::fmt!(
                "{}",
                render::CommInParens(Some(comm))
            ))
            .map_err(|_| ENOMEM)?;
        assert_eq!(&buf[..], b" (x)\\x20level\\x200\\x5c)");
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
