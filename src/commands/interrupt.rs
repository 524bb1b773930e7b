//! Ctrl-C and SIGTERM (and SIGHUP): the first asks the run to stop, which
//! every phase honours within a fraction of a second; the second exits at
//! once with code 130 (a staging folder may stay behind; the next run
//! removes it). The engine only sees the [`Cancel`] flag.
//!
//! A test hook, `MESHSIM_TEST_PAUSE_AT=<step>[,<step>…]`, makes a run stop
//! at those steps (`simulation`: before the first replication; `batch 2`:
//! after the second batch of replications is counted; a result file's
//! name: before it is written; `swap`: before the staged results are
//! swapped in), say so on stderr and wait there for the next signal. At
//! `results` (the assembly of the results and exact answers) it holds
//! for good instead, standing for a computation that never ends: the run
//! must stop without waiting for it. The tests in
//! tests/integration/containment.rs use it to signal a run in a phase that
//! otherwise lasts milliseconds, without guessing with sleeps on a loaded
//! machine. Unset, it costs one lookup per step.

use meshsim::engine::Cancel;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// A run stopped by a signal (exit code 130); the message says what was
/// kept.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Interrupted(pub String);

static CANCEL: OnceLock<Cancel> = OnceLock::new();

/// Signals received, for the test hook's wait.
static SIGNALS: AtomicU32 = AtomicU32::new(0);

/// The process's cancellation flag, with the signal handler installed on
/// first use.
pub fn cancel() -> Cancel {
    CANCEL
        .get_or_init(|| {
            let cancel = Cancel::new();
            let flag = cancel.clone();
            let _ = ctrlc::set_handler(move || {
                SIGNALS.fetch_add(1, Ordering::SeqCst);
                if flag.set() {
                    std::process::exit(130);
                }
                eprintln!("\ninterrupting; press Ctrl-C again to stop at once");
            });
            cancel
        })
        .clone()
}

/// Test hook: when `MESHSIM_TEST_PAUSE_AT` lists `step`, announces it and
/// waits for the next signal.
pub fn pause_at(step: &str) {
    if listed(step) {
        let seen = SIGNALS.load(Ordering::SeqCst);
        eprintln!("meshsim: paused at {step}");
        while SIGNALS.load(Ordering::SeqCst) == seen {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Test hook: when `MESHSIM_TEST_PAUSE_AT` lists `step`, announces it and
/// never returns.
pub fn hold_at(step: &str) {
    if listed(step) {
        eprintln!("meshsim: paused at {step}");
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// Test hook: `MESHSIM_TEST_CHECKPOINT_BATCHES=N` makes a run keep a
/// checkpoint every N batches (`resume.rs`) instead of every minute, so
/// the tests know which replications are on disk when they kill it.
pub fn checkpoint_batches() -> Option<u64> {
    std::env::var("MESHSIM_TEST_CHECKPOINT_BATCHES")
        .ok()
        .and_then(|n| n.parse().ok())
}

fn listed(step: &str) -> bool {
    std::env::var("MESHSIM_TEST_PAUSE_AT").is_ok_and(|steps| steps.split(',').any(|s| s == step))
}
