//! Issue 4's targets, each a ratio of two figures measured in the same run
//! on the same machine (`cargo bench --bench ratios`, or with
//! `-- --rounds N`):
//!
//! - the ranking study end to end on one thread against the bare event
//!   loop over the same components (goal ≥ 0.5);
//! - the ranking study on 3,000 clusters against 30 clusters, one thread
//!   (goal ≥ 0.5);
//! - all threads against one thread (goal ≥ 1.8 on 2 cores);
//! - peak memory at 100,000 replications against 1,000 (goal ≤ 1.1): the
//!   resident set of `meshsim run`, everything it writes included, and the
//!   live heap of the engine alone;
//! - the fixed cost of a run (issue 11): `meshsim run` of the ranking study
//!   with 300 replications, the whole process's wall time against the
//!   simulation time it reports (goal ≤ 1.3).
//!
//! `-- --fixed-cost` measures only the fixed cost of a run.
//!
//! And issue 13's (`-- --sweep` measures only these): `meshsim sweep` of
//! the ranking study over 4 points × 200 replications against 4 separate
//! `meshsim run` processes of 200 (goal ≤ 1: no slower), and the wall time
//! of `meshsim sweep --exact-only` over 1,000 points (goal < 1 s).
//!
//! And issue 11's: the exact answers of the ranking study on 300, 3,000
//! and 10,000 clusters against the simulation of one replication of the
//! same mesh, one thread (the exact answers must grow no faster than the
//! simulation with the mesh); `-- --exact` measures only these.
//!
//! And issue 14's (`-- --regional` measures only this): events per second
//! of the ranking study rebuilt on regional clusters (3 per region, each
//! spanning its 3 zones, 1,500 proxies) with 3 istiod replicas in every
//! instance, against the ranking study as shipped, one thread, on the same
//! number of events (goal ≥ 0.8).
//!
//! And issue 14's exact answers on regional clusters (`-- --regional-exact`
//! measures only these): seconds of the exact answers on the ranking
//! study's failures over 10 regions × 3 zones × 3 regional clusters and
//! 20 regions × 5 zones × 1 and × 3, five deployments, against the simulation of
//! one replication of 10 years of the same mesh, one thread (they must
//! grow with the mesh like the simulation, not as 2^zones).
//!
//! Ratios, not absolute rates, because the machines this runs on are
//! shared and noisy: both sides of a ratio see the same machine within
//! seconds. The timed figures are measured in interleaved rounds and the
//! median ratio is reported beside each round's. Nothing here asserts a
//! speed; `cargo test` never times anything.
//!
//! The mesh runs keep no incident rows (`keep_incidents: 0`): the default
//! 20,000 rows are a fixed cost per run, not per event, and on the larger
//! meshes (few replications) they would weigh on one side of the ratio
//! only. The ranking runs keep the default.

mod common;

use common::{bare_loop, model_of, rate, simulate, EXACT_MESHES, MESHES};
use meshsim::engine::KEPT_INCIDENTS;
use meshsim::model::exact;
use std::process::Command;
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

/// Replications of the fixed-cost run (issue 11: 300).
const FIXED_COST_REPLICATIONS: u64 = 300;

