//! Command-line parsing, by hand: a handful of options does not justify an argument-parser
//! dependency in a crate that runs in a minimal test VM.

use std::path::PathBuf;

pub const HELP: &str = "\
pidns-bench: cost of learning a process's PID at every PID-namespace level, /proc/pidns against
/proc/PID/status (NSpid), pidfd and nsfs ioctls, and of mapping the whole system (`all` against a
/proc scan). Runs as root; loads and unloads pidns.ko itself (with log=0, then log=1).

Usage:
  pidns-bench [OPTIONS]
  pidns-bench plot CSV PNG [--label TEXT]   print the tables and redraw the plot from a
                                            results.csv (title: --label, else the label.txt
                                            written beside the CSV)
  pidns-bench --help

Options:
  --cli PATH        the pidns command (cli/, built static) to time end to end; without it the
                    row is skipped
  --ko PATH         pidns.ko to load; without it (or if the file is missing) the pidns methods
                    are skipped. A pidns already loaded is unloaded first.
  --ko-before PATH  another pidns.ko (an earlier version) whose text interface (log=0, single
                    and batch) is timed in the same run, loaded in turn with --ko's in every
                    repeat: the rows marked (before)
  --out DIR         where results.csv, bench.png and label.txt go (default: bench-results)
  --repeats R       timed runs per method, interleaved across methods (default: 7)
  --lookups N       lookups per run at most; expensive methods do fewer, so that one run stays
                    near 0.25 s (default: 5000)
  --map-sizes LIST  extra processes for the whole-system map, comma-separated
                    (default: 100,1000,10000; 10,000 needs about 4 GiB of memory in a guest)
  --depth D         PID levels of the target: D-1 nested child namespaces (default: 3)
  --label TEXT      the plot's title (default: kernel release, CPU count, KVM/TCG)
  --quick           smoke run: --repeats 3 --lookups 500 --map-sizes 100,1000
                    (options given explicitly win)
  -h, --help        this text
";

/// What to do.
pub enum Command {
    Help,
    Bench(Config),
    Plot {
        csv: PathBuf,
        png: PathBuf,
        label: Option<String>,
    },
}

/// Benchmark settings, defaults applied.
pub struct Config {
    pub ko: Option<PathBuf>,
    pub ko_before: Option<PathBuf>,
    pub cli: Option<PathBuf>,
    pub out: PathBuf,
    pub repeats: usize,
    pub lookups: u64,
    pub map_sizes: Vec<usize>,
    pub depth: usize,
    pub label: Option<String>,
}

/// A positive integer option value.
fn number<T: std::str::FromStr + PartialOrd + Default>(opt: &str, v: &str) -> Result<T, String> {
    match v.parse::<T>() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err(format!("{opt}: expected a positive number, got {v:?}")),
    }
}

pub fn parse(args: &[String]) -> Result<Command, String> {
    if args.first().map(String::as_str) == Some("plot") {
        return parse_plot(&args[1..]);
    }
    let mut ko = None;
    let mut ko_before = None;
    let mut cli = None;
    let mut out = None;
    let mut repeats = None;
    let mut lookups = None;
    let mut map_sizes = None;
    let mut depth = None;
    let mut label = None;
    let mut quick = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (opt, inline) = match arg.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{opt} needs a value"))
        };
        match opt {
            "-h" | "--help" => return Ok(Command::Help),
            "--quick" => quick = true,
            "--ko" => ko = Some(PathBuf::from(value()?)),
            "--ko-before" => ko_before = Some(PathBuf::from(value()?)),
            "--cli" => cli = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--repeats" => repeats = Some(number(opt, &value()?)?),
            "--lookups" => lookups = Some(number(opt, &value()?)?),
            "--depth" => depth = Some(number(opt, &value()?)?),
            "--label" => label = Some(value()?),
            "--map-sizes" => {
                let v = value()?;
                let sizes = v
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| number(opt, s.trim()))
                    .collect::<Result<Vec<usize>, _>>()?;
                map_sizes = Some(sizes);
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    let depth: usize = depth.unwrap_or(3);
    if depth > 33 {
        return Err(format!(
            "--depth {depth}: Linux nests at most 32 PID namespaces, so at most 33 levels"
        ));
    }
    Ok(Command::Bench(Config {
        ko,
        ko_before,
        cli,
        out: out.unwrap_or_else(|| PathBuf::from("bench-results")),
        repeats: repeats.unwrap_or(if quick { 3 } else { 7 }),
        lookups: lookups.unwrap_or(if quick { 500 } else { 5000 }),
        map_sizes: map_sizes.unwrap_or_else(|| {
            if quick {
                vec![100, 1000]
            } else {
                vec![100, 1000, 10000]
            }
        }),
        depth,
        label,
    }))
}

fn parse_plot(args: &[String]) -> Result<Command, String> {
    let mut files = Vec::new();
    let mut label = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--label" => label = Some(it.next().cloned().ok_or("--label needs a value")?),
            s if s.starts_with("--label=") => label = Some(s["--label=".len()..].to_string()),
            "-h" | "--help" => return Ok(Command::Help),
            s if s.starts_with('-') => return Err(format!("plot: unknown option {s:?}")),
            s => files.push(PathBuf::from(s)),
        }
    }
    match <[PathBuf; 2]>::try_from(files) {
        Ok([csv, png]) => Ok(Command::Plot { csv, png, label }),
        Err(_) => Err("usage: pidns-bench plot CSV PNG [--label TEXT]".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn quick_and_overrides() {
        let Ok(Command::Bench(c)) = parse(&args("--quick --repeats 5 --map-sizes=10,20")) else {
            panic!("not a bench command");
        };
        assert_eq!((c.repeats, c.lookups, c.depth), (5, 500, 3));
        assert_eq!(c.map_sizes, [10, 20]);
        assert!(parse(&args("--depth 0")).is_err());
        assert!(parse(&args("--bogus")).is_err());
        assert!(matches!(
            parse(&args("plot a.csv b.png --label x")),
            Ok(Command::Plot { .. })
        ));
    }
}
