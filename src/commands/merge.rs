//! `meshsim merge DIR [--out OUT] [--allow-partial]`: the shards in
//! `DIR/shards/` turned into the results folder one machine would have
//! written (scale-out.md, "The merge").
//!
//! First every manifest is checked: the shards of one study agree on the
//! meshsim version and data format, the scenario's hash, seed,
//! replications, `--keep-incidents` and shard count, and each sits in the
//! folder its index names. A shard of another study is bad input (exit 2,
//! named, with what differs), as is a copy of a shard under another
//! shard's name; missing or unfinished shards are exit 1 listing their
//! indices, so a scheduler's dependency (`afterok`) and retries work as
//! usual.
//!
//! Then the shards' records are replayed in replication order into a
//! fresh tally — the very additions a one-machine run makes, in its order
//! — and the results are written by `run`'s own code
//! (`run::write_results`), through a staging folder swapped in at the end.
//! So every file is the one-machine run's, byte for byte, whatever the
//! number of shards and the order they finished in.

use super::folder::{results_folder, UsageError};
use super::interrupt;
use super::run::{checker, write_results};
use super::say;
use super::shard_run::SHARDS;
use super::staging::Staging;
use crate::cli::MergeArgs;
use anyhow::Context;
use meshsim::engine::Observer;
use meshsim::engine::Tally;
use meshsim::export::files::{REPLICATIONS_PARQUET, SCENARIO_YAML};
use meshsim::export::{Folder, ReplicationWriter};
use meshsim::model::{self, Layout, Model, Replications};
use meshsim::output::table;
use meshsim::scenario::Document;
use meshsim::shard::data::{OutcomeReader, Summary, OUTCOMES_BIN};
use meshsim::shard::{self, Manifest};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A shard folder found, with its manifest.
struct Found {
    path: PathBuf,
    manifest: Manifest,
}

/// The checked shards of one study, in index order, with the scenario
/// they ran and its model.
pub(super) struct Study {
    shards: Vec<Found>,
    /// Their scenario.yaml (the same in each).
    pub text: String,
    /// Its model.
    pub model: Model,
}

impl Study {
    /// The first shard's manifest: what every shard agrees on.
    fn manifest(&self) -> &Manifest {
        &self.shards[0].manifest
    }
}

/// `meshsim merge`: a sweep's folder (its scenario.yaml has a sweep) is
/// merged point by point by the sweep itself; any other folder is one
/// study's shards.
pub fn merge(args: &MergeArgs) -> anyhow::Result<()> {
    if let Some(sweep) = sweep_of(&args.dir)? {
        if args.out.is_some() || args.allow_partial {
            return Err(UsageError(
                "a sweep is merged in its own folder, whole: drop --out and --allow-partial".into(),
            )
            .into());
        }
        return super::sweep::merge(&sweep, &args.dir, args.quiet, args.force);
    }
    let shards_dir = args.dir.join(SHARDS);
    let study = gather(&shards_dir, args.allow_partial)?;
    let manifest = study.manifest().clone();
    let out = results_folder(
        args.out.clone().unwrap_or_else(|| args.dir.clone()),
        &study.model.name,
        args.force,
    )?;
    let cancel = interrupt::cancel();
    let staging = Staging::begin(&out)?;
    let names = study
        .model
        .deployments
        .iter()
        .map(|d| d.name.clone())
        .collect();
    let mut writer = ReplicationWriter::create(
        &Folder::new(staging.dir()).synced_later(),
        names,
        study.model.measures(),
    )?;
    let tally = match replay(&study, Some(&mut writer), &|| cancel.is_set()) {
        Err(_) if cancel.is_set() => return checker(&cancel, false, &out)("merge"),
        other => other?,
    };
    checker(&cancel, false, &out)(REPLICATIONS_PARQUET)?;
    writer.finish()?;

    let merged = tally.replications;
    let partial = merged < manifest.replications;
    let mut yaml = String::new();
    if partial {
        yaml = format!(
            "# partial merge: {merged} of {} replications (shards {} missing or unfinished); not the result of a one-machine run\n",
            manifest.replications,
            list(&missing_or_unfinished(&study.shards, manifest.shard_count))
        );
    }
    yaml += &study.text;
    let shards = study.shards.len();
    let (_, results, _) = write_results(study.model, tally, staging, &out, &yaml, &cancel, false)?;
    if !args.quiet {
        let mut text = table::summary(&results);
        text += &format!(
            "\nmerged {} shard{} of {}: {} of {} replications × {} years, seed {}; {} events\nresults: {}\n",
            shards,
            if shards == 1 { "" } else { "s" },
            manifest.shard_count,
            merged,
            manifest.replications,
            results.horizon_years,
            results.seed,
            results.events,
            out.display()
        );
        say(&text)?;
    }
    if partial {
        eprintln!(
            "meshsim: partial merge (--allow-partial): {merged} of {} replications; scenario.yaml says so",
            manifest.replications
        );
    }
    Ok(())
}

