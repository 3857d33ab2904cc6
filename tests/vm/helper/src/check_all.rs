//! `vmh check-all`: pidns's answers for every process against the kernel's own `/proc`.
//!
//! Asks `all`, then every listed PID again in one batch of single queries, and compares each
//! answer with `/proc/PID/status` (`NSpid:`, `NStgid:`), `/proc/PID/comm` and
//! `/proc/PID/ns/pid`, as seen from the caller's PID namespace (run it there with
//! `nsenter -p -m`). Processes that start or exit while it runs are left out: only those that
//! `/proc` listed both before and after the question are compared, and of those only the ones
//! whose name did not change meanwhile (a udev worker, a process that runs `exec`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

/// One read-back line, as its `key=value` fields.
type Fields = BTreeMap<String, String>;

/// What `/proc` says of one process.
struct Status {
    nspid: String,
    nstgid: String,
    comm: String,
    ns: String,
    kthread: bool,
}

/// The PIDs `/proc` lists now.
fn proc_pids() -> BTreeSet<i32> {
    pidns::procfs::list_pids()
        .map(|p| p.into_iter().collect())
        .unwrap_or_default()
}

/// The inode in a `pid:[inode]` link, or the empty string.
pub fn ns_inode(link: &str) -> String {
    link.trim_start_matches("pid:[")
        .trim_end_matches(']')
        .to_string()
}

/// `/proc/PID/comm`, escaped, or `None` once the process is gone.
fn comm_of(pid: i32) -> Option<String> {
    let mut comm = fs::read(format!("/proc/{pid}/comm")).ok()?;
    if comm.last() == Some(&b'\n') {
        comm.pop();
    }
    Some(pidns::escaped_comm(&comm))
}

/// What `/proc` says of `pid`, or `None` once it is gone.
fn status_of(pid: i32) -> Option<Status> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(","))
    };
    let comm = comm_of(pid)?;
    let ns = fs::read_link(format!("/proc/{pid}/ns/pid")).ok()?;
    Some(Status {
        nspid: field("NSpid:")?,
        nstgid: field("NStgid:")?,
        comm,
        ns: ns_inode(&ns.to_string_lossy()),
        kthread: field("Kthread:").as_deref() == Some("1"),
    })
}

/// Read-back lines as their fields, in order.
fn parse_answer(text: &str) -> Vec<Fields> {
    text.lines()
        .map(|line| {
            line.split(' ')
                .filter_map(|f| f.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The differences between one read-back line and `/proc`'s view of the same process.
fn compare(answer: &Fields, status: &Status, self_ns: &str) -> Vec<String> {
    let get = |k: &str| answer.get(k).map_or("", String::as_str);
    let mut diffs = Vec::new();
    for (key, want) in [("nspid", &status.nspid), ("nstgid", &status.nstgid)] {
        if get(key) != want {
            diffs.push(format!("{key}: pidns {:?}, /proc {want:?}", get(key)));
        }
    }
    // pidns shows the task's comm (at most 15 bytes); for kernel threads /proc shows longer
    // names (a workqueue worker's current work, a kthread's full name) that begin with it.
    let comm = get("comm");
    let longer_name = status.kthread || comm.len() == 15;
    if comm != status.comm && !(longer_name && status.comm.starts_with(comm)) {
        diffs.push(format!("comm: pidns {comm:?}, /proc {:?}", status.comm));
    }
    let ns: Vec<&str> = get("ns").split(',').collect();
    if ns.last() != Some(&status.ns.as_str()) {
        diffs.push(format!("deepest ns: pidns {ns:?}, /proc {}", status.ns));
    }
    if ns.first() != Some(&self_ns) {
        diffs.push(format!(
            "outermost ns shown: {ns:?}, the reader's {self_ns}"
        ));
    }
    let levels = get("level").split(',').count();
    if levels != status.nspid.split(',').count() {
        diffs.push(format!("{levels} levels for NSpid {}", status.nspid));
    }
    diffs
}

/// Runs the check; prints `ok N processes` or up to 40 differences.
pub fn check_all() -> String {
    let self_ns = fs::read_link("/proc/self/ns/pid")
        .map(|l| ns_inode(&l.to_string_lossy()))
        .unwrap_or_default();
    let mut problems = Vec::new();

    let before = proc_pids();
    let names: BTreeMap<i32, String> = before
        .iter()
        .filter_map(|&pid| Some((pid, comm_of(pid)?)))
        .collect();
    let (result, text) = crate::ask(b"all");
    let after = proc_pids();
    if result != "ok" {
        problems.push(format!("all: write failed with {result}"));
    }
    let mut listed = BTreeMap::new();
    for line in parse_answer(&String::from_utf8_lossy(&text)) {
        let pid = line
            .get("nspid")
            .and_then(|n| n.split(',').next()?.parse::<i32>().ok());
        match (line.get("query").map(String::as_str), pid) {
            (Some("all"), Some(pid)) => {
                listed.insert(pid, line);
            }
            _ => problems.push(format!("all: unexpected line {line:?}")),
        }
    }
    // Processes alive during the whole question (a kernel thread's name in /proc may change
    // from read to read: compare() allows for that).
    let stable: Vec<i32> = before.intersection(&after).copied().collect();
    for &pid in &stable {
        let Some(status) = status_of(pid) else {
            continue;
        };
        if !status.kthread && names.get(&pid) != Some(&status.comm) {
            continue; // renamed while the question ran
        }
        match listed.get(&pid) {
            None => problems.push(format!("all: {pid} ({}) missing", status.comm)),
            Some(line) => problems.extend(
                compare(line, &status, &self_ns)
                    .into_iter()
                    .map(|d| format!("all: {pid}: {d}")),
            ),
        }
    }
    // A process listed but in neither /proc listing lived only while the question ran (a udev
    // worker): nothing to compare it with, but its number must be one a process can have.
    let pid_max: i32 = fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(i32::MAX);
    for &pid in listed.keys() {
        if !(1..pid_max).contains(&pid) {
            problems.push(format!("all: lists {pid}, outside 1..{pid_max}"));
        }
    }

    // Every process again, as one batch of single queries.
    let batch: Vec<String> = stable.iter().map(i32::to_string).collect();
    let (_, text) = crate::ask(batch.join(" ").as_bytes());
    let answers: BTreeMap<i32, Fields> = parse_answer(&String::from_utf8_lossy(&text))
        .into_iter()
        .filter(|a| !a.contains_key("error"))
        .filter_map(|a| Some((a.get("query")?.parse().ok()?, a)))
        .collect();
    for &pid in &stable {
        let Some(status) = status_of(pid) else {
            continue;
        };
        if !status.kthread && names.get(&pid) != Some(&status.comm) {
            continue;
        }
        match answers.get(&pid) {
            None => problems.push(format!("batch: no answer for {pid}")),
            Some(line) => problems.extend(
                compare(line, &status, &self_ns)
                    .into_iter()
                    .map(|d| format!("batch: {pid}: {d}")),
            ),
        }
    }
    if problems.is_empty() {
        format!("ok {} processes", stable.len())
    } else {
        problems.truncate(40);
        problems.join("\n")
    }
}
