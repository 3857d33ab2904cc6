//! pidns-bench: what a lookup of a process's PIDs at every namespace level costs through
//! /proc/pidns, against the ways that exist without it, and what mapping the whole system costs.
//!
//! Every method's answer is checked against /proc before it is timed; methods are interleaved
//! across repeats (repeat r runs each method once, in turn) so that a slow phase of the machine
//! spreads over all of them instead of skewing one.

mod cli;
mod env;
mod limits;
mod methods;
mod module;
mod paired;
mod plot;
mod procfs;
mod report;
mod stats;
mod sys;
mod targets;
mod timing;

use cli::{Command, Config};
use methods::{
    Command as CliCommand, Floor, Ioctl, Lookup, NsfsPreopened, NsfsScratch, Nspid, Pidfd,
    PidnsAll, PidnsBatch, PidnsSingle, ProcScan,
};
use module::Module;
use report::{
    FLOOR, NSFS_PRE, NSFS_SCRATCH, NSPID, PAIR_FLOOR, PAIR_NSFS, PAIR_NSPID, PAIR_PIDFD, PIDFD,
    PIDNS_ALL, PIDNS_BATCH, PIDNS_BATCH_BEFORE, PIDNS_CLI, PIDNS_IOCTL, PIDNS_IOCTL_PIDFD,
    PIDNS_LOG0, PIDNS_LOG0_BEFORE, PIDNS_LOG1, PROC_SCAN,
};
use sys::Res;
use targets::{Nest, NestOptions, Sleepers};
use timing::{Case, DEPTH, LOG, LOOKUP, MAP};

/// Target depths of the depth series.
const DEPTHS: [usize; 6] = [1, 2, 4, 8, 16, 32];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match cli::parse(&args) {
        Ok(Command::Help) => {
            print!("{}", cli::HELP);
            0
        }
        Ok(Command::Plot { csv, png, label }) => match redraw(&csv, &png, label) {
            Ok(()) => 0,
            Err(e) => fail(&e),
        },
        Ok(Command::Bench(cfg)) => match bench(&cfg) {
            Ok(()) => 0,
            Err(e) => fail(&e),
        },
        Err(e) => {
            eprintln!("pidns-bench: {e}");
            2
        }
    };
    std::process::exit(code);
}

fn fail(e: &str) -> i32 {
    eprintln!("pidns-bench: error: {e}");
    1
}

/// The plot's title is kept beside the CSV, so that a plot redrawn elsewhere still names the
/// machine that was measured.
const LABEL_FILE: &str = "label.txt";

/// `pidns-bench plot CSV PNG`: prints the tables again and redraws the plot. The title is
/// --label, else the label.txt beside the CSV, else this machine's description.
fn redraw(csv: &std::path::Path, png: &std::path::Path, label: Option<String>) -> Res<()> {
    let rows = report::read_csv(csv)?;
    let saved = || {
        let path = csv.parent()?.join(LABEL_FILE);
        let text = std::fs::read_to_string(path).ok()?;
        Some(text.trim().to_string()).filter(|t| !t.is_empty())
    };
    let label = label
        .or_else(saved)
        .unwrap_or_else(|| env::detect().label());
    let depth = rows
        .iter()
        .filter(|r| r.section == LOOKUP)
        .map(|r| r.levels_or_n)
        .max()
        .unwrap_or(0);
    report::print_tables(&rows, depth);
    plot::draw(&rows, &label, png)?;
    println!("\nwrote {}", png.display());
    Ok(())
}

/// The measured cases, addressed by the index `add` returns.
#[derive(Default)]
struct Cases(Vec<Case>);

impl Cases {
    fn add(
        &mut self,
        section: &'static str,
        method: &'static str,
        levels: usize,
        max: u64,
    ) -> usize {
        self.0.push(Case::new(section, method, levels, max));
        self.0.len() - 1
    }

    fn measure(&mut self, id: usize, m: &mut dyn Lookup) -> Res<()> {
        self.0[id].measure(m)
    }
}