/// Runs this binary as the engine-only memory child.
const ENGINE_CHILD: &str = "--engine-memory-child";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(replications) = value_after(&args, ENGINE_CHILD) {
        engine_child(replications.parse().expect("replications"));
        return;
    }
    let rounds = value_after(&args, "--rounds")
        .map_or(3, |n| n.parse().expect("--rounds takes a number"))
        .max(1);
    if args.iter().any(|a| a == "--exact") {
        exact_ratios(rounds);
        return;
    }
    if args.iter().any(|a| a == "--fixed-cost") {
        fixed_cost_ratios(rounds);
        return;
    }
    if args.iter().any(|a| a == "--sweep") {
        sweep_ratios(rounds);
        return;
    }
    if args.iter().any(|a| a == "--regional-exact") {
        regional_exact_ratios(rounds);
        return;
    }
    if args.iter().any(|a| a == "--regional") {
        regional_ratios(rounds);
        return;
    }

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
        simulate(&ranking, 20, 1, KEPT_INCIDENTS),
        "the bare loop and the engine process different events"
    );

    println!("\nmeshsim benchmark ratios: {rounds} rounds, {threads} threads available");
    println!("events per second (M/s): bare loop, ranking on 1 and on {threads} threads, ranking on meshes of {MESHES:?} clusters (1 thread)\n");
    let mut ratios = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    let out = tempfile::tempdir().expect("temporary directory");
    for round in 1..=rounds {
        let (_, bare) = rate(|| bare_loop(&ranking, RANKING_REPLICATIONS));
        let (_, one) = rate(|| simulate(&ranking, RANKING_REPLICATIONS, 1, KEPT_INCIDENTS));
        let (_, all) = rate(|| {
            simulate(
                &ranking,
                RANKING_REPLICATIONS * threads as u64,
                0,
                KEPT_INCIDENTS,
            )
        });
        let mesh: Vec<f64> = meshes
            .iter()
            .map(|(_, model, replications)| rate(|| simulate(model, *replications, 1, 0)).1)
            .collect();
        println!(
            "round {round}: bare {}  ranking {} / {} ({} per core)  meshes {}",
            mega(bare),
            mega(one),
            mega(all),
            mega(all / threads as f64),
            mesh.iter().map(|&r| mega(r)).collect::<Vec<_>>().join(" ")
        );
        ratios[0].push(one / bare);
        ratios[1].push(mesh[mesh.len() - 1] / mesh[0]);
        ratios[2].push(all / one);
        let (whole, simulation) = fixed_cost(&out.path().join("fixed-cost"));
        println!("round {round}: meshsim run, {FIXED_COST_REPLICATIONS} replications: {whole:.2} s whole, {simulation:.2} s simulating");
        ratios[3].push(whole / simulation);
    }

    println!("\n| target | goal | median | rounds |");
    println!("|---|---|---|---|");
    let rows = [
        ("ranking end to end / bare loop, 1 thread", "≥ 0.50"),
        ("3,000 clusters / 30 clusters, 1 thread", "≥ 0.50"),
        ("ranking, all threads / 1 thread", "≥ 1.80"),
        (
            "meshsim run, 300 replications: whole process / simulation",
            "≤ 1.30",
        ),
    ];
    for ((target, goal), values) in rows.iter().zip(&ratios) {
        let each: Vec<String> = values.iter().map(|v| format!("{v:.2}")).collect();
        println!(
            "| {target} | {goal} | {:.2} | {} |",
            median(values),
            each.join(", ")
        );
    }
    for (target, peaks) in memory {
        match peaks {
            Some((small, large)) => println!(
                "| {target} | ≤ 1.10 | {:.2} | {:.1} / {:.1} MiB |",
                large as f64 / small as f64,
                large as f64 / 1024.0,
                small as f64 / 1024.0
            ),
            None => println!("| {target} | ≤ 1.10 | not measured | |"),
        }
    }
    exact_ratios(rounds);
    sweep_ratios(rounds);
    regional_ratios(rounds);
}

/// The ranking study on regional clusters with 3 replicas per istiod: the
/// same regions, zones, failures and proxies, its 27 zonal clusters of 500
/// proxies made 9 regional ones of 1,500, and the docs' five placements as
/// regional clusters allow them (`per: zone` needs zonal clusters, so the
/// two per-zone ones become per-region with failover).
fn regional_text() -> String {
    let text = common::ranking_text();
    let head = &text[..text.find("\n  deployments:").expect("a deployments list")];
    let head = head
        .replace("clustersPerZone: 3", "clustersPerRegion: 3")
        .replace("proxiesPerCluster: 500", "proxiesPerCluster: 1500");
    assert!(head.contains("clustersPerRegion: 3") && head.contains("proxiesPerCluster: 1500"));
    head + "
  deployments:
    - { name: per-region, controlPlanes: { per: region, count: 1, replicas: 3 } }
    - { name: two-per-region, controlPlanes: { per: region, count: 2, replicas: 3 } }
    - { name: per-region-failover, controlPlanes: { per: region, count: 1, replicas: 3, failover: mesh } }
    - { name: two-per-region-failover, controlPlanes: { per: region, count: 2, replicas: 3, failover: mesh } }
    - { name: each-cluster, controlPlanes: { per: cluster, replicas: 3 } }
"
}

