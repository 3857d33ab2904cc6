//! The results as rows (what the CSV holds and the plot redraws from), the tables printed to
//! stdout, and the CSV itself.

use crate::paired::{Pair, PAIRED};
use crate::sys::Res;
use crate::timing::{Case, DEPTH, LOG, LOOKUP, MAP};
use std::fmt::Write as _;
use std::path::Path;

pub const FLOOR: &str = "floor (pipe write+read)";
pub const PIDNS_LOG0: &str = "pidns log=0";
pub const PIDNS_LOG1: &str = "pidns log=1";
pub const PIDNS_BATCH: &str = "pidns batch x100 log=0";
pub const PIDNS_LOG0_BEFORE: &str = "pidns log=0 (before)";
pub const PIDNS_BATCH_BEFORE: &str = "pidns batch x100 (before)";
pub const PIDNS_IOCTL: &str = "pidns ioctl by PID";
pub const PIDNS_IOCTL_PIDFD: &str = "pidns ioctl by pidfd";
pub const PIDNS_CLI: &str = "pidns command (fork+exec)";
pub const NSPID: &str = "NSpid (/proc status)";
pub const PIDFD: &str = "pidfd info (1 level)";
pub const NSFS_SCRATCH: &str = "nsfs chain from scratch";
pub const NSFS_PRE: &str = "nsfs chain pre-opened";
pub const PIDNS_ALL: &str = "pidns all";
pub const PROC_SCAN: &str = "/proc scan";
/// Paired ratios (section `paired`: the value columns hold ratios, not µs).
pub const PAIR_NSFS: &str = "ioctl by PID / nsfs chain pre-opened";
pub const PAIR_FLOOR: &str = "ioctl by PID / floor";
pub const PAIR_NSPID: &str = "NSpid / ioctl by PID";
pub const PAIR_PIDFD: &str = "ioctl by pidfd / by PID";

const HEADER: &str =
    "section,method,levels_or_n,median_us,min_us,max_us,repeats,iterations,p25_us,p75_us";

/// One CSV row: µs per lookup (per whole map in section `map`).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub section: String,
    pub method: String,
    pub levels_or_n: usize,
    pub median_us: f64,
    pub min_us: f64,
    pub max_us: f64,
    pub repeats: usize,
    /// Lookups per timed run.
    pub iterations: u64,
    pub p25_us: f64,
    pub p75_us: f64,
}

/// Rows of the cases that have samples.
pub fn rows(cases: &[Case]) -> Vec<Row> {
    cases
        .iter()
        .filter_map(|c| {
            let s = c.summary()?;
            Some(Row {
                section: c.section.to_string(),
                method: c.method.to_string(),
                levels_or_n: c.levels_or_n,
                median_us: s.median,
                min_us: s.min,
                max_us: s.max,
                repeats: c.samples.len(),
                iterations: c.lookups(),
                p25_us: s.p25,
                p75_us: s.p75,
            })
        })
        .collect()
}

/// Rows of the paired ratios, at `depth` levels; the value columns hold ratios.
pub fn paired_rows(pairs: &[Pair], depth: usize) -> Vec<Row> {
    pairs
        .iter()
        .filter_map(|p| {
            let s = p.summary()?;
            Some(Row {
                section: PAIRED.to_string(),
                method: p.name.to_string(),
                levels_or_n: depth,
                median_us: s.median,
                min_us: s.min,
                max_us: s.max,
                repeats: p.ratios.len(),
                iterations: 0,
                p25_us: s.p25,
                p75_us: s.p75,
            })
        })
        .collect()
}

/// The CSV text: written to results.csv, and printed too, to carry it out of a test VM whose
/// view of the host's files is read-only.
pub fn csv_text(rows: &[Row]) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{:.4},{:.4},{:.4},{},{},{:.4},{:.4}",
            r.section,
            r.method,
            r.levels_or_n,
            r.median_us,
            r.min_us,
            r.max_us,
            r.repeats,
            r.iterations,
            r.p25_us,
            r.p75_us
        );
    }
    out
}

pub fn write_csv(rows: &[Row], path: &Path) -> Res<()> {
    std::fs::write(path, csv_text(rows)).map_err(|e| format!("write {}: {e}", path.display()))
}

pub fn read_csv(path: &Path) -> Res<Vec<Row>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(format!(
            "{}: not a pidns-bench CSV (first line is not {HEADER:?})",
            path.display()
        ));
    }
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate().filter(|(_, l)| !l.is_empty()) {
        let bad = || format!("{}:{}: malformed row {line:?}", path.display(), i + 2);
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 10 {
            return Err(bad());
        }
        let num = |s: &str| s.parse::<f64>().map_err(|_| bad());
        let int = |s: &str| s.parse::<u64>().map_err(|_| bad());
        rows.push(Row {
            section: f[0].to_string(),
            method: f[1].to_string(),
            levels_or_n: int(f[2])? as usize,
            median_us: num(f[3])?,
            min_us: num(f[4])?,
            max_us: num(f[5])?,
            repeats: int(f[6])? as usize,
            iterations: int(f[7])?,
            p25_us: num(f[8])?,
            p75_us: num(f[9])?,
        });
    }
    Ok(rows)
}

/// The row of `method` in `section` at `levels_or_n`.
pub fn find<'a>(
    rows: &'a [Row],
    section: &str,
    method: &str,
    levels_or_n: usize,
) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.section == section && r.method == method && r.levels_or_n == levels_or_n)
}

