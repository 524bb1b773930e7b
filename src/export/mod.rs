//! Result files (outputs.md, "The results folder"), written with polars.
//!
//! Every file is written to a temporary name in the same folder and renamed
//! into place, so a reader never sees a half-written file under its real
//! name. `replications.parquet` is streamed batch by batch while the run
//! goes, so its memory does not grow with the replication count.

mod atomic;
mod blast;
mod files;
mod load;
mod replications;
mod sweep;
mod tables;

pub use atomic::AtomicFile;
pub use blast::write_blast;
pub use files::{is_result_file, BeforeEach, Folder, RESULT_FILES};
pub use load::load_results;
pub use replications::ReplicationWriter;
pub use sweep::{write_sweep, PointRun, SWEEP_FILES};
pub use tables::write_results;
