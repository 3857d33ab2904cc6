//! The module's kernel-independent sources, compiled on the host for testing (only: the crate
//! has no code of its own outside its tests).

#[cfg(test)]
#[path = "../../../rust/query.rs"]
mod query;

#[cfg(test)]
#[path = "../../../rust/decimal.rs"]
mod decimal;

#[cfg(test)]
#[path = "../../../rust/escape.rs"]
mod escape;

#[cfg(test)]
mod tests {
    use super::query::{parse, ParseError, Query};
    use super::reference;

    /// The queries of `input`, or the parse error.
    fn queries(input: &[u8]) -> Result<Vec<Query>, ParseError> {
        parse(input).map(|q| q.map(|q| q.unwrap()).collect())
    }

    #[test]
    fn accepts_a_pid_with_the_newline_echo_adds() {
        assert_eq!(queries(b"52\n"), Ok(vec![Query::Pid(52)]));
        assert_eq!(queries(b" \t12573 \r\n"), Ok(vec![Query::Pid(12573)]));
    }

    #[test]
    fn accepts_the_largest_pid_t() {
        assert_eq!(queries(b"2147483647"), Ok(vec![Query::Pid(i32::MAX)]));
        assert_eq!(queries(b"0002147483647"), Ok(vec![Query::Pid(i32::MAX)]));
    }

    #[test]
    fn refuses_values_past_pid_t() {
        assert_eq!(queries(b"2147483648"), Err(ParseError::TooLarge));
        assert_eq!(
            queries(b"1 99999999999999999999"),
            Err(ParseError::TooLarge)
        );
    }

    #[test]
    fn every_error_has_its_own_reason_for_the_log() {
        let all = [
            ParseError::Empty,
            ParseError::NotANumber,
            ParseError::Zero,
            ParseError::TooLarge,
            ParseError::BadReverse,
            ParseError::SecondAll,
        ];
        for (i, a) in all.iter().enumerate() {
            assert!(!a.reason().is_empty() && a.reason().is_ascii());
            for b in &all[i + 1..] {
                assert_ne!(a.reason(), b.reason());
            }
        }
    }

    #[test]
    fn refuses_a_second_all() {
        assert_eq!(queries(b"all 1 all"), Err(ParseError::SecondAll));
        assert_eq!(queries(b"all\nall"), Err(ParseError::SecondAll));
        assert_eq!(
            queries(b"all 1 2@3"),
            Ok(vec![
                Query::All,
                Query::Pid(1),
                Query::PidIn { nr: 2, ns_of: 3 }
            ])
        );
    }

    #[test]
    fn refuses_empty_and_blank_writes() {
        assert_eq!(queries(b""), Err(ParseError::Empty));
        assert_eq!(queries(b" \n\t\x0b\x0c\r"), Err(ParseError::Empty));
    }

    #[test]
    fn refuses_zero() {
        assert_eq!(queries(b"0"), Err(ParseError::Zero));
        assert_eq!(queries(b"000\n"), Err(ParseError::Zero));
        assert_eq!(queries(b"0@1"), Err(ParseError::Zero));
        assert_eq!(queries(b"1@0"), Err(ParseError::Zero));
    }

    #[test]
    fn refuses_signs_letters_and_nul() {
        for input in [
            &b"-1"[..],
            b"+1",
            b"abc",
            b"12a",
            b"0x10",
            b"1\0",
            b"\x001",
            b"1.5",
            b"ALL",
            b"all1",
            b"1 all2",
        ] {
            assert_eq!(queries(input), Err(ParseError::NotANumber), "{input:?}");
        }
    }

    #[test]
    fn reads_batches_reverse_lookups_and_all() {
        assert_eq!(
            queries(b"1 2\n3\t52@12494 all\n"),
            Ok(vec![
                Query::Pid(1),
                Query::Pid(2),
                Query::Pid(3),
                Query::PidIn {
                    nr: 52,
                    ns_of: 12494
                },
                Query::All,
            ])
        );
    }

