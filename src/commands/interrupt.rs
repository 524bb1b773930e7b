//! Ctrl-C and SIGTERM (and SIGHUP): the first asks the run to stop, which
//! every phase honours within a fraction of a second; the second exits at
//! once with code 130 (a staging folder may stay behind; the next run
//! removes it). The engine only sees the [`Cancel`] flag.
//!
//! A test hook, `MESHSIM_TEST_PAUSE_AT=<step>`, makes a run stop at one
//! step (`batch 2`: after the second batch of replications is counted;
//! `results`: before the results and exact answers are assembled; a result
//! file's name: before it is written), say so on stderr and wait there for
//! a signal. The tests in tests/integration/containment.rs use it to kill
//! a run in a phase that otherwise lasts milliseconds, without guessing
//! with sleeps on a loaded machine. Unset, it costs one lookup per step.

use meshsim::engine::Cancel;
use std::sync::OnceLock;
use std::time::Duration;

/// A run stopped by a signal (exit code 130); the message says what was
/// kept.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Interrupted(pub String);

static CANCEL: OnceLock<Cancel> = OnceLock::new();

/// The process's cancellation flag, with the signal handler installed on
/// first use.
pub fn cancel() -> Cancel {
    CANCEL
        .get_or_init(|| {
            let cancel = Cancel::new();
            let flag = cancel.clone();
            let _ = ctrlc::set_handler(move || {
                if flag.set() {
                    std::process::exit(130);
                }
                eprintln!("\ninterrupting; press Ctrl-C again to stop at once");
            });
            cancel
        })
        .clone()
}

/// Test hook: when `MESHSIM_TEST_PAUSE_AT` names `step`, announces it and
/// waits until a signal sets `cancel`.
pub fn pause_at(step: &str, cancel: &Cancel) {
    if std::env::var_os("MESHSIM_TEST_PAUSE_AT").is_some_and(|s| s == step) {
        eprintln!("meshsim: paused at {step}");
        while !cancel.is_set() {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
