//! Integration tests: one crate, one module per concern. Tests that need a
//! number run the library directly; tests of what users see run the binary.

mod bad_input;
mod blast;
mod bounds;
mod charts;
mod cli;
mod commands;
mod common;
mod containment;
mod crossovers;
mod determinism;
mod edge_cases;
mod exact;
mod fuzz_regressions;
mod memory;
mod overrides;
mod precision;
mod properties;
mod ranks;
mod replicas;
mod reproduce;
mod rollout;
mod shards;
mod snapshots;
mod sweep;
mod traffic;