/// `dir/scenario.yaml` when it is a sweep's (it has `spec.sweep`).
fn sweep_of(dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    let path = dir.join(SCENARIO_YAML);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let swept = Document::parse(&text, &path.display().to_string())
        .map(|d| d.file.spec.sweep.is_some())
        .unwrap_or(false);
    Ok(swept.then_some(path))
}

/// The shards in `shards_dir`, checked (manifests, and each shard's
/// scenario.yaml against its hash), with their scenario's model.
pub(super) fn gather(shards_dir: &Path, allow_partial: bool) -> anyhow::Result<Study> {
    let found = find(shards_dir)?;
    let shards = check(shards_dir, found, allow_partial)?;
    let mut text = String::new();
    for s in &shards {
        let path = s.path.join(SCENARIO_YAML);
        let mine = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if shard::hash(&mine) != s.manifest.scenario_hash {
            return Err(UsageError(format!(
                "{} does not match the hash in its manifest: the shard folder was edited or damaged; run shard {} again",
                path.display(),
                s.manifest.shard_index
            ))
            .into());
        }
        text = mine;
    }
    let text_path = shards[0].path.join(SCENARIO_YAML);
    let doc = Document::parse(&text, &text_path.display().to_string())?;
    let model = model::build(&doc.file).map_err(|e| doc.locate(e))?;
    let study = &shards[0].manifest;
    if model.seed != study.seed || model.replications != Replications::Fixed(study.replications) {
        return Err(UsageError(format!(
            "{} does not give the seed and replications of its manifest; run shard {} again",
            text_path.display(),
            study.shard_index
        ))
        .into());
    }
    Ok(Study {
        shards,
        text,
        model,
    })
}

/// Replays the study's shards, in replication order, into the tally a
/// one-machine run of their replications reduces (and, given a writer,
/// into replications.parquet). `stop` is asked between shards.
pub(super) fn replay(
    study: &Study,
    mut writer: Option<&mut ReplicationWriter>,
    stop: &dyn Fn() -> bool,
) -> anyhow::Result<Tally> {
    let layout = Layout::new(study.model.deployments.len());
    let mut tally = Tally::new(study.model.deployments.len());
    let keep = usize::try_from(study.manifest().keep_incidents).unwrap_or(usize::MAX);
    for s in &study.shards {
        anyhow::ensure!(!stop(), "merge interrupted");
        let mut reader = OutcomeReader::open(&s.path, layout)?;
        let mut o = reader.blank();
        let m = &s.manifest;
        for r in m.first..m.first + m.done {
            reader.next_into(&mut o)?;
            anyhow::ensure!(
                o.replication == r,
                "{} is damaged (replication {} where {r} belongs); run shard {} again",
                s.path.join(OUTCOMES_BIN).display(),
                o.replication,
                m.shard_index
            );
            tally.add(&mut o, 0);
            if let Some(writer) = writer.as_deref_mut() {
                writer
                    .batch(std::slice::from_ref(&o))
                    .map_err(|e| anyhow::anyhow!("cannot write {REPLICATIONS_PARQUET}: {e}"))?;
            }
        }
        let summary = Summary::read(&s.path, layout)?;
        tally.merge_blast_bins(&summary.bins);
        let room = keep.saturating_sub(tally.incidents.len());
        tally
            .incidents
            .extend(summary.incidents.into_iter().take(room));
        if summary.trace.is_some() {
            tally.trace = summary.trace;
        }
    }
    Ok(tally)
}

/// Every shard folder under `dir` with its manifest. Hidden entries are
/// the staging folders of shards running or killed, and are skipped.
fn find(dir: &Path) -> anyhow::Result<Vec<Found>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        UsageError(format!(
            "cannot read {} ({e}): give merge the folder the shards were run with (their --out DIR)",
            dir.display()
        ))
    })?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Some((index, count)) = shard::parse_folder_name(&name) else {
            return Err(UsageError(format!(
                "{} is not a shard folder (<I>-of-<N>); move it out of {}",
                path.display(),
                dir.display()
            ))
            .into());
        };
        let manifest = Manifest::read(&path).map_err(|why| {
            UsageError(format!(
                "{}: {why}; run shard {index} of {count} again, or remove the folder",
                path.display()
            ))
        })?;
        found.push(Found { path, manifest });
    }
    found.sort_by_key(|f| (f.manifest.shard_index, f.path.clone()));
    if found.is_empty() {
        return Err(UsageError(format!(
            "{} holds no shards; run them first: meshsim run SCENARIO --shard-index I --shard-count N --out DIR",
            dir.display()
        ))
        .into());
    }
    Ok(found)
}

/// What makes shards parts of one study.
fn study_key(m: &Manifest) -> impl Ord + '_ {
    (
        &m.meshsim,
        m.format,
        &m.scenario_hash,
        m.seed,
        m.replications,
        m.keep_incidents,
        m.shard_count,
    )
}

