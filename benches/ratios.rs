//! Issue 4's targets, each a ratio of two figures measured in the same run
//! on the same machine (`cargo bench --bench ratios`, or with
//! `-- --rounds N`):
//!
//! - the ranking study end to end on one thread against the bare event
//!   loop over the same components (goal ≥ 0.5);
//! - the ranking study on 3,000 clusters against 30 clusters, one thread
//!   (goal ≥ 0.5);
//! - all threads against one thread (goal ≥ 1.8 on 2 cores);
//! - peak memory of `meshsim run` at 100,000 replications against 1,000
//!   (goal ≤ 1.1).
//!
//! Ratios, not absolute rates, because the machines this runs on are
//! shared and noisy: both sides of a ratio see the same machine within
//! seconds. The timed figures are measured in interleaved rounds and the
//! median ratio is reported beside each round's. Nothing here asserts a
//! speed; `cargo test` never times anything.

mod common;

use common::{bare_loop, model_of, rate, simulate, MESHES};
use std::time::Instant;

/// Replications of the ten-year ranking study per timed figure (~5.7
/// million events).
const RANKING_REPLICATIONS: u64 = 1_000;

/// Cluster-replications of ten years per mesh figure: about 4 million
/// events whatever the mesh size.
const CLUSTER_REPLICATIONS: u32 = 20_000;

/// Replications of the memory runs (issue 4: 1,000 against 100,000).
const MEMORY_REPLICATIONS: [u64; 2] = [1_000, 100_000];

/// A horizon short enough for 100,000 replications to take seconds.
const MEMORY_HORIZON: &str = "30d";