    #[test]
    fn refuses_malformed_reverse_lookups() {
        for input in [&b"1@"[..], b"@1", b"1@@2", b"1@2@3", b"@", b"1 @ 2"] {
            assert_eq!(queries(input), Err(ParseError::BadReverse), "{input:?}");
        }
        assert_eq!(queries(b"1@x"), Err(ParseError::NotANumber));
    }

    #[test]
    fn one_bad_query_spoils_the_whole_request() {
        assert_eq!(queries(b"1 2 3 x 4"), Err(ParseError::NotANumber));
        assert_eq!(queries(b"1 2 3 4 5@"), Err(ParseError::BadReverse));
    }

    #[test]
    fn reads_a_64_kib_batch() {
        let mut input = Vec::new();
        let mut expected = Vec::new();
        let mut n = 1;
        while input.len() < 64 * 1024 - 16 {
            input.extend_from_slice(format!("{n} ").as_bytes());
            expected.push(Query::Pid(n));
            n += 7;
        }
        assert_eq!(queries(&input), Ok(expected));
    }

    /// Against the reference on a grid of words and separators.
    #[test]
    fn agrees_with_the_reference_on_many_inputs() {
        let words = [
            "",
            "0",
            "7",
            "42",
            "-3",
            "+3",
            "2147483647",
            "2147483648",
            "1a",
            "٣",
            "all",
            "1@2",
            "@",
            "3@",
            "1@2@3",
            "a@1",
        ];
        for a in words {
            for sep in ["", " ", "\n", "\t"] {
                for b in words {
                    let input = format!("{a}{sep}{b}");
                    assert_eq!(
                        queries(input.as_bytes()).ok(),
                        reference(input.as_bytes()),
                        "{input:?}"
                    );
                }
            }
        }
    }

    /// Every input of the fuzzing corpus (tests/host/fuzz/corpus/parse), against the reference.
    #[test]
    fn agrees_with_the_reference_on_the_fuzz_corpus() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/parse");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).expect("the corpus is in the repository") {
            let input = std::fs::read(entry.unwrap().path()).unwrap();
            assert_eq!(queries(&input).ok(), reference(&input), "{input:?}");
            n += 1;
        }
        assert!(n > 0, "empty corpus");
    }
}

