//! Result files (outputs.md, "The results folder"), written with polars.
//!
//! Every file is written to a temporary name in the same folder and renamed
//! into place, so a reader never sees a half-written file under its real
//! name. `replications.parquet` is streamed batch by batch while the run
//! goes, so its memory does not grow with the replication count.

mod atomic;
mod blast;
mod crossovers;
pub mod files;
mod jobs;
mod load;
mod replications;
mod sweep;
mod tables;

pub use atomic::AtomicFile;
pub use blast::write_blast;
pub use crossovers::write_crossovers;
pub use files::{is_result_file, is_sweep_file, BeforeEach, Folder, RESULT_FILES, SWEEP_FILES};
pub use jobs::{run_in_order, Job};
pub use load::load_results;
pub use replications::ReplicationWriter;
pub use sweep::{write_sweep, PointRun};
pub use tables::{table_jobs, write_results};