fn main() {
    let rounds = rounds_from_args();
    // First, while this process is small: a child's peak RSS starts from
    // its parent's at spawn (the kernel carries it across exec).
    let memory = peak_memory();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ranking = common::ranking_model();
    let meshes: Vec<_> = MESHES
        .iter()
        .map(|&clusters| {
            let model = model_of(&common::ranking_on(clusters, "10y"));
            let replications = u64::from((CLUSTER_REPLICATIONS / clusters).max(1));
            (clusters, model, replications)
        })
        .collect();

    // The yardstick must do exactly the engine's transitions.
    assert_eq!(
        bare_loop(&ranking, 20),
        simulate(&ranking, 20, 1),
        "the bare loop and the engine process different events"
    );

    println!("\nmeshsim benchmark ratios: {rounds} rounds, {threads} threads available\n");
    let mut ratios = [Vec::new(), Vec::new(), Vec::new()];
    for round in 1..=rounds {
        let (_, bare) = rate(|| bare_loop(&ranking, RANKING_REPLICATIONS));
        let (_, one) = rate(|| simulate(&ranking, RANKING_REPLICATIONS, 1));
        let (_, all) = rate(|| simulate(&ranking, RANKING_REPLICATIONS * threads as u64, 0));
        let mesh: Vec<f64> = meshes
            .iter()
            .map(|(_, model, replications)| rate(|| simulate(model, *replications, 1)).1)
            .collect();
        let first = mesh[0];
        let last = mesh[mesh.len() - 1];
        println!(
            "round {round}: bare loop {}  ranking 1 thread {}  {threads} threads {}  meshes {}",
            per_second(bare),
            per_second(one),
            per_second(all),
            meshes
                .iter()
                .zip(&mesh)
                .map(|((clusters, _, _), r)| format!("{clusters}: {}", per_second(*r)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        ratios[0].push(one / bare);
        ratios[1].push(last / first);
        ratios[2].push(all / one);
    }

    println!("\n| target | goal | median | rounds |");
    println!("|---|---|---|---|");
    let rows = [
        (
            "ranking end to end / bare loop (1 thread, events/s)",
            "≥ 0.50",
        ),
        (
            "3,000 clusters / 30 clusters (1 thread, events/s)",
            "≥ 0.50",
        ),
        ("all threads / 1 thread (ranking, events/s)", "≥ 1.80"),
    ];
    for ((target, goal), values) in rows.iter().zip(&ratios) {
        println!(
            "| {target} | {goal} | {:.2} | {} |",
            median(values),
            values
                .iter()
                .map(|v| format!("{v:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    match memory {
        Some((small, large)) => println!(
            "| peak RSS 100,000 / 1,000 replications (`meshsim run`) | ≤ 1.10 | {:.3} | {} MiB / {} MiB |",
            large as f64 / small as f64,
            large / 1024,
            small / 1024
        ),
        None => println!("| peak RSS 100,000 / 1,000 replications | ≤ 1.10 | not measured on this platform | |"),
    }
}

/// `--rounds N` (default 3); other arguments (cargo passes `--bench`) are
/// ignored.
fn rounds_from_args() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .map_or(3, |n| n.parse().expect("--rounds takes a number"))
        .max(1)
}

fn per_second(events_per_second: f64) -> String {
    format!("{:.2}M/s", events_per_second / 1e6)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Peak resident memory (KiB) of `meshsim run` on the ranking study with a
/// short horizon, at 1,000 and at 100,000 replications, each in a fresh
/// process; `None` where the child's peak cannot be read.
fn peak_memory() -> Option<(u64, u64)> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let scenario = dir.path().join("ranking-short.yaml");
    std::fs::write(&scenario, common::ranking_with_horizon(MEMORY_HORIZON))
        .expect("write scenario");
    if let Some(own) = own_peak_kib() {
        println!(
            "memory: this process's own peak so far {} MiB (a floor for the children's)",
            own / 1024
        );
    }
    let mut peaks = MEMORY_REPLICATIONS.iter().map(|&replications| {
        let started = Instant::now();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_meshsim"));
        command
            .arg("run")
            .arg(&scenario)
            .args(["--replications", &replications.to_string(), "-q", "--out"])
            .arg(dir.path().join(format!("out-{replications}")));
        let peak = child_peak::run(&mut command)?;
        println!(
            "memory: {replications} replications of {MEMORY_HORIZON}: peak RSS {} MiB ({:.1} s)",
            peak / 1024,
            started.elapsed().as_secs_f64()
        );
        Some(peak)
    });
    Some((peaks.next()??, peaks.next()??))
}

/// This process's peak resident set (KiB), where `/proc` has it.
fn own_peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The peak resident set of a child process, from the kernel's own account
/// (`wait4`'s `ru_maxrss`): exact, unlike polling `/proc/<pid>/status`,
/// which misses a peak at the very end of the run.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
mod child_peak {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, ExitStatus};

    /// `struct rusage` on 64-bit Linux: two `timeval`s, then 14 `long`s,
    /// of which `ru_maxrss` (KiB) is the first.
    #[repr(C)]
    struct Rusage {
        utime: [i64; 2],
        stime: [i64; 2],
        maxrss: i64,
        rest: [i64; 13],
    }

    extern "C" {
        fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
    }

    /// Runs `command` to completion; its peak RSS in KiB, or `None` (with
    /// a message) when it fails.
    pub fn run(command: &mut Command) -> Option<u64> {
        let child = command.spawn().expect("start meshsim");
        let pid = i32::try_from(child.id()).expect("pid fits i32");
        let mut status = 0i32;
        let mut usage = Rusage {
            utime: [0; 2],
            stime: [0; 2],
            maxrss: 0,
            rest: [0; 13],
        };
        // SAFETY: `pid` is our own unreaped child, and both pointers are
        // to live, correctly laid-out locals. Reaping it here means `child`
        // must not be waited on again; it is only dropped, which does not
        // wait.
        let reaped = unsafe { wait4(pid, &mut status, 0, &mut usage) };
        drop(child);
        let status = ExitStatus::from_raw(status);
        if reaped != pid || !status.success() {
            eprintln!("meshsim run failed ({status}); peak memory not measured");
            return None;
        }
        u64::try_from(usage.maxrss).ok()
    }
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
mod child_peak {
    /// Not measured off 64-bit Linux.
    pub fn run(_: &mut std::process::Command) -> Option<u64> {
        None
    }
}
