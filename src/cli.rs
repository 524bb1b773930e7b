//! The command line, and nothing else: clap definitions turned into plain
//! option structs that the commands take.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Availability of Istio control-plane placements, by Monte Carlo simulation.
#[derive(Debug, Parser)]
#[command(name = "meshsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario, print the summary table and write the results folder.
    Run(RunArgs),
    /// Run, then test every `expect` claim: exit 0 when all hold, 1 when one breaks.
    Check(RunArgs),
    /// Fail each component alone (no simulation): the N-1 blast-radius table.
    Blast(RunArgs),
    /// Run a scenario at many points (spec.sweep, --param, --param-range):
    /// one table per measure, sweep.csv, resumable.
    Sweep(SweepArgs),
    /// Merge the shards in DIR/shards/ into the results folder one machine
    /// would have written (docs/scale-out.md).
    Merge(MergeArgs),
    /// Redraw the charts of an existing results folder.
    Plot {
        /// A results folder written by `meshsim run`.
        results: PathBuf,
    },
    /// Check a scenario and print its expanded topology and placements.
    Validate {
        /// The scenario file (YAML).
        scenario: PathBuf,
        /// Set a field of the scenario, e.g. `--set spec.topology.clustersPerZone=2`
        /// (repeatable; see docs/studies.md, "Overrides").
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
}

/// Options of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// Set a field of the scenario, e.g. `--set spec.failures.zone.repair.median=6h`
    /// or `--set 'spec.deployments[name=per-zone].controlPlanes.count=2'`
    /// (repeatable, applied in order; recorded in the results' scenario.yaml;
    /// see docs/studies.md, "Overrides").
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Run this many replications instead of the scenario's own setting.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub replications: Option<u64>,
    /// Use this seed instead of the scenario's.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Results folder [default: results/<metadata.name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub threads: usize,
    /// Keep the first N incident rows, in replication order, in
    /// incidents.parquet (0: none).
    #[arg(long, value_name = "N", default_value_t = meshsim::engine::KEPT_INCIDENTS)]
    pub keep_incidents: u64,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run even when the estimated events or memory exceed the guard.
    #[arg(long)]
    pub allow_large: bool,
    /// Write into the results folder even if it holds another scenario's
    /// results or other files.
    #[arg(long)]
    pub force: bool,
    /// Run only shard I (0-based) of the replications, into
    /// DIR/shards/<I>-of-<N>/ [default: $MESHSIM_SHARD_INDEX,
    /// $JOB_COMPLETION_INDEX, or $SLURM_ARRAY_TASK_ID − $SLURM_ARRAY_TASK_MIN].
    #[arg(long, value_name = "I")]
    pub shard_index: Option<u64>,
    /// Shards of the study [default: $MESHSIM_SHARD_COUNT, or
    /// $SLURM_ARRAY_TASK_COUNT].
    #[arg(long, value_name = "N")]
    pub shard_count: Option<u64>,
}

/// Options of `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The folder the shards were run with (`--out DIR`): it holds shards/.
    pub dir: PathBuf,
    /// Results folder [default: DIR].
    #[arg(long, value_name = "OUT")]
    pub out: Option<PathBuf>,
    /// Merge the shards that are there even when some are missing or
    /// unfinished (the results say how many replications they hold).
    #[arg(long)]
    pub allow_partial: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write into OUT even if it holds another scenario's results or other
    /// files.
    #[arg(long)]
    pub force: bool,
}

/// `--mode` of `sweep`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SweepModeArg {
    /// Every combination of the parameters' values.
    Grid,
    /// The i-th value of every parameter together.
    Zip,
}

/// Options of `sweep`: those of `run`, and the parameters.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The run options, applied to every point.
    #[command(flatten)]
    pub run: RunArgs,
    /// Sweep a field over values: PATH=V1,V2,… (replaces the file's
    /// parameter of the same path, adds to the others).
    #[arg(long = "param", value_name = "PATH=V1,V2,...")]
    pub params: Vec<String>,
    /// Sweep a field over a range: PATH=FROM..TO:STEPS[:log].
    #[arg(long = "param-range", value_name = "PATH=FROM..TO:STEPS[:log]")]
    pub ranges: Vec<String>,
    /// How values combine into points [default: the file's, else grid].
    #[arg(long, value_enum)]
    pub mode: Option<SweepModeArg>,
    /// No simulation: the closed-form values of config, podStart,
    /// endpoints and badConfig at every point.
    #[arg(long)]
    pub exact_only: bool,
    /// Bisect each crossover's bracket with up to N extra simulated points.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub refine: u32,
}
