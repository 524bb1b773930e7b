//! `meshsim sweep`: the scenario at every point of a sweep, each run like
//! `meshsim run` with the same seed (common random numbers), then the
//! tidy table of all of them and one terminal table per measure.
//!
//! Every point is built and checked before anything runs, so a bad value
//! at the last point costs no simulation. Each finished point is kept in
//! `points/<key>/` (`sweep_points.rs`), keyed by its scenario as run, so a
//! rerun — after Ctrl-C, a crash, or with more values — simulates only
//! what is missing. The sweep folder is therefore not swapped in whole
//! like a run's: the points persist one by one, and the top-level files
//! are each written atomically — `scenario.yaml` first (it marks the
//! folder as this scenario's, so a resumed sweep is let back in), then,
//! once every point is there, `sweep.csv`, `sweep.parquet`,
//! `crossovers.csv` and the charts.

use super::folder::{results_dir, UsageError};
use super::interrupt::{self, pause_at, Interrupted};
use super::merge;
use super::plot::chart_list;
use super::say;
use super::shard_id::{self, ShardId};
use super::shard_run::{self, SHARDS};
use super::sweep_points::{self, Bar, Prepared};
use crate::cli::{RunArgs, SweepArgs, SweepModeArg};
use anyhow::Context;
use meshsim::charts;
use meshsim::engine::Cancel;
use meshsim::export::files::SCENARIO_YAML;
use meshsim::export::{write_crossovers, write_sweep, Folder, PointRun};
use meshsim::model::{self, HOURS_PER_YEAR};
use meshsim::output::sweep::tables;
use meshsim::plan;
use meshsim::results::Results;
use meshsim::scenario::sweep::SweepMode;
use meshsim::scenario::{overrides, Document, Override, ScenarioError};
use meshsim::study::points::{self, key, Point};
use meshsim::study::spec::{self, Plan, SpecError};
use meshsim::study::{self, exact, PointResult, Sweep, Value};
use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;

/// The scenario every point starts from: the file's text (for located
/// errors), the command line's `--set`, and the file's YAML tree (parsed
/// once, for the fast path of [`prepare_values`]).
struct Base<'a> {
    text: &'a str,
    origin: &'a str,
    sets: &'a [Override],
    tree: serde_yaml_ng::Value,
}

/// Points a sweep may have: beyond this a grid is a typo (a range of
/// 1000 steps times another), not a study.
pub const MAX_POINTS: u128 = 100_000;

/// `meshsim sweep`; with a shard (`--shard-index`, or the scheduler's
/// variables), that shard's slice of every point's replications, into
/// `DIR/shards/<point key>/<I>-of-<N>/` (`None` then).
pub fn sweep(args: &SweepArgs) -> anyhow::Result<Option<Sweep>> {
    let shard = shard_id::resolve(args.run.shard_index, args.run.shard_count, |name| {
        std::env::var(name).ok()
    })?;
    if shard.is_some() && (args.exact_only || args.refine > 0) {
        return Err(UsageError(
            "a sharded sweep simulates its points' replications only: drop --exact-only and --refine (refine on the merged sweep: run the same sweep without the shard)".into(),
        )
        .into());
    }
    sweep_with(args, shard, false)
}

/// `meshsim merge DIR` of a sweep's folder: the sweep of `scenario` (the
/// folder's scenario.yaml, as run) made of its points' shards alone.
pub fn merge(scenario: &Path, dir: &Path, quiet: bool, force: bool) -> anyhow::Result<()> {
    let args = SweepArgs {
        run: RunArgs {
            scenario: scenario.to_path_buf(),
            set: Vec::new(),
            replications: None,
            seed: None,
            out: Some(dir.to_path_buf()),
            threads: 0,
            keep_incidents: meshsim::engine::KEPT_INCIDENTS,
            quiet,
            allow_large: true,
            force,
            shard_index: None,
            shard_count: None,
        },
        params: Vec::new(),
        ranges: Vec::new(),
        mode: None,
        exact_only: false,
        refine: 0,
    };
    sweep_with(&args, None, true).map(|_| ())
}