/// The whole benchmark; guards clean up targets, module and sysctls on every return path.
fn bench(cfg: &Config) -> Res<()> {
    // SAFETY: geteuid() has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(
            "must run as root: it creates PID namespaces, loads pidns.ko and raises sysctls".into(),
        );
    }
    // The output directory is written first, so that a read-only one fails before the run.
    let hint = "(in the test VM the host's files are read-only: use --out /tmp/DIR; \
                the CSV is also printed at the end)";
    std::fs::create_dir_all(&cfg.out)
        .map_err(|e| format!("create {}: {e} {hint}", cfg.out.display()))?;
    let env = env::detect();
    let label = cfg.label.clone().unwrap_or_else(|| env.label());
    let label_file = cfg.out.join(LABEL_FILE);
    std::fs::write(&label_file, format!("{label}\n"))
        .map_err(|e| format!("write {}: {e} {hint}", label_file.display()))?;
    plot::check_font()?;
    let processes_at_start = count_processes();
    let module = Module::prepare(cfg.ko.as_deref())?;

    let mut cases = Cases::default();
    let pairs = lookups(cfg, module.as_ref(), &mut cases)?;
    let map_error = map(cfg, module.as_ref(), &mut cases).err();

    let mut rows = report::rows(&cases.0);
    rows.extend(report::paired_rows(&pairs, cfg.depth));
    let csv = cfg.out.join("results.csv");
    report::write_csv(&rows, &csv)?;
    report::print_tables(&rows, cfg.depth);
    let png = cfg.out.join("bench.png");
    let plot_error = plot::draw(&rows, &label, &png).err();
    println!(
        "\nwrote {}{}",
        csv.display(),
        if plot_error.is_none() {
            format!(" and {}", png.display())
        } else {
            String::new()
        }
    );
    println!("\n--- results.csv (label: {label}) ---");
    print!("{}", report::csv_text(&rows));
    println!("--- end of results.csv ---");
    env.print();
    println!(
        "  processes: {processes_at_start} at start, {} at the end",
        count_processes()
    );
    match (map_error, plot_error) {
        (None, None) => Ok(()),
        (Some(e), _) => Err(format!("whole-system map: {e}")),
        (None, Some(e)) => Err(e),
    }
}

/// Processes alive now (numeric entries of /proc): shows that nothing was left behind.
fn count_processes() -> usize {
    pidns::procfs::list_pids().map_or(0, |p| p.len())
}