/// Events per second of the regional, replicated ranking study against
/// the shipped one, one thread, interleaved rounds on the same number of
/// events (the regional run's replications scaled by events per
/// replication).
fn regional_ratios(rounds: usize) {
    let ranking = common::ranking_model();
    let regional = model_of(&regional_text());
    let probe = 20;
    let per_shipped = simulate(&ranking, probe, 1, KEPT_INCIDENTS) as f64 / probe as f64;
    let per_regional = simulate(&regional, probe, 1, KEPT_INCIDENTS) as f64 / probe as f64;
    let scaled = ((RANKING_REPLICATIONS as f64 * per_shipped / per_regional).round() as u64).max(1);
    println!("\nregional clusters and 3 replicas (issue 14): {scaled} replications ({per_regional:.0} events each) against {RANKING_REPLICATIONS} of the shipped study ({per_shipped:.0} each), 1 thread\n");
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let (_, shipped) = rate(|| simulate(&ranking, RANKING_REPLICATIONS, 1, KEPT_INCIDENTS));
        let (_, replicated) = rate(|| simulate(&regional, scaled, 1, KEPT_INCIDENTS));
        println!(
            "round {round}: shipped {} M/s, regional with replicas {} M/s",
            mega(shipped),
            mega(replicated)
        );
        ratios.push(replicated / shipped);
    }
    let each: Vec<String> = ratios.iter().map(|v| format!("{v:.2}")).collect();
    println!("\n| target | goal | median | rounds |");
    println!("|---|---|---|---|");
    println!(
        "| regional clusters, 3 replicas / shipped ranking, events per second, 1 thread | ≥ 0.80 | {:.2} | {} |",
        median(&ratios),
        each.join(", ")
    );
}

/// The values of the sweep figure's one parameter (istiod's MTBF).
const SWEEP_VALUES: [&str; 4] = ["15d", "2mo", "6mo", "1y"];

/// Replications per point of the sweep figure.
const SWEEP_REPLICATIONS: u64 = 200;

/// A sweep against separate runs of the same points, and `--exact-only`
/// over 1,000 points, in interleaved rounds (wall seconds of whole
/// processes, each into a fresh folder so nothing is kept from a round
/// before).
fn sweep_ratios(rounds: usize) {
    let path = "spec.failures.controlPlane.failure.mean";
    let reps = SWEEP_REPLICATIONS.to_string();
    let meshsim = |args: &[&str]| {
        let started = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_meshsim"))
            .args(args)
            .status()
            .expect("start meshsim");
        assert!(status.success(), "meshsim {args:?} failed: {status}");
        started.elapsed().as_secs_f64()
    };
    let scenario = common::ranking_path().to_string_lossy().into_owned();
    println!(
        "\nmeshsim sweep of {} points × {reps} replications against {} runs, and --exact-only over 1,000 points (seconds)\n",
        SWEEP_VALUES.len(),
        SWEEP_VALUES.len()
    );
    let (mut ratios, mut exact) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        let dir = tempfile::tempdir().expect("temporary directory");
        let out = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        let param = format!("{path}={}", SWEEP_VALUES.join(","));
        let sweep = meshsim(&[
            "sweep",
            &scenario,
            "--param",
            &param,
            "--replications",
            &reps,
            "--out",
            &out("sweep"),
            "-q",
        ]);
        let runs: f64 = SWEEP_VALUES
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let set = format!("{path}={v}");
                meshsim(&[
                    "run",
                    &scenario,
                    "--set",
                    &set,
                    "--replications",
                    &reps,
                    "--out",
                    &out(&format!("run{i}")),
                    "-q",
                ])
            })
            .sum();
        let range = format!("{path}=15d..1y:1000:log");
        let dense = meshsim(&[
            "sweep",
            &scenario,
            "--exact-only",
            "--param-range",
            &range,
            "--out",
            &out("exact"),
            "-q",
        ]);
        println!("round {round}: sweep {sweep:.2}  runs {runs:.2}  exact-only {dense:.2}");
        ratios.push(sweep / runs);
        exact.push(dense);
    }
    let each = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("\n| target | goal | median | rounds |");
    println!("|---|---|---|---|");
    println!(
        "| sweep of {} points × {reps} / {} separate runs | ≤ 1.00 | {:.2} | {} |",
        SWEEP_VALUES.len(),
        SWEEP_VALUES.len(),
        median(&ratios),
        each(&ratios)
    );
    println!(
        "| sweep --exact-only, 1,000 points (s) | < 1.00 | {:.2} | {} |",
        median(&exact),
        each(&exact)
    );
}

