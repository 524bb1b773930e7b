//! `manifest.yaml`: what a shard is a part of and which part, in YAML so
//! that an operator can read it (`cat DIR/shards/*/manifest.yaml`) when a
//! merge refuses a shard.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The manifest's file name in a shard folder.
pub const MANIFEST_YAML: &str = "manifest.yaml";

/// A shard's manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The meshsim version that wrote it (its data files' format and the
    /// model's semantics).
    pub meshsim: String,
    /// [`super::data::FORMAT`] of its data files.
    pub format: u32,
    /// [`super::hash`] of the shard's `scenario.yaml`: the scenario as
    /// run, as a one-machine run writes it.
    pub scenario_hash: String,
    /// The study's seed.
    pub seed: u64,
    /// The study's replications, all shards together.
    pub replications: u64,
    /// `--keep-incidents`: the incident rows the merged result keeps.
    pub keep_incidents: u64,
    /// Shards of the study.
    pub shard_count: u64,
    /// This shard, from 0.
    pub shard_index: u64,
    /// Its first replication.
    pub first: u64,
    /// One past its last replication.
    pub end: u64,
    /// Replications written, from `first`: `end − first` when finished.
    pub done: u64,
    /// Every replication of the range is written.
    pub finished: bool,
}

impl Manifest {
    /// Writes the manifest into `dir` (synced).
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        use std::io::Write;
        let path = dir.join(MANIFEST_YAML);
        let text = serde_yaml_ng::to_string(self).context("cannot serialise a manifest")?;
        let cannot = || format!("cannot write {}", path.display());
        let mut file = std::fs::File::create(&path).with_context(cannot)?;
        file.write_all(text.as_bytes()).with_context(cannot)?;
        file.sync_all().with_context(cannot)
    }

    /// Reads `dir`'s manifest; `Err` with the reason it cannot be read.
    pub fn read(dir: &Path) -> Result<Manifest, String> {
        let path = dir.join(MANIFEST_YAML);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("no readable {MANIFEST_YAML} ({e})"))?;
        serde_yaml_ng::from_str(&text)
            .map_err(|e| format!("{MANIFEST_YAML} does not read as a manifest ({e})"))
    }
}
