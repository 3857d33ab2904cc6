//! Timing one method: CLOCK_MONOTONIC around a run of iterations, per lookup = elapsed / lookups.
//!
//! A method's first measurement calibrates it: runs of 1, 4, 16, ... iterations warm it up until
//! one takes a tenth of the time budget, which also tells how many iterations fit in the budget.
//! The iteration count is then fixed (at most `--lookups`) so that every repeat times the same
//! work; expensive methods (the kernel log over a serial console, /proc scans) get fewer
//! iterations and a repeat stays well under a second even under TCG.

use crate::methods::Lookup;
use crate::stats::{self, Summary};
use crate::sys::{self, Res};

/// Seconds one timed run should take at most.
pub const BUDGET_S: f64 = 0.25;

/// Section names: they key the CSV and the report.
pub const LOOKUP: &str = "lookup";
pub const LOG: &str = "log";
pub const DEPTH: &str = "depth";
pub const MAP: &str = "map";

/// One measured figure: a method, on a target of some depth (or a map of some size).
pub struct Case {
    pub section: &'static str,
    pub method: &'static str,
    /// The target's depth (levels of its NSpid), or for the map the processes spawned.
    pub levels_or_n: usize,
    /// Lookups a run may do at most.
    max_lookups: u64,
    /// Iterations per timed run, fixed by the first measurement (0 before).
    iters: u64,
    /// Lookups per iteration (100 for the batch).
    per_iter: u64,
    /// Microseconds per lookup, one per repeat.
    pub samples: Vec<f64>,
}

impl Case {
    pub fn new(
        section: &'static str,
        method: &'static str,
        levels_or_n: usize,
        max_lookups: u64,
    ) -> Case {
        Case {
            section,
            method,
            levels_or_n,
            max_lookups: max_lookups.max(1),
            iters: 0,
            per_iter: 1,
            samples: Vec::new(),
        }
    }

    /// Lookups timed per run.
    pub fn lookups(&self) -> u64 {
        self.iters * self.per_iter
    }

    pub fn summary(&self) -> Option<Summary> {
        stats::summarize(&self.samples)
    }

    /// Times one run of `m` and records µs per lookup. Calibrates (and so warms up) on the
    /// first call; later calls warm up with 2% of a run, which matters after a module reload.
    pub fn measure(&mut self, m: &mut dyn Lookup) -> Res<()> {
        let what = |e: String| format!("{} (levels/N {}): {e}", self.method, self.levels_or_n);
        if self.iters == 0 {
            self.per_iter = m.per_iter();
            self.iters = calibrate(m, self.max_lookups.div_ceil(self.per_iter)).map_err(what)?;
        } else if self.iters >= 50 {
            m.run(self.iters / 50).map_err(what)?;
        }
        let start = sys::now();
        m.run(self.iters).map_err(what)?;
        let elapsed = sys::now() - start;
        self.samples
            .push(elapsed * 1e6 / (self.iters * self.per_iter) as f64);
        Ok(())
    }
}

/// Warms `m` up and returns how many iterations (at most `max_iters`) fit in the budget.
fn calibrate(m: &mut dyn Lookup, max_iters: u64) -> Res<u64> {
    if max_iters == 1 {
        // A whole-system map: one iteration per run whatever it costs, and the constructor's
        // check already ran one, which warmed it up.
        return Ok(1);
    }
    let mut n = 1u64;
    loop {
        let start = sys::now();
        m.run(n)?;
        let t = sys::now() - start;
        if t * 10.0 >= BUDGET_S || n * 10 >= max_iters {
            let per = (t / n as f64).max(1e-9);
            return Ok(((BUDGET_S / per) as u64).clamp(1, max_iters));
        }
        n = (n * 4).min(max_iters);
    }
}