/// A simple reference for the parser: split on ASCII whitespace, then `str::parse` each word.
#[cfg(test)]
fn reference(input: &[u8]) -> Option<Vec<query::Query>> {
    use query::Query;
    let pid = |w: &[u8]| -> Option<i32> {
        if w.is_empty() || !w.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(w)
            .ok()?
            .parse::<i32>()
            .ok()
            .filter(|&v| v > 0)
    };
    let words: Vec<&[u8]> = input
        .split(|b| b" \t\n\r\x0b\x0c".contains(b))
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.iter().filter(|w| **w == b"all").count() > 1 {
        return None;
    }
    words
        .into_iter()
        .map(|w| {
            if w == b"all" {
                return Some(Query::All);
            }
            match w.iter().position(|&b| b == b'@') {
                None => pid(w).map(Query::Pid),
                Some(at) => Some(Query::PidIn {
                    nr: pid(&w[..at])?,
                    ns_of: pid(&w[at + 1..])?,
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod properties {
    use super::query::{parse, Query};
    use super::reference;
    use proptest::prelude::*;

    fn query() -> impl Strategy<Value = Query> {
        prop_oneof![
            (1..=i32::MAX).prop_map(Query::Pid),
            (1..=i32::MAX, 1..=i32::MAX).prop_map(|(nr, ns_of)| Query::PidIn { nr, ns_of }),
            Just(Query::All),
        ]
    }

    fn text(q: &Query) -> String {
        match q {
            Query::Pid(n) => n.to_string(),
            Query::PidIn { nr, ns_of } => format!("{nr}@{ns_of}"),
            Query::All => "all".into(),
        }
    }

    // 256 cases each by default; PROPTEST_CASES=100000 for a longer run.
    proptest! {
        /// Any bytes: no panic, and the same verdict and queries as the reference.
        #[test]
        fn any_bytes_agree_with_the_reference(input in proptest::collection::vec(any::<u8>(), 0..64)) {
            let got = parse(&input).ok().map(|q| q.map(|q| q.unwrap()).collect::<Vec<_>>());
            prop_assert_eq!(got, reference(&input));
        }

        /// Bytes close to valid requests (digits, @, whitespace, "all"), where bugs hide.
        #[test]
        fn near_valid_requests_agree_with_the_reference(
            input in proptest::collection::vec(
                prop_oneof![Just(b'0'), Just(b'1'), Just(b'9'), Just(b'@'), Just(b' '),
                            Just(b'\n'), Just(b'a'), Just(b'l'), Just(b'-'), Just(0u8)],
                0..40)
        ) {
            let got = parse(&input).ok().map(|q| q.map(|q| q.unwrap()).collect::<Vec<_>>());
            prop_assert_eq!(got, reference(&input));
        }

        /// Valid requests with any whitespace between queries parse back to the same queries.
        #[test]
        fn valid_requests_round_trip(
            qs in proptest::collection::vec(query(), 1..50),
            seps in proptest::collection::vec("[ \t\n\r\x0b\x0c]{1,3}", 50),
        ) {
            // One `all` at most: a second makes the request malformed.
            let first_all = qs.iter().position(|q| *q == Query::All);
            let qs: Vec<Query> = qs
                .into_iter()
                .enumerate()
                .filter(|&(i, q)| q != Query::All || Some(i) == first_all)
                .map(|(_, q)| q)
                .collect();
            let mut input = String::new();
            for (q, sep) in qs.iter().zip(&seps) {
                input.push_str(sep);
                input.push_str(&text(q));
            }
            let got: Vec<Query> = parse(input.as_bytes()).unwrap().map(|q| q.unwrap()).collect();
            prop_assert_eq!(got, qs);
        }
    }
}

/// The read-back's number formatting against `format!`.
#[cfg(test)]
mod decimal_properties {
    use super::decimal::Decimal;
    use proptest::prelude::*;

    #[test]
    fn edges() {
        for v in [
            0,
            1,
            9,
            10,
            -1,
            -10,
            i64::MAX,
            i64::MIN,
            i64::from(u32::MAX),
        ] {
            assert_eq!(Decimal::new(v).as_bytes(), format!("{v}").as_bytes());
        }
    }

    proptest! {
        #[test]
        fn any_i64_as_format_does(v in any::<i64>()) {
            let (got, want) = (Decimal::new(v), format!("{v}"));
            prop_assert_eq!(got.as_bytes(), want.as_bytes());
        }
    }
}

/// The escape of command names (`rust/escape.rs`): printable, unambiguous, and the kernel's.
#[cfg(test)]
mod escape_properties {
    use super::escape::escape_comm;
    use proptest::prelude::*;

    fn escaped(name: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = escape_comm(name, |piece| -> Result<(), ()> {
            out.extend_from_slice(piece);
            Ok(())
        });
        out
    }

    /// `\xNN` back to bytes; every other byte as it is.
    fn unescape(text: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            if text[i] == b'\\' {
                let hex = std::str::from_utf8(&text[i + 2..i + 4]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 4;
            } else {
                out.push(text[i]);
                i += 1;
            }
        }
        out
    }

    #[test]
    fn as_the_kernel_log_shows_names() {
        assert_eq!(escaped(b"nginx"), b"nginx");
        assert_eq!(escaped(b"x) level 0"), br"x)\x20level\x200");
        assert_eq!(escaped(b"a\\b\n\xff"), br"a\x5cb\x0a\xff");
    }

    #[test]
    fn stops_at_the_first_error() {
        let mut pieces = 0;
        let r = escape_comm(b"a b", |_| {
            pieces += 1;
            Err(())
        });
        assert_eq!((r, pieces), (Err(()), 1));
    }

    proptest! {
        #[test]
        fn any_name_is_printable_and_comes_back(name in proptest::collection::vec(any::<u8>(), 0..16)) {
            let e = escaped(&name);
            prop_assert!(e.iter().all(|b| b.is_ascii_graphic()));
            prop_assert_eq!(unescape(&e), name);
        }
    }
}