/// The exact answers' time against one replication's simulation, per mesh
/// size, in interleaved rounds; prints each round's seconds and a table of
/// the ratios.
fn exact_ratios(rounds: usize) {
    let models: Vec<_> = EXACT_MESHES
        .iter()
        .map(|&clusters| (clusters, model_of(&common::ranking_on(clusters, "10y"))))
        .collect();
    println!("\nexact answers / simulation of one replication of 10 years, 1 thread (seconds)\n");
    let mut ratios = vec![Vec::new(); models.len()];
    for round in 1..=rounds {
        let mut line = Vec::new();
        for ((clusters, model), ratio) in models.iter().zip(&mut ratios) {
            let exact = seconds_per_call(|| {
                std::hint::black_box(exact::unavailability(model));
            });
            let one = seconds_per_call(|| {
                simulate(model, 1, 1, 0);
            });
            ratio.push(exact / one);
            line.push(format!("{clusters}: {exact:.5} / {one:.5}"));
        }
        println!("round {round}: {}", line.join("  "));
    }
    println!("\n| clusters | exact answers / one replication | rounds |");
    println!("|---|---|---|");
    for ((clusters, _), values) in models.iter().zip(&ratios) {
        let each: Vec<String> = values.iter().map(|v| format!("{v:.3}")).collect();
        println!(
            "| {clusters} | {:.3} | {} |",
            median(values),
            each.join(", ")
        );
    }
}

/// The ranking study's failures on `regions` × `zones` × `clusters`
/// regional clusters with five deployments: per region, per region with
/// failover across the mesh, per cluster, per cluster with 2 replicas, and
/// 3 replicas per region.
fn regional_mesh(regions: u32, zones: u32, clusters: u32) -> String {
    let text = regional_text();
    let text = common::set_line(&text, "regions: ", &regions.to_string());
    let text = common::set_line(&text, "zonesPerRegion: ", &zones.to_string());
    let text = common::set_line(&text, "clustersPerRegion: ", &clusters.to_string());
    let head = &text[..text.find("\n  deployments:").expect("a deployments list")];
    head.to_string()
        + "
  deployments:
    - { name: per-region, controlPlanes: { per: region } }
    - { name: per-region-failover, controlPlanes: { per: region, failover: mesh } }
    - { name: each-cluster, controlPlanes: { per: cluster } }
    - { name: each-cluster-2, controlPlanes: { per: cluster, replicas: 2 } }
    - { name: per-region-3, controlPlanes: { per: region, replicas: 3 } }
"
}

