//! Sizing a run before it starts, from the model alone.
//!
//! A run's size depends on every stage after the model: the engine's
//! per-link state and batch size, the traced year of the timeline, the row
//! groups of `replications.parquet`, the charts. An estimate kept in
//! [`model`](crate::model) would make the model import the stages built on
//! it; kept in [`engine`](crate::engine) it would make the engine import
//! [`results`](crate::results), which already imports the engine. So it sits
//! here, above all of them, and only the commands (and tests) call it:
//! dependencies keep pointing down.

pub mod estimate;