/// Per-lookup methods on targets of depth D, at depth 1 for the log cost, and the depth series.
fn lookups(cfg: &Config, module: Option<&Module>, cases: &mut Cases) -> Res<Vec<paired::Pair>> {
    let d = cfg.depth;
    let max = cfg.lookups;
    eprintln!("creating targets: depth {d}, and depths {DEPTHS:?} for the series");
    let main = Nest::spawn(d, NestOptions::default())?;
    let series = DEPTHS
        .iter()
        .map(|&k| Nest::spawn(k, NestOptions::default()))
        .collect::<Res<Vec<Nest>>>()?;
    let flat = &series[0];
    eprintln!("target: PID {} with NSpid {:?}", main.target, main.nspid);

    // Methods that need no module: built (and checked) once.
    let mut floor = Floor::new()?;
    let mut nspid = Nspid::new(main.target, &main.nspid)?;
    let mut pidfd = Pidfd::new(main.target)?;
    let mut scratch = NsfsScratch::new(main.target, &main.nspid)?;
    let mut pre = NsfsPreopened::new(main.target, &main.nspid)?;
    let mut series_nspid = Vec::new();
    let mut series_pre = Vec::new();
    for n in &series {
        series_nspid.push(Nspid::new(n.target, &n.nspid)?);
        series_pre.push(NsfsPreopened::new(n.target, &n.nspid)?);
    }

    // Cases, in table order.
    let c_floor = cases.add(LOOKUP, FLOOR, d, max);
    let pidns = module.map(|_| {
        (
            cases.add(LOOKUP, PIDNS_LOG0, d, max),
            cases.add(LOOKUP, PIDNS_BATCH, d, max),
            cases.add(LOOKUP, PIDNS_LOG1, d, max),
        )
    });
    // Issue 11: the ioctl by PID and by pidfd, and the command end to end.
    let ioctl = module.map(|_| {
        (
            cases.add(LOOKUP, PIDNS_IOCTL, d, max),
            cases.add(LOOKUP, PIDNS_IOCTL_PIDFD, d, max),
        )
    });
    // An earlier pidns.ko's text interface, for the same lookups in the same run.
    let before = match (module, &cfg.ko_before) {
        (Some(_), Some(ko)) => Module::prepare(Some(ko))?.map(|m| {
            (
                m,
                cases.add(LOOKUP, PIDNS_LOG0_BEFORE, d, max),
                cases.add(LOOKUP, PIDNS_BATCH_BEFORE, d, max),
            )
        }),
        _ => None,
    };
    let c_cli = match (module, &cfg.cli) {
        (Some(_), Some(_)) => Some(cases.add(LOOKUP, PIDNS_CLI, d, max)),
        _ => None,
    };
    let c_nspid = cases.add(LOOKUP, NSPID, d, max);
    let c_pidfd = cases.add(LOOKUP, PIDFD, d, max);
    let c_scratch = cases.add(LOOKUP, NSFS_SCRATCH, d, max);
    let c_pre = cases.add(LOOKUP, NSFS_PRE, d, max);
    let log1 = module.map(|_| {
        (
            cases.add(LOG, PIDNS_LOG0, 1, max),
            cases.add(LOG, PIDNS_LOG1, 1, max),
        )
    });
    let c_series_pidns: Vec<usize> = match module {
        Some(_) => DEPTHS
            .iter()
            .map(|&k| cases.add(DEPTH, PIDNS_LOG0, k, max))
            .collect(),
        None => Vec::new(),
    };
    let c_series_ioctl: Vec<usize> = match module {
        Some(_) => DEPTHS
            .iter()
            .map(|&k| cases.add(DEPTH, PIDNS_IOCTL, k, max))
            .collect(),
        None => Vec::new(),
    };
    let c_series_nspid: Vec<usize> = DEPTHS
        .iter()
        .map(|&k| cases.add(DEPTH, NSPID, k, max))
        .collect();
    let c_series_pre: Vec<usize> = DEPTHS
        .iter()
        .map(|&k| cases.add(DEPTH, NSFS_PRE, k, max))
        .collect();

    let _console = match module {
        Some(_) => Some(limits::quiet_console()?),
        None => None,
    };
    for r in 0..cfg.repeats {
        eprintln!("lookups: repeat {}/{}", r + 1, cfg.repeats);
        cases.measure(c_floor, &mut floor)?;
        cases.measure(c_nspid, &mut nspid)?;
        cases.measure(c_pidfd, &mut pidfd)?;
        cases.measure(c_scratch, &mut scratch)?;
        cases.measure(c_pre, &mut pre)?;
        for i in 0..series.len() {
            cases.measure(c_series_nspid[i], &mut series_nspid[i])?;
            cases.measure(c_series_pre[i], &mut series_pre[i])?;
        }
        let (Some(module), Some((c_log0, c_batch, c_log1)), Some((c_log0_1, c_log1_1))) =
            (module, pidns, log1)
        else {
            continue;
        };
        // The text interface, log=0, of this module and of --ko-before's, back to back and in
        // turns first: on this machine whichever comes second measured about 1.2x faster when
        // both were the same module (an A/A run).
        let mut text = vec![(module, c_log0, c_batch)];
        if let Some((ko, c_single, c_batch)) = &before {
            text.push((ko, *c_single, *c_batch));
            if r % 2 == 1 {
                text.reverse();
            }
        }
        for (ko, c_single, c_batch) in text {
            // Every /proc/pidns descriptor is closed before the module is unloaded.
            let loaded = ko.load(false)?;
            cases.measure(c_single, &mut PidnsSingle::new(main.target, &main.nspid)?)?;
            cases.measure(c_batch, &mut PidnsBatch::new(main.target, &main.nspid)?)?;
            loaded.unload()?;
        }
        let loaded = module.load(false)?;
        {
            cases.measure(c_log0_1, &mut PidnsSingle::new(flat.target, &flat.nspid)?)?;
            for (i, n) in series.iter().enumerate() {
                cases.measure(
                    c_series_pidns[i],
                    &mut PidnsSingle::new(n.target, &n.nspid)?,
                )?;
                cases.measure(
                    c_series_ioctl[i],
                    &mut Ioctl::new(n.target, &n.nspid, false)?,
                )?;
            }
            if let Some((c_ioctl, c_ioctl_fd)) = ioctl {
                cases.measure(c_ioctl, &mut Ioctl::new(main.target, &main.nspid, false)?)?;
                cases.measure(c_ioctl_fd, &mut Ioctl::new(main.target, &main.nspid, true)?)?;
            }
            if let (Some(c), Some(bin)) = (c_cli, &cfg.cli) {
                cases.measure(c, &mut CliCommand::new(bin, main.target, &main.nspid)?)?;
            }
        }
        loaded.unload()?;
        let loaded = module.load(true)?;
        cases.measure(c_log1, &mut PidnsSingle::new(main.target, &main.nspid)?)?;
        cases.measure(c_log1_1, &mut PidnsSingle::new(flat.target, &flat.nspid)?)?;
        loaded.unload()?;
    }

    // The ioctl against the others in alternating slots (paired.rs says why).
    let mut pairs = Vec::new();
    if let (Some(module), Some(_)) = (module, ioctl) {
        let rounds = cfg.repeats * PAIRED_ROUNDS_PER_REPEAT;
        eprintln!("paired ratios: {rounds} rounds each");
        let loaded = module.load(false)?;
        let mut by_pid = Ioctl::new(main.target, &main.nspid, false)?;
        let mut by_fd = Ioctl::new(main.target, &main.nspid, true)?;
        pairs.push(paired::measure(PAIR_NSFS, &mut by_pid, &mut pre, rounds)?);
        pairs.push(paired::measure(
            PAIR_FLOOR,
            &mut by_pid,
            &mut floor,
            rounds,
        )?);
        pairs.push(paired::measure(
            PAIR_NSPID,
            &mut nspid,
            &mut by_pid,
            rounds,
        )?);
        pairs.push(paired::measure(
            PAIR_PIDFD,
            &mut by_fd,
            &mut by_pid,
            rounds,
        )?);
        drop((by_pid, by_fd));
        loaded.unload()?;
    }
    Ok(pairs)
}

