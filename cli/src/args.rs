//! The command line, parsed whole before anything is opened (lexopt: no panics on any input,
//! `--`, `-hv` clusters, `--opt=value` refused for flags).

use pidns::{Prefer, Query};
use std::ffi::OsString;

pub const USAGE: &str = "\
Usage: pidns [OPTIONS] [--] PID|N@P...
       pidns [OPTIONS] --all

Prints each process's PID in every PID namespace it lives in, from the caller's own namespace
down to the process's, as the pidns module logs it (deepest first, outer levels indented):

  pid 2 (sleep) level 2 ns pid:[4026532115]
    pid 3 level 1 ns pid:[4026532113]
      pid 84 level 0 ns pid:[4026531836]

  PID            a process, by its PID in the caller's PID namespace
  N@P            PID N in the PID namespace of process P (P a PID in the caller's namespace)
  --all          every process of the caller's PID namespace (and those below it)
  --json         JSON Lines: one object a line, for each process: query, source, comm, and
                 per level (outermost first) level, pid, tgid, ns (inode) and ns_id, null
                 where not known; for each query that failed: {\"query\":\"9\",\"error\":\"ESRCH\"}
  --pidfd        open a pidfd for each PID (and P) first and ask by it (not with --all)
  --proc         do not use the module: /proc/PID/status, /proc/PID/ns/pid and nsfs only
  --module       use the module only (fail if /proc/pidns cannot be opened)
  -v, --verbose  say on stderr which source answered, and why the module was not used
  -h, --help     this text
  -V, --version  the version
  --             the arguments after it are PIDs, even if they begin with '-'

Uses the PIDNS_GET_CHAIN ioctl on /proc/pidns, one per process, when it can open it (the module
is loaded and the caller is root); else /proc, which must be the caller's own namespace's.
There the namespaces' depths cannot be told from inside a PID namespace (`level ?`), nor, for
anyone but root, another user's processes' namespaces (`ns pid:[?]`); --all skips the processes
/proc does not let it read, and says how many.
Exit status: 0 if every process was found, 1 if one was not (one line on stderr each) or an
error occurred, 2 for a usage error. See pidns(1).
";

/// `pidns <version>`, the crate's.
pub fn version() -> String {
    format!("pidns {}\n", env!("CARGO_PKG_VERSION"))
}

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub struct Options {
    pub all: bool,
    pub json: bool,
    pub pidfd: bool,
    pub verbose: bool,
    pub prefer: Prefer,
    /// Each query as given (for messages and JSON's `query`) and parsed.
    pub queries: Vec<(String, Query)>,
}

#[derive(Debug, PartialEq)]
pub enum Parsed {
    Run(Options),
    Help,
    Version,
}

/// Parses the arguments (without the program's name); `Err` is a usage error's message.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, String> {
    use lexopt::Arg::{Long, Short, Value};
    let mut o = Options {
        all: false,
        json: false,
        pidfd: false,
        verbose: false,
        prefer: Prefer::Any,
        queries: Vec::new(),
    };
    // Both given is an error, whichever comes last.
    let (mut proc, mut module) = (false, false);
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => return Ok(Parsed::Help),
            Short('V') | Long("version") => return Ok(Parsed::Version),
            Short('v') | Long("verbose") => o.verbose = true,
            Long("all") => o.all = true,
            Long("json") => o.json = true,
            Long("pidfd") => o.pidfd = true,
            Long("proc") => proc = true,
            Long("module") => module = true,
            Value(value) => o.queries.push(query(value)?),
            other => return Err(other.unexpected().to_string()),
        }
    }
    o.prefer = match (proc, module) {
        (true, true) => return Err("--proc and --module exclude each other".to_string()),
        (true, false) => Prefer::Proc,
        (false, true) => Prefer::Module,
        (false, false) => Prefer::Any,
    };
    if o.all && !o.queries.is_empty() {
        return Err("--all takes no PIDs".to_string());
    }
    if o.all && o.pidfd {
        return Err("--pidfd is for the PIDs given, not --all".to_string());
    }
    if !o.all && o.queries.is_empty() {
        return Err("give PIDs (or N@P) or --all".to_string());
    }
    Ok(Parsed::Run(o))
}

/// One `PID` or `N@P` argument.
fn query(value: OsString) -> Result<(String, Query), String> {
    // Debug shows the bytes that are not UTF-8 (\xFF) and control characters escaped.
    let text = value
        .into_string()
        .map_err(|v| format!("{v:?}: not valid UTF-8"))?;
    match Query::parse(&text) {
        Some(q) => Ok((text, q)),
        None => Err(format!("{text:?}: not a PID or N@P")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    fn parse_strs(args: &[&str]) -> Result<Parsed, String> {
        parse(args.iter().map(OsString::from))
    }

    fn run(args: &[&str]) -> Options {
        match parse_strs(args) {
            Ok(Parsed::Run(o)) => o,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn options_and_queries() {
        let o = run(&["--json", "-v", "84", "2@83"]);
        assert!(o.json && o.verbose && !o.all && !o.pidfd);
        assert_eq!(o.prefer, Prefer::Any);
        assert_eq!(o.queries.len(), 2);
        assert_eq!(o.queries[1].0, "2@83");
        assert_eq!(run(&["--all", "--proc"]).prefer, Prefer::Proc);
        assert_eq!(run(&["--module", "1"]).prefer, Prefer::Module);
        assert_eq!(run(&["--", "1"]).queries[0].1, Query::pid(1));
        assert_eq!(parse_strs(&["--help", "--bogus"]), Ok(Parsed::Help));
        assert_eq!(parse_strs(&["-vh"]), Ok(Parsed::Help));
        assert_eq!(parse_strs(&["--version"]), Ok(Parsed::Version));
        assert_eq!(parse_strs(&["-V"]), Ok(Parsed::Version));
        assert!(version().starts_with("pidns 0."));
    }

    #[test]
    fn usage_errors() {
        for (args, msg) in [
            (&[][..], "give PIDs (or N@P) or --all"),
            (
                &["--proc", "--module", "1"],
                "--proc and --module exclude each other",
            ),
            (&["--all", "1"], "--all takes no PIDs"),
            (
                &["--all", "--pidfd"],
                "--pidfd is for the PIDs given, not --all",
            ),
            (&["abc"], "\"abc\": not a PID or N@P"),
            (&["0"], "\"0\": not a PID or N@P"),
            (&["--", "-1"], "\"-1\": not a PID or N@P"),
            (&["-1"], "invalid option '-1'"),
            (&["--bogus"], "invalid option '--bogus'"),
            (
                &["--json=yes", "1"],
                "unexpected argument for option '--json': \"yes\"",
            ),
            (&["a\u{1b}[31m"], "\"a\\u{1b}[31m\": not a PID or N@P"),
        ] {
            assert_eq!(parse_strs(args), Err(msg.to_string()), "{args:?}");
        }
    }

    #[test]
    fn not_utf8_is_a_usage_error() {
        let bad = OsString::from_vec(b"8\xff4".to_vec());
        assert_eq!(
            parse([bad.clone()]),
            Err("\"8\\xFF4\": not valid UTF-8".to_string())
        );
        let option = OsString::from_vec(b"--\xff".to_vec());
        assert!(parse([option]).is_err());
        let short = OsString::from_vec(b"-\xff".to_vec());
        assert!(parse([short]).is_err());
        assert!(parse([OsString::from("--"), bad]).is_err());
    }
}
