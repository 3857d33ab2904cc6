//! The module's kernel-independent sources, compiled on the host for testing.

#[path = "../../../rust/query.rs"]
mod query;

#[cfg(test)]
mod tests {
    use super::query::{parse, ParseError, Query};

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

    /// Against a simple reference: split on whitespace, and `str::parse` each word.
    #[test]
    fn agrees_with_a_reference_on_many_inputs() {
        fn reference(input: &str) -> Option<Vec<Query>> {
            let pid = |w: &str| -> Option<i32> {
                if w.is_empty() || !w.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                w.parse::<i32>().ok().filter(|&v| v > 0)
            };
            let words: Vec<&str> = input
                .split(|c: char| " \t\n\r\x0b\x0c".contains(c))
                .filter(|w| !w.is_empty())
                .collect();
            if words.is_empty() {
                return None;
            }
            words
                .into_iter()
                .map(|w| match w.split_once('@') {
                    _ if w == "all" => Some(Query::All),
                    None => pid(w).map(Query::Pid),
                    Some((a, b)) => Some(Query::PidIn {
                        nr: pid(a)?,
                        ns_of: pid(b)?,
                    }),
                })
                .collect()
        }
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
                        reference(&input),
                        "{input:?}"
                    );
                }
            }
        }
    }
}
