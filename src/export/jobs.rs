//! Writing the result files side by side, longest first.
//!
//! After a short simulation, writing the tables and drawing the charts is
//! most of a run's fixed cost (BENCHMARKS.md), and the files take very
//! different times: the blast chart's PNG (1600 × 2783 px for five
//! deployments) takes longer than every table together. Each file is one
//! single-threaded job; given to rayon's workers in order, longest first,
//! the longest starts at once and the short ones fill in around it, so the
//! whole takes about the longest job or an even share of the total,
//! whichever is more. (Nested `join`s fixed the pairing instead: the
//! blast chart waited behind the ranking chart while the other worker ran
//! out of work.)

/// One file (or a few small ones) to write; an error stops nothing else.
pub type Job<'a> = Box<dyn FnOnce() -> anyhow::Result<()> + Send + 'a>;

/// Runs `jobs` on rayon's pool, started in the order given (so put the
/// longest first), and waits for all. Returns the error of the first job
/// in that order that failed, so the error reported does not depend on
/// timing.
pub fn run_in_order(jobs: Vec<Job<'_>>) -> anyhow::Result<()> {
    let mut outcomes: Vec<Option<anyhow::Result<()>>> = Vec::new();
    outcomes.resize_with(jobs.len(), || None);
    // FIFO: the worker that spawns takes the oldest job first, as do the
    // workers that steal from it.
    rayon::scope_fifo(|scope| {
        for (job, outcome) in jobs.into_iter().zip(outcomes.iter_mut()) {
            scope.spawn_fifo(move |_| *outcome = Some(job()));
        }
    });
    outcomes.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_job_runs_and_the_first_error_in_order_is_returned() {
        let ran = Mutex::new(Vec::new());
        let job = |i: usize, fail: bool| -> Job<'_> {
            let ran = &ran;
            Box::new(move || {
                // The later failure finishes first.
                std::thread::sleep(std::time::Duration::from_millis(if i == 1 {
                    30
                } else {
                    0
                }));
                ran.lock().unwrap().push(i);
                anyhow::ensure!(!fail, "job {i} failed");
                Ok(())
            })
        };
        let jobs = vec![job(0, false), job(1, true), job(2, false), job(3, true)];
        let err = run_in_order(jobs).unwrap_err();
        assert_eq!(err.to_string(), "job 1 failed");
        assert!(run_in_order(vec![job(4, false)]).is_ok());
        assert!(run_in_order(Vec::new()).is_ok());
        let mut ran = ran.into_inner().unwrap();
        ran.sort();
        assert_eq!(ran, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn one_worker_takes_the_jobs_in_the_order_given() {
        let order = Mutex::new(Vec::new());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        pool.install(|| {
            let jobs: Vec<Job<'_>> = (0..6)
                .map(|i| -> Job<'_> {
                    let order = &order;
                    Box::new(move || {
                        order.lock().unwrap().push(i);
                        Ok(())
                    })
                })
                .collect();
            run_in_order(jobs).unwrap();
        });
        assert_eq!(order.into_inner().unwrap(), [0, 1, 2, 3, 4, 5]);
    }
}
