//! The module's kernel-independent sources, compiled on the host for testing.

#[path = "../../../rust/query.rs"]
mod query;

#[cfg(test)]
mod tests {
    use super::query::{parse_pid, ParseError};

    #[test]
    fn accepts_a_pid_with_the_newline_echo_adds() {
        assert_eq!(parse_pid(b"52\n"), Ok(52));
        assert_eq!(parse_pid(b"1"), Ok(1));
        assert_eq!(parse_pid(b" \t12573 \r\n"), Ok(12573));
    }

    #[test]
    fn accepts_the_largest_pid_t() {
        assert_eq!(parse_pid(b"2147483647"), Ok(i32::MAX));
        assert_eq!(parse_pid(b"0002147483647"), Ok(i32::MAX));
    }

    #[test]
    fn refuses_values_past_pid_t() {
        assert_eq!(parse_pid(b"2147483648"), Err(ParseError::TooLarge));
        assert_eq!(
            parse_pid(b"99999999999999999999"),
            Err(ParseError::TooLarge)
        );
    }

    #[test]
    fn refuses_empty_and_blank_writes() {
        assert_eq!(parse_pid(b""), Err(ParseError::Empty));
        assert_eq!(parse_pid(b" \n\t"), Err(ParseError::Empty));
    }

    #[test]
    fn refuses_zero() {
        assert_eq!(parse_pid(b"0"), Err(ParseError::Zero));
        assert_eq!(parse_pid(b"000\n"), Err(ParseError::Zero));
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
        ] {
            assert_eq!(parse_pid(input), Err(ParseError::NotANumber), "{input:?}");
        }
    }

    #[test]
    fn refuses_a_second_word() {
        assert_eq!(parse_pid(b"1 2"), Err(ParseError::TrailingInput));
        assert_eq!(parse_pid(b"1\nx\n"), Err(ParseError::TrailingInput));
    }

    /// Against a simple reference: whatever `str::parse` makes of the trimmed text.
    #[test]
    fn agrees_with_str_parse_on_many_inputs() {
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
            " 9 ",
        ];
        for a in words {
            for b in ["", " ", "\n", " x"] {
                let input = format!("{a}{b}");
                let trimmed = input.trim_matches(|c: char| " \t\n\r\x0b\x0c".contains(c));
                let expected = if trimmed.contains(|c: char| " \t\n\r\x0b\x0c".contains(c))
                    || !trimmed.bytes().all(|b| b.is_ascii_digit())
                {
                    None
                } else {
                    trimmed.parse::<i32>().ok().filter(|&v| v > 0)
                };
                assert_eq!(parse_pid(input.as_bytes()).ok(), expected, "{input:?}");
            }
        }
    }
}
