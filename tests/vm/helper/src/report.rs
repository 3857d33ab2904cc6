//! What the shell tests would otherwise need several slow processes for: picking lines out of
//! the kernel log. Every process costs about a second on the
//! debug kernel under TCG; this one is static and starts in a fraction of that.

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