/// Only issue 14's exact answers on regional meshes, `rounds` times.
fn regional_exact_ratios(rounds: usize) {
    let models: Vec<_> = [(10, 3, 3), (20, 5, 1), (20, 5, 3)]
        .iter()
        .map(|&(r, z, c)| (format!("{r}x{z}x{c}"), model_of(&regional_mesh(r, z, c))))
        .collect();
    for (mesh, model) in &models {
        // A figure for values left out would measure nothing.
        let values = exact::unavailability(model);
        assert!(
            values.iter().flatten().filter(|v| v.is_some()).count() >= 3 * model.deployments.len(),
            "{mesh}: exact values left out"
        );
    }
    println!("\nregional exact answers / simulation of one replication of 10 years, 1 thread (seconds)\n");
    let mut ratios = vec![Vec::new(); models.len()];
    let mut seconds = vec![Vec::new(); models.len()];
    for round in 1..=rounds {
        let mut line = Vec::new();
        for (((mesh, model), ratio), secs) in models.iter().zip(&mut ratios).zip(&mut seconds) {
            let exact = seconds_per_call(|| {
                std::hint::black_box(exact::unavailability(model));
            });
            let one = seconds_per_call(|| {
                simulate(model, 1, 1, 0);
            });
            ratio.push(exact / one);
            secs.push(exact);
            line.push(format!("{mesh}: {exact:.5} / {one:.5}"));
        }
        println!("round {round}: {}", line.join("  "));
    }
    println!("\n| mesh | exact answers (s) | exact / one replication | rounds |");
    println!("|---|---|---|---|");
    for (((mesh, _), values), secs) in models.iter().zip(&ratios).zip(&seconds) {
        let each: Vec<String> = values.iter().map(|v| format!("{v:.3}")).collect();
        println!(
            "| {mesh} | {:.4} | {:.3} | {} |",
            median(secs),
            median(values),
            each.join(", ")
        );
    }
}

/// Seconds per call of `work`, called until a quarter of a second has
/// passed (at least once), so that sub-millisecond figures are not timer
/// noise.
fn seconds_per_call(mut work: impl FnMut()) -> f64 {
    let started = Instant::now();
    let mut calls = 0u32;
    while calls == 0 || started.elapsed().as_secs_f64() < 0.25 {
        work();
        calls += 1;
    }
    started.elapsed().as_secs_f64() / f64::from(calls)
}

/// Only the fixed cost of a run, `rounds` times: each round's seconds, then
/// the median ratio and the rounds'.
fn fixed_cost_ratios(rounds: usize) {
    println!("\nmeshsim run, {FIXED_COST_REPLICATIONS} replications: whole process / simulation\n");
    let out = tempfile::tempdir().expect("temporary directory");
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let (whole, simulation) = fixed_cost(&out.path().join("fixed-cost"));
        println!(
            "round {round}: {whole:.3} s whole, {simulation:.3} s simulating, {:.3} s more",
            whole - simulation
        );
        ratios.push(whole / simulation);
    }
    let each: Vec<String> = ratios.iter().map(|v| format!("{v:.2}")).collect();
    println!("\n| target | goal | median | rounds |");
    println!("|---|---|---|---|");
    println!(
        "| meshsim run, {FIXED_COST_REPLICATIONS} replications: whole process / simulation | ≤ 1.30 | {:.2} | {} |",
        median(&ratios),
        each.join(", ")
    );
}

/// `meshsim run` of the shipped ranking study with
/// [`FIXED_COST_REPLICATIONS`] into `out`: the wall time of the whole
/// process (start, parse, simulate, exact answers, every table and chart,
/// exit) and the simulation time the run reports on its `events in` line.
fn fixed_cost(out: &std::path::Path) -> (f64, f64) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_meshsim"))
        .arg("run")
        .arg(common::ranking_path())
        .args([
            "--replications",
            &FIXED_COST_REPLICATIONS.to_string(),
            "--out",
        ])
        .arg(out)
        .output()
        .expect("start meshsim run");
    let whole = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "meshsim run failed: {}",
        output.status
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let simulation = stdout
        .split(" events in ")
        .nth(1)
        .and_then(|rest| rest.split(" s ").next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no simulation time in:\n{stdout}"));
    (whole, simulation)
}

/// The value following `flag` among the arguments (cargo passes others,
/// such as `--bench`, which are ignored).
fn value_after<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let at = args.iter().position(|a| a == flag)?;
    args.get(at + 1).map(String::as_str)
}

