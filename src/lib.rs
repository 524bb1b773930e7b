//! meshsim: a discrete-event Monte Carlo availability simulator for Istio
//! control-plane placements.
//!
//! The pipeline, one module per stage:
//! [`scenario`] (YAML in, located errors) → [`model`] (validated topology,
//! placements, dependency index, exact answers) → [`engine`] (parallel
//! replications) → [`stats`] (estimates and intervals) → [`results`] (one
//! struct every output reads) → [`export`] (CSV/Parquet) and [`output`]
//! (terminal tables). The simulation core never sees clap, polars or
//! plotters; `export` and `charts` exist only with the default `cli`
//! feature.

#![deny(missing_docs)]

#[cfg(feature = "cli")]
pub mod charts;
pub mod engine;
#[cfg(feature = "cli")]
pub mod export;
pub mod model;
pub mod output;
pub mod plan;
pub mod results;
pub mod scenario;
pub mod shard;
pub mod stats;
pub mod study;
