//! The processes the bench looks up: a target nested D-1 PID namespaces deep (the nest vmh
//! makes too, `support::nest`), and N idle processes for the whole-system map. Both are guards:
//! dropping them kills and reaps every process they made, so no error path leaves anything
//! behind.

use crate::sys::{self, Res};
pub use support::nest::{Nest, Options as NestOptions};
use support::sys::{die_with_parent, reap, sleep_forever};

/// N idle processes, children of the bench, for the whole-system map.
pub struct Sleepers {
    pids: Vec<libc::pid_t>,
}

/// Processes forked first to measure what one costs in memory before forking the rest.
const PROBE: usize = 200;
/// Memory left untouched when judging whether N processes fit.
const MEM_RESERVE: u64 = 256 << 20;

impl Sleepers {
    /// Forks `n` processes that sleep until killed. Stops with an error, before the guest runs
    /// out of memory, when the rest would not fit in MemAvailable.
    pub fn spawn(n: usize) -> Res<Sleepers> {
        let mut s = Sleepers {
            pids: Vec::with_capacity(n),
        };
        let before = crate::procfs::meminfo_bytes("MemAvailable")?;
        s.fork_up_to(n.min(PROBE))?;
        if n > PROBE {
            let after = crate::procfs::meminfo_bytes("MemAvailable")?;
            // At least 32 KiB: MemAvailable moves for other reasons too.
            let each = (before.saturating_sub(after) / PROBE as u64).max(32 << 10);
            let need = each * (n - PROBE) as u64;
            if need + MEM_RESERVE > after {
                return Err(format!(
                    "{n} processes need about {} MiB more ({} KiB each), but MemAvailable is {} MiB: give the machine more memory (in the test VM: PIDNS_VM_MEMORY=4G) or use smaller --map-sizes",
                    need >> 20,
                    each >> 10,
                    after >> 20
                ));
            }
            s.fork_up_to(n)?;
        }
        Ok(s)
    }

    /// Forks until there are `n`.
    fn fork_up_to(&mut self, n: usize) -> Res<()> {
        // SAFETY: getpid() has no preconditions.
        let me = unsafe { libc::getpid() };
        while self.pids.len() < n {
            // SAFETY: the bench is single-threaded; the child only makes syscalls and sleeps.
            let pid = unsafe { libc::fork() };
            if pid < 0 {
                return Err(format!(
                    "{} after {} processes (see --map-sizes; pid_max, threads-max and memory limit how many there can be)",
                    sys::os_err("fork"),
                    self.pids.len()
                ));
            }
            if pid == 0 {
                die_with_parent(me);
                sleep_forever();
            }
            self.pids.push(pid);
        }
        Ok(())
    }
}

impl Drop for Sleepers {
    /// Kills them all first, then reaps them all: reaping one at a time after each kill would
    /// wait for each exit in turn.
    fn drop(&mut self) {
        for &pid in &self.pids {
            // SAFETY: kill() has no memory preconditions.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        for &pid in &self.pids {
            reap(pid);
        }
    }
}