/// A time in µs with 3 significant digits or so.
pub fn us(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// How many levels a method answers: the pipe none, pidfd only the caller's.
fn levels_shown(method: &str, depth: usize) -> String {
    match method {
        FLOOR => "-".into(),
        PIDFD => format!("1 of {depth}"),
        _ => depth.to_string(),
    }
}

/// The main table, the log cost, the depth series and the map table.
pub fn print_tables(rows: &[Row], depth: usize) {
    let floor = find(rows, LOOKUP, FLOOR, depth).map(|r| r.median_us);
    let nspid = find(rows, LOOKUP, NSPID, depth).map(|r| r.median_us);
    println!(
        "\nCost of one lookup of a target with {depth} PID levels, seen from the initial namespace"
    );
    println!(
        "{:<26} {:>7} {:>11} {:>17} {:>8} {:>13}",
        "method", "levels", "median µs", "min–max µs", "× floor", "vs NSpid"
    );
    for r in rows.iter().filter(|r| r.section == LOOKUP) {
        let x_floor = floor.map_or("-".into(), |f| format!("{:.1}", r.median_us / f));
        let vs = nspid.map_or("-".into(), |n| {
            let ratio = n / r.median_us;
            if r.method == NSPID {
                "(reference)".into()
            } else if ratio >= 1.0 {
                format!("{ratio:.1}x faster")
            } else {
                format!("{ratio:.2}x")
            }
        });
        println!(
            "{:<26} {:>7} {:>11} {:>17} {:>8} {:>13}",
            r.method,
            levels_shown(&r.method, depth),
            us(r.median_us),
            format!("{}–{}", us(r.min_us), us(r.max_us)),
            x_floor,
            vs
        );
    }
    print_paired(rows);
    print_log_cost(rows, depth);
    print_depths(rows);
    print_map(rows);
}

/// The paired ratios (paired.rs).
fn print_paired(rows: &[Row]) {
    let paired: Vec<&Row> = rows.iter().filter(|r| r.section == PAIRED).collect();
    if paired.is_empty() {
        return;
    }
    println!(
        "\nPaired ratios (the two methods in alternating slots of about 3 ms; median of rounds)"
    );
    println!(
        "{:<38} {:>7} {:>8} {:>15} {:>15}",
        "ratio", "levels", "median", "p25–p75", "min–max"
    );
    for r in paired {
        println!(
            "{:<38} {:>7} {:>8.3} {:>15} {:>15}",
            r.method,
            r.levels_or_n,
            r.median_us,
            format!("{:.3}–{:.3}", r.p25_us, r.p75_us),
            format!("{:.3}–{:.3}", r.min_us, r.max_us)
        );
    }
}

/// With log=1 each lookup prints one kernel-log line per level: (log=1 − log=0) / levels.
fn print_log_cost(rows: &[Row], depth: usize) {
    let pair = |section: &str, levels: usize| {
        Some((
            find(rows, section, PIDNS_LOG1, levels)?.median_us,
            find(rows, section, PIDNS_LOG0, levels)?.median_us,
        ))
    };
    let Some((on_d, off_d)) = pair(LOOKUP, depth) else {
        return;
    };
    let per_d = (on_d - off_d) / depth as f64;
    print!(
        "\nkernel log (log=1 − log=0): {} µs for {depth} levels = {} µs per level printed",
        us(on_d - off_d),
        us(per_d)
    );
    if let Some((on_1, off_1)) = pair(LOG, 1) {
        print!("; at 1 level: {} µs", us(on_1 - off_1));
    }
    println!();
}

/// The distinct `levels_or_n` of a section's rows, in order.
fn sizes_of(rows: &[Row], section: &str) -> Vec<usize> {
    let mut sizes: Vec<usize> = rows
        .iter()
        .filter(|r| r.section == section)
        .map(|r| r.levels_or_n)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// Cost against depth: growth should follow the levels printed, nothing more.
fn print_depths(rows: &[Row]) {
    let depths = sizes_of(rows, DEPTH);
    if depths.is_empty() {
        return;
    }
    let methods = [PIDNS_LOG0, PIDNS_IOCTL, NSPID, NSFS_PRE];
    println!("\nCost against the target's depth (median µs per lookup)");
    print!("{:>6}", "levels");
    for m in methods {
        print!(" {m:>22}");
    }
    println!();
    for d in depths {
        print!("{d:>6}");
        for m in methods {
            let v = find(rows, DEPTH, m, d).map_or("-".into(), |r| us(r.median_us));
            print!(" {v:>22}");
        }
        println!();
    }
}

/// Whole-system map: one `all` against a /proc scan.
fn print_map(rows: &[Row]) {
    let sizes = sizes_of(rows, MAP);
    if sizes.is_empty() {
        return;
    }
    println!("\nWhole-system map with N extra processes (median ms per map)");
    println!(
        "{:>7} {:>14} {:>14} {:>16}",
        "N", "pidns all ms", "/proc scan ms", "scan / all"
    );
    for n in sizes {
        let all = find(rows, MAP, PIDNS_ALL, n).map(|r| r.median_us / 1e3);
        let scan = find(rows, MAP, PROC_SCAN, n).map(|r| r.median_us / 1e3);
        let ms = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2}"));
        let ratio = match (all, scan) {
            (Some(a), Some(s)) => format!("{:.1}x", s / a),
            _ => "-".into(),
        };
        println!("{n:>7} {:>14} {:>14} {ratio:>16}", ms(all), ms(scan));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trip() {
        let r = Row {
            section: "lookup".into(),
            method: NSPID.into(),
            levels_or_n: 3,
            median_us: 1.5,
            min_us: 1.25,
            max_us: 2.0,
            repeats: 7,
            iterations: 5000,
            p25_us: 1.3,
            p75_us: 1.75,
        };
        let path = std::env::temp_dir().join(format!("pidns-bench-{}.csv", std::process::id()));
        write_csv(std::slice::from_ref(&r), &path).unwrap();
        let back = read_csv(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(back, vec![r]);
    }
}