/// The shards of the study, in index order, or the error that stops the
/// merge.
fn check(dir: &Path, found: Vec<Found>, allow_partial: bool) -> anyhow::Result<Vec<Found>> {
    // The study is what most shards agree on (the first such, on a tie):
    // one stray shard is named, not the other sixty-three.
    let at = {
        let mut votes: BTreeMap<_, (usize, usize)> = BTreeMap::new();
        for (at, f) in found.iter().enumerate() {
            votes.entry(study_key(&f.manifest)).or_insert((0, at)).0 += 1;
        }
        let (_, &(_, at)) = votes
            .iter()
            .max_by_key(|(_, &(n, at))| (n, std::cmp::Reverse(at)))
            .expect("at least one shard");
        at
    };
    let study = found[at].manifest.clone();
    let foreign: Vec<String> = found
        .iter()
        .filter_map(|f| {
            differs(&f.manifest, &study).map(|why| format!("{} ({why})", f.path.display()))
        })
        .collect();
    if !foreign.is_empty() {
        return Err(UsageError(format!(
            "shards of another study in {}: {}; remove them (or merge them with their own study's shards)",
            dir.display(),
            foreign.join("; ")
        ))
        .into());
    }
    let mut by_index: BTreeMap<u64, PathBuf> = BTreeMap::new();
    for f in &found {
        let m = &f.manifest;
        let named = f.path.file_name().unwrap_or_default().to_string_lossy();
        if let Some(other) = by_index.insert(m.shard_index, f.path.clone()) {
            return Err(UsageError(format!(
                "shard {} of {} is there twice: {} and {}; remove the copy",
                m.shard_index,
                m.shard_count,
                other.display(),
                f.path.display()
            ))
            .into());
        }
        if named != shard::folder_name(m.shard_index, m.shard_count) {
            return Err(UsageError(format!(
                "{} holds shard {} of {} (its manifest): a copy under another shard's name; remove it, or run shard {named} again",
                f.path.display(),
                m.shard_index,
                m.shard_count
            ))
            .into());
        }
        let range = shard::range(m.shard_index, m.shard_count, m.replications);
        let len = range.end - range.start;
        if m.first != range.start
            || m.end != range.end
            || m.done > len
            || m.finished != (m.done == len)
        {
            return Err(UsageError(format!(
                "{}: its manifest's range ({} to {}, {} done) is not shard {} of {}'s ({} to {}); run the shard again",
                f.path.display(),
                m.first,
                m.end,
                m.done,
                m.shard_index,
                m.shard_count,
                range.start,
                range.end
            ))
            .into());
        }
    }
    let missing: Vec<u64> = (0..study.shard_count)
        .filter(|i| !by_index.contains_key(i))
        .collect();
    let unfinished: Vec<u64> = found
        .iter()
        .filter(|f| !f.manifest.finished)
        .map(|f| f.manifest.shard_index)
        .collect();
    let complete = missing.is_empty() && unfinished.is_empty();
    if !allow_partial && !complete {
        let mut what = Vec::new();
        if !missing.is_empty() {
            what.push(format!("missing: {}", list(&missing)));
        }
        if !unfinished.is_empty() {
            what.push(format!("unfinished: {}", list(&unfinished)));
        }
        let there: u64 = found.iter().map(|f| f.manifest.done).sum();
        anyhow::bail!(
            "not every shard of {} is there ({}; of shards 0 to {}); run those shards (again) and merge, or pass --allow-partial to merge the {there} of {} replications there",
            dir.display(),
            what.join("; "),
            study.shard_count - 1,
            study.replications
        );
    }
    Ok(found)
}

/// What of `m` says it is not of `study`, if anything.
fn differs(m: &Manifest, study: &Manifest) -> Option<String> {
    let fields = [
        ("meshsim version", m.meshsim.clone(), study.meshsim.clone()),
        (
            "data format",
            m.format.to_string(),
            study.format.to_string(),
        ),
        (
            "scenario hash",
            m.scenario_hash.clone(),
            study.scenario_hash.clone(),
        ),
        ("seed", m.seed.to_string(), study.seed.to_string()),
        (
            "replications",
            m.replications.to_string(),
            study.replications.to_string(),
        ),
        (
            "--keep-incidents",
            m.keep_incidents.to_string(),
            study.keep_incidents.to_string(),
        ),
        (
            "shard count",
            m.shard_count.to_string(),
            study.shard_count.to_string(),
        ),
    ];
    let why: Vec<String> = fields
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(what, a, b)| format!("{what} {a}, not {b}"))
        .collect();
    (!why.is_empty()).then(|| why.join(", "))
}

fn missing_or_unfinished(shards: &[Found], count: u64) -> Vec<u64> {
    (0..count)
        .filter(|&i| {
            !shards
                .iter()
                .any(|s| s.manifest.shard_index == i && s.manifest.finished)
        })
        .collect()
}

/// `0, 3, 5`.
fn list(indices: &[u64]) -> String {
    indices
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