fn mega(events_per_second: f64) -> String {
    format!("{:.2}", events_per_second / 1e6)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// The engine alone, as a child process: the short ranking study,
/// default options, nothing written; prints its peak live heap in bytes.
fn engine_child(replications: u64) {
    let model = model_of(&common::ranking_with_horizon(MEMORY_HORIZON));
    simulate(&model, replications, 0, KEPT_INCIDENTS);
    println!("{}", heap::peak());
}

/// Peak memory at 1,000 and at 100,000 replications of the ranking study
/// with a short horizon, each in a fresh process: the resident set (KiB) of
/// `meshsim run`, everything it writes included, and the live heap (KiB)
/// of the engine alone.
///
/// The engine's resident set is not a measure of growth: its blast tables
/// (MBs, allocated zeroed) become resident page by page as values fall in
/// their bins, so a longer run touches more of the same allocation (6.3
/// MiB at 1,000 replications, 7.3 at 100,000, 8.1 at a million). The
/// allocator's own count says what the engine holds.
fn peak_memory() -> [(&'static str, Option<(u64, u64)>); 2] {
    let dir = tempfile::tempdir().expect("temporary directory");
    let scenario = dir.path().join("ranking-short.yaml");
    std::fs::write(&scenario, common::ranking_with_horizon(MEMORY_HORIZON))
        .expect("write scenario");
    if let Some(own) = own_peak_kib() {
        println!(
            "memory: this process's own peak so far {:.1} MiB (a floor for the children's)",
            own as f64 / 1024.0
        );
    }
    let run = |what: &str, measure: &mut dyn FnMut(u64) -> Option<u64>| {
        let mut peaks = MEMORY_REPLICATIONS.iter().map(|&replications| {
            let started = Instant::now();
            let peak = measure(replications)?;
            println!(
                "memory: {what}, {replications} replications of {MEMORY_HORIZON}: {:.1} MiB ({:.1} s)",
                peak as f64 / 1024.0,
                started.elapsed().as_secs_f64()
            );
            Some(peak)
        });
        Some((peaks.next()??, peaks.next()??))
    };
    let cli = run("peak RSS of `meshsim run`", &mut |replications| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_meshsim"));
        command
            .arg("run")
            .arg(&scenario)
            .args(["--replications", &replications.to_string(), "-q", "--out"])
            .arg(dir.path().join(format!("out-{replications}")));
        child_peak::run(&mut command)
    });
    let engine = run("peak heap of the engine alone", &mut |replications| {
        let out = Command::new(std::env::current_exe().expect("this benchmark"))
            .args([ENGINE_CHILD, &replications.to_string()])
            .output()
            .expect("start the engine child");
        let bytes: Option<u64> = String::from_utf8_lossy(&out.stdout).trim().parse().ok();
        if !out.status.success() || bytes.is_none() {
            eprintln!(
                "engine child failed ({}); peak heap not measured",
                out.status
            );
        }
        bytes.map(|b| b / 1024)
    });
    [
        ("peak RSS 100,000 / 1,000 replications, `meshsim run`", cli),
        (
            "peak heap 100,000 / 1,000 replications, engine alone",
            engine,
        ),
    ]
}

/// Counts the bytes this process has allocated, so the engine child can
/// report its peak live heap: exact, and free of the allocator's and the
/// kernel's page accounting. Two relaxed atomics per allocation; the timed
/// figures allocate only per batch.
mod heap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    struct Counting;

    #[global_allocator]
    static COUNTING: Counting = Counting;

    fn grew(bytes: usize) {
        let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
        PEAK.fetch_max(live, Relaxed);
    }

    // SAFETY: every call is forwarded to the system allocator unchanged;
    // the counters only observe sizes.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            grew(layout.size());
            // SAFETY: the caller's contract is passed on as is.
            unsafe { System.alloc(layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            grew(layout.size());
            // SAFETY: as above.
            unsafe { System.alloc_zeroed(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            LIVE.fetch_sub(layout.size(), Relaxed);
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            LIVE.fetch_sub(layout.size(), Relaxed);
            grew(new_size);
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    /// The most bytes live at once so far.
    pub fn peak() -> usize {
        PEAK.load(Relaxed)
    }
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
        let child = command.spawn().expect("start the child");
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
            eprintln!("child failed ({status}); peak memory not measured");
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