/// Rounds of each paired ratio per repeat of the lookups (about 10 ms a round).
const PAIRED_ROUNDS_PER_REPEAT: usize = 15;

/// Timed runs of the whole-system map: at most 5, 3 from 10,000 processes on.
fn map_repeats(repeats: usize, n: usize) -> usize {
    repeats.min(if n >= 10_000 { 3 } else { 5 })
}

/// For each map size: spawn N idle processes, time `all` against a /proc scan, kill them.
fn map(cfg: &Config, module: Option<&Module>, cases: &mut Cases) -> Res<()> {
    let Some(&largest) = cfg.map_sizes.iter().max() else {
        return Ok(());
    };
    let _room = limits::make_room(largest)?;
    let loaded = module.map(|m| m.load(false)).transpose()?;
    for &n in &cfg.map_sizes {
        eprintln!("map: spawning {n} processes");
        let start = sys::now();
        let sleepers = Sleepers::spawn(n)?;
        eprintln!("map: {n} processes spawned in {:.1} s", sys::now() - start);
        let c_all = loaded.as_ref().map(|_| cases.add(MAP, PIDNS_ALL, n, 1));
        let c_scan = cases.add(MAP, PROC_SCAN, n, 1);
        let mut all = match loaded {
            Some(_) => Some(PidnsAll::new(n)?),
            None => None,
        };
        let mut scan = ProcScan::new(n)?;
        let reps = map_repeats(cfg.repeats, n);
        for r in 0..reps {
            eprintln!("map: N={n} repeat {}/{reps}", r + 1);
            if let (Some(all), Some(c)) = (all.as_mut(), c_all) {
                cases.measure(c, all)?;
            }
            cases.measure(c_scan, &mut scan)?;
        }
        eprintln!(
            "map: N={n}: pidns all listed {}, /proc scan found {} processes",
            all.as_ref().map_or("-".into(), |a| a.count.to_string()),
            scan.count
        );
        drop(all);
        let start = sys::now();
        drop(sleepers);
        eprintln!(
            "map: {n} processes killed and reaped in {:.1} s",
            sys::now() - start
        );
    }
    if let Some(loaded) = loaded {
        loaded.unload()?;
    }
    Ok(())
}
