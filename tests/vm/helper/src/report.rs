//! What the shell tests would otherwise need several slow processes for: picking lines out of
//! the kernel log, and finding a nest's processes. Every process costs about a second on the
//! debug kernel under TCG; this one is static and starts in a fraction of that.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::time::Duration;

/// Marks of a kernel report: the headers of BUG and WARNING splats (KASAN, lockdep, suspicious
/// RCU usage and sleeping in atomic context all start with one of those), oopses, RCU stalls,
/// lockdep switching itself off, kmemleak's leak notice, panics, hung tasks. Precise enough that
/// a clean boot log has none (it has "rcu: Hierarchical RCU implementation.", "rcu: RCU lockdep
/// checking is enabled." and "kmemleak: Kernel memory leak detector initialized").
const REPORT_MARKS: &[&str] = &[
    "BUG:",
    "WARNING:",
    "Oops",
    "general protection fault",
    "Call Trace:",
    "RCU usage",
    "rcu_preempt detected stall",
    "rcu_sched detected stall",
    "self-detected stall",
    "lockdep is turned off",
    "locking correctness validator",
    "KASAN",
    "suspected memory leak",
    "Kernel panic",
    "UBSAN",
    "blocked for more than",
];

/// Whether the kernel log line `text` passes `filter`: every line without one, `pidns` lines
/// (but the one-off taint notices: out-of-tree, and on a kernel that checks signatures, unsigned)
/// for `pidns`, report lines for `reports`.
pub fn log_filter(filter: Option<&str>, text: &str) -> bool {
    match filter {
        None => true,
        Some("pidns") => {
            text.starts_with("pidns: ")
                && !text.contains("taints kernel")
                && !text.contains("tainting kernel")
        }
        Some("reports") => REPORT_MARKS.iter().any(|m| text.contains(m)),
        Some(other) => {
            eprintln!("vmh log: unknown filter {other:?}");
            std::process::exit(2)
        }
    }
}

/// PPID and command name of every process, by PID, from `/proc/PID/stat`.
fn processes() -> BTreeMap<i32, (i32, String)> {
    let mut all = BTreeMap::new();
    let Ok(dir) = fs::read_dir("/proc") else {
        return all;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses; it ends at the last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_string();
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        all.insert(pid, (ppid, comm));
    }
    all
}

/// Waits until the nest under `helper` (the first level's helper) is up, then prints the host PIDs
/// of every level's PID 1 and of the sleeper, on one line. Line of descent: helper -> PID 1 of
/// level 1 -> helper -> PID 1 of level 2 -> ... -> sleeper.
pub fn nest_pids(helper: i32, depth: u32) {
    for _ in 0..600 {
        let all = processes();
        let child_of = |parent: i32| {
            all.iter()
                .find(|(_, (ppid, _))| *ppid == parent)
                .map(|(&pid, _)| pid)
        };
        let mut inits = Vec::new();
        let mut helper = Some(helper);
        for _ in 0..depth {
            let Some(init) = helper.and_then(child_of) else {
                break;
            };
            inits.push(init);
            helper = child_of(init);
        }
        // The deepest PID 1's child is the sleeper, once it has exec'd.
        let sleeper = inits.last().and_then(|&init| child_of(init));
        if let Some(sleeper) = sleeper {
            if inits.len() == depth as usize && all[&sleeper].1 == "sleep" {
                let pids: Vec<String> =
                    inits.iter().chain([&sleeper]).map(i32::to_string).collect();
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{}", pids.join(" "));
                let _ = out.flush();
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("vmh nest: the nest of depth {depth} did not come up");
}