/// The sweep, or one shard of it; `merge_only`: every point not kept must
/// come from its shards, none is simulated.
fn sweep_with(
    args: &SweepArgs,
    shard: Option<ShardId>,
    merge_only: bool,
) -> anyhow::Result<Option<Sweep>> {
    let started = Instant::now();
    let run = &args.run;
    let sets = Override::parse_all(&run.set)?;
    let doc = Document::read_with(&run.scenario, &sets)?;
    let text = std::fs::read_to_string(&run.scenario)
        .with_context(|| format!("cannot read {}", run.scenario.display()))?;
    let origin = run.scenario.display().to_string();
    let plan = plan_of(args, &doc)?;
    let n = points::count(plan.mode, &plan.parameters);
    if n > MAX_POINTS {
        return Err(UsageError(format!(
            "the sweep has {n} points; {MAX_POINTS} at most — use fewer values or steps, or mode: zip"
        ))
        .into());
    }
    let all = points::points(plan.mode, &plan.parameters);
    let base = Base {
        text: &text,
        origin: &origin,
        sets: &sets,
        tree: serde_yaml_ng::from_str(&text).context("cannot read the scenario's YAML tree")?,
    };
    // Points are independent: built side by side, then taken in order, so
    // the error reported is always the first point's.
    let prepared = all
        .par_iter()
        .map(|p| {
            let name = format!("sweep point {} of {}", p.index + 1, all.len());
            prepare(args, &base, &plan, p, &name)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;

    // The base scenario as run: seed and replications from the command
    // line, and the sweep as merged, so running this file again sweeps
    // the same points.
    let mut as_run = doc.file.clone();
    apply_run_options(args, &mut as_run);
    as_run.spec.sweep = Some(plan.declared.clone());
    let base_model = &prepared[0].model;
    let out = results_dir(run, base_model)?;
    let yaml = serde_yaml_ng::to_string(&as_run).context("cannot serialise the scenario")?;
    let folder = Folder::new(&out);
    folder.write(SCENARIO_YAML, yaml.as_bytes())?;
    if let Some(id) = shard {
        return shard_points(run, &doc, &out, &prepared, id).map(|()| None);
    }

    let (results, runs, ran) = if args.exact_only {
        let results: Vec<_> = prepared
            .par_iter()
            .map(|p| exact::point(&p.model, p.point.coords.clone()))
            .collect();
        let runs = prepared
            .iter()
            .map(|p| PointRun {
                replications: 0,
                horizon_years: p.model.horizon_hours / HOURS_PER_YEAR,
                seed: p.model.seed,
                folder: String::new(),
            })
            .collect();
        (results, runs, prepared.len())
    } else {
        simulate(args, &out, &prepared, merge_only)?
    };
    let sweep = Sweep {
        parameters: plan.parameters.clone(),
        points: results,
        exact_only: args.exact_only,
        mode: plan.mode,
    };
    write_sweep(&folder, &sweep, &runs)?;
    let mut crossovers = study::find(&sweep);
    if args.refine > 0 {
        // With --exact-only an extra point is answered in closed form too,
        // so refining costs microseconds and needs no folder.
        let mut extra = |values: &[Value]| {
            if args.exact_only {
                let point = Point {
                    index: 0,
                    coords: Vec::new(),
                };
                let p = prepare_values(args, &base, &plan, values, &point, "refined point")?;
                Ok(exact::point(&p.model, Vec::new()))
            } else {
                refined_point(args, &base, &plan, values, &out)
            }
        };
        for c in crossovers.iter_mut() {
            if study::refinable(&sweep, c) {
                *c = study::refine(&sweep, c, args.refine as usize, &mut extra)?;
            }
        }
    }
    write_crossovers(&folder, &sweep, &crossovers)?;
    let charts = charts::render_sweep(&sweep, &crossovers, &as_run.metadata.name, &folder)?;
    if !run.quiet {
        let mut text = tables(&sweep);
        if crossovers.is_empty() {
            text +=
                "no crossovers: no pair of deployments changes order between adjacent points\n\n";
        }
        let kept = prepared.len() - ran;
        text += &format!(
            "{} point{} ({}){}, seed {} at every point; {:.2} s\nresults: {}\n",
            prepared.len(),
            if prepared.len() == 1 { "" } else { "s" },
            if args.exact_only {
                "exact values, no simulation".to_string()
            } else if kept > 0 {
                format!("{ran} simulated, {kept} kept from an earlier run")
            } else {
                format!("{ran} simulated")
            },
            match (args.exact_only, runs.first()) {
                (false, Some(r)) => format!(" × {} replications", r.replications),
                _ => String::new(),
            },
            as_run.spec.seed,
            started.elapsed().as_secs_f64(),
            out.display()
        );
        text += &chart_list(&charts);
        for c in &crossovers {
            text += &study::sentence(&sweep, c);
            text.push('\n');
        }
        say(&text)?;
    }
    Ok(Some(sweep))
}

/// Runs shard `id` of every point, into `out/shards/<point key>/`.
fn shard_points(
    run: &RunArgs,
    doc: &Document,
    out: &Path,
    prepared: &[Prepared],
    id: ShardId,
) -> anyhow::Result<()> {
    let shards = shard_run::shards_folder(out)?;
    let mut events = 0;
    for (n, p) in prepared.iter().enumerate() {
        let done =
            shard_run::write_shard(run, &shards.join(&p.key), &p.yaml, &p.model, id, &|e| {
                doc.locate(e).into()
            })?;
        if done.interrupted {
            return Err(Interrupted(format!(
                "interrupted in point {} of {}; shard {} of {} of the points before it is kept in {} (run the shard again to finish it)",
                n + 1,
                prepared.len(),
                id.index,
                id.count,
                shards.display()
            ))
            .into());
        }
        events += done.events;
    }
    if !run.quiet {
        say(&format!(
            "shard {} of {} of {} points, {} events\nshards: {}\nmerge the shards with: meshsim merge {}\n",
            id.index,
            id.count,
            prepared.len(),
            events,
            shards.display(),
            out.display()
        ))?;
    }
    Ok(())
}

/// The point `p` from its shards in `out/shards/<key>/`, if it has any.
fn merged_point(out: &Path, p: &Prepared, cancel: &Cancel) -> anyhow::Result<Option<Results>> {
    let dir = out.join(SHARDS).join(&p.key);
    if !dir.is_dir() {
        return Ok(None);
    }
    let study = merge::gather(&dir, false)?;
    if study.text != p.yaml {
        return Err(UsageError(format!(
            "the shards in {} are of another scenario than the sweep's point {} (its key); remove them",
            dir.display(),
            p.key
        ))
        .into());
    }
    let tally = merge::replay(&study, None, &|| cancel.is_set())?;
    Ok(Some(Results::new(&p.model, &tally)))
}

/// The sweep's parameters and mode: the file's, with the command line's
/// added or put in their place.
fn plan_of(args: &SweepArgs, doc: &Document) -> anyhow::Result<Plan> {
    let mut flags = Vec::new();
    for p in &args.params {
        flags.push(spec::param_flag(p).map_err(|e| located(doc, e))?);
    }
    for r in &args.ranges {
        flags.push(spec::range_flag(r).map_err(|e| located(doc, e))?);
    }
    let mode = args.mode.map(|m| match m {
        SweepModeArg::Grid => SweepMode::Grid,
        SweepModeArg::Zip => SweepMode::Zip,
    });
    spec::plan(doc.file.spec.sweep.as_ref(), flags, mode).map_err(|e| located(doc, e))
}

/// A sweep error as the user sees it: located in the file, or naming the
/// flag (both exit 2).
fn located(doc: &Document, e: SpecError) -> anyhow::Error {
    match e {
        SpecError::Field(f) => doc.locate(f).into(),
        SpecError::Flag(m) => UsageError(m).into(),
    }
}

/// `--seed` and `--replications`, applied to a scenario like `run` does.
fn apply_run_options(args: &SweepArgs, file: &mut meshsim::scenario::ScenarioFile) {
    if let Some(seed) = args.run.seed {
        file.spec.seed = seed;
    }
    if let Some(n) = args.run.replications {
        file.spec.replications = Some(n);
        file.spec.precision = None;
    }
}

/// Builds and checks one point: the scenario with the point's values set,
/// as a plain scenario (no sweep) that `meshsim run` would run the same.
fn prepare(
    args: &SweepArgs,
    base: &Base<'_>,
    plan: &Plan,
    point: &Point,
    name: &str,
) -> anyhow::Result<Prepared> {
    prepare_values(
        args,
        base,
        plan,
        &point.values(&plan.parameters),
        point,
        name,
    )
}

/// [`prepare`] for any values of the parameters (a refined point's lie
/// between the sweep's).
fn prepare_values(
    args: &SweepArgs,
    base: &Base<'_>,
    plan: &Plan,
    values: &[Value],
    point: &Point,
    name: &str,
) -> anyhow::Result<Prepared> {
    let (text, origin, sets, tree) = (base.text, base.origin, base.sets, &base.tree);
    // The command line's --set first, then the point's values: a swept
    // field wins over a --set of the same field.
    let mut all = sets.to_vec();
    all.extend(plan.parameters.iter().zip(values).map(|(p, v)| Override {
        path: p.path.clone(),
        value: v.text.clone(),
    }));
    let label = plan
        .parameters
        .iter()
        .zip(values)
        .map(|(p, v)| format!("{}={}", p.path, v.text))
        .collect::<Vec<_>>()
        .join(", ");
    let at = |e: &dyn std::fmt::Display| UsageError(format!("{name} ({label}): {e}"));
    // The point's own values come after the --set ones: an error in one
    // is the point's, already named by `at`, not a --set's.
    let own = |e: ScenarioError| match e {
        ScenarioError::Override {
            index,
            path,
            message,
            ..
        } if index > sets.len() => at(&format!("{path}: {message}")),
        e => at(&e),
    };
    // The fast path: the file's tree parsed once, no source maps; a point
    // that fails is read again the slow way for its located message.
    let fast = overrides::typed_with(tree, &all).and_then(|mut file| {
        apply_run_options(args, &mut file);
        file.spec.sweep = None;
        let model = model::build(&file).ok()?;
        Some((file, model))
    });
    let (file, model, doc) = match fast {
        Some((file, model)) => (file, model, None),
        None => {
            let mut doc = Document::parse_with(text, origin, &all).map_err(own)?;
            apply_run_options(args, &mut doc.file);
            doc.file.spec.sweep = None;
            let model = model::build(&doc.file).map_err(|e| own(doc.locate(e)))?;
            (doc.file.clone(), model, Some(doc))
        }
    };
    if !args.exact_only {
        let size = plan::estimate::estimate(&model, args.run.replications, args.run.keep_incidents);
        plan::estimate::check(&size, args.run.allow_large).map_err(|e| {
            let field = e.field_error(&model);
            match &doc {
                Some(doc) => own(doc.locate(field)),
                None => match Document::parse_with(text, origin, &all) {
                    Ok(doc) => own(doc.locate(field)),
                    Err(e) => own(e),
                },
            }
        })?;
    }
    // An exact point keeps no folder, so it needs no key.
    let yaml = if args.exact_only {
        String::new()
    } else {
        serde_yaml_ng::to_string(&file).context("cannot serialise the scenario")?
    };
    Ok(Prepared {
        point: point.clone(),
        key: key(&yaml),
        yaml,
        model,
    })
}

/// Runs every point not already kept, then reads every point back from
/// its folder, so a resumed sweep and an uninterrupted one are made of
/// the same bytes.
fn simulate(
    args: &SweepArgs,
    out: &std::path::Path,
    prepared: &[Prepared],
    merge_only: bool,
) -> anyhow::Result<(Vec<meshsim::study::PointResult>, Vec<PointRun>, usize)> {
    let store = sweep_points::Store::open(out)?;
    let todo: Vec<&Prepared> = prepared.iter().filter(|p| !store.has(&p.key)).collect();
    if merge_only {
        let missing: Vec<String> = todo
            .iter()
            .filter(|p| !out.join(SHARDS).join(&p.key).is_dir())
            .map(|p| format!("{} ({})", p.point.index + 1, p.key))
            .collect();
        anyhow::ensure!(
            missing.is_empty(),
            "points without shards in {}: {}; run the sweep's shards, or run the sweep itself to simulate them",
            out.join(SHARDS).display(),
            missing.join(", ")
        );
    }
    let cancel = interrupt::cancel();
    let total: u64 = todo
        .iter()
        .map(|p| {
            plan::estimate::estimate(&p.model, args.run.replications, args.run.keep_incidents)
                .replications
        })
        .sum();
    let mut bar = Bar::new(args.run.quiet, total, todo.len());
    let stopped = |done: usize| {
        Interrupted(format!(
            "interrupted; {} of {} points are finished and kept in {}; run the same command again to resume",
            prepared.len() - todo.len() + done,
            prepared.len(),
            store.dir().display()
        ))
    };
    for (done, p) in todo.iter().enumerate() {
        pause_at(&format!("point {}", p.point.index + 1));
        if cancel.is_set() {
            bar.finish();
            return Err(stopped(done).into());
        }
        bar.next_point(done);
        // A point run as shards is merged from them, not simulated again.
        let finished = match merged_point(out, p, &cancel)? {
            Some(results) => Some(results),
            None => sweep_points::run_one(p, &args.run, &cancel, &mut bar)?,
        };
        match finished {
            Some(results) => store.keep(p, &results)?,
            None => {
                bar.finish();
                return Err(stopped(done).into());
            }
        }
    }
    bar.finish();
    let mut results = Vec::with_capacity(prepared.len());
    let mut runs = Vec::with_capacity(prepared.len());
    for p in prepared {
        let (point, run) = store.load(p)?;
        results.push(point);
        runs.push(run);
    }
    Ok((results, runs, todo.len()))
}

/// Runs (or finds kept) one extra point of `--refine`, kept in `points/`
/// like the others so that a rerun refines without simulating again.
fn refined_point(
    args: &SweepArgs,
    base: &Base<'_>,
    plan: &Plan,
    values: &[Value],
    out: &std::path::Path,
) -> anyhow::Result<PointResult> {
    let point = Point {
        index: 0,
        coords: Vec::new(),
    };
    let p = prepare_values(args, base, plan, values, &point, "refined point")?;
    let store = sweep_points::Store::open(out)?;
    if !store.has(&p.key) {
        let cancel = interrupt::cancel();
        let mut bar = Bar::new(true, 0, 1);
        match sweep_points::run_one(&p, &args.run, &cancel, &mut bar)? {
            Some(results) => store.keep(&p, &results)?,
            None => {
                return Err(Interrupted(format!(
                    "interrupted while refining; every point finished is kept in {}; run the same command again to resume",
                    store.dir().display()
                ))
                .into())
            }
        }
    }
    Ok(store.load(&p)?.0)
}
