//! Shards: a study split over many machines (a Slurm array, a Kubernetes
//! Indexed Job, GNU parallel) and merged into exactly the result one
//! machine would have written (`../shared/design/scale-out.md`).
//!
//! Shard I of N runs the replications `[⌊I·R/N⌋, ⌊(I+1)·R/N⌋)`; a
//! replication draws only from (seed, replication, component), so its
//! outcome does not depend on the shard that ran it. A shard keeps only
//! additive data, never ratios (ratios do not add, and the floating sums
//! must be formed in replication order whatever the split): each
//! replication's record, the trace of replication 0, its first kept
//! incident rows and its blast-radius histograms (`data.rs`). The merge
//! replays the records in replication order into the same [`Tally`] a
//! one-machine run reduces, so every file it writes is that run's, byte
//! for byte.
//!
//! A shard folder, `DIR/shards/<I>-of-<N>/`, holds `manifest.yaml`
//! ([`Manifest`]), the `scenario.yaml` a one-machine run of the study
//! writes (its hash is in the manifest), `outcomes.bin` and
//! `summary.bin`. It is built under a hidden name and renamed into place
//! when complete (by `meshsim run`, its `shard_run.rs`), so a folder under its own name
//! is always whole.
//!
//! [`Tally`]: crate::engine::Tally

mod codec;
pub mod data;
pub mod manifest;

pub use manifest::{Manifest, MANIFEST_YAML};

/// Replications of shard `index` of `count` in a study of `replications`:
/// `[⌊I·R/N⌋, ⌊(I+1)·R/N⌋)`, computed without overflow.
pub fn range(index: u64, count: u64, replications: u64) -> std::ops::Range<u64> {
    let at = |i: u64| (u128::from(i) * u128::from(replications) / u128::from(count.max(1))) as u64;
    at(index)..at(index + 1)
}

/// The name of shard `index` of `count`'s folder under `DIR/shards/`.
pub fn folder_name(index: u64, count: u64) -> String {
    format!("{index}-of-{count}")
}

/// The shard `(index, count)` a folder name stands for, if it is one.
pub fn parse_folder_name(name: &str) -> Option<(u64, u64)> {
    let (i, n) = name.split_once("-of-")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(i) && digits(n)).then_some(())?;
    Some((i.parse().ok()?, n.parse().ok()?))
}

/// FNV-1a, 64 bits, of a scenario as run, as 16 hex digits: the
/// scenario's hash in a manifest, and the same key a sweep names its
/// points by ([`crate::study::points::key`]), so a sweep's point and its
/// shards name each other. It tells studies apart (a shard run with
/// another file, seed or `--set`); it is not meant to resist a forger, who
/// could as well edit the manifest.
pub fn hash(scenario_yaml: &str) -> String {
    crate::study::points::key(scenario_yaml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_every_replication_once() {
        for r in [0, 1, 5, 64, 1000, 100_003] {
            for n in [1, 2, 3, 7, 64, 100] {
                let mut next = 0;
                for i in 0..n {
                    let range = range(i, n, r);
                    assert_eq!(range.start, next, "r {r} n {n} i {i}");
                    next = range.end;
                }
                assert_eq!(next, r);
            }
        }
        assert_eq!(range(3, 4, u64::MAX), (u64::MAX / 4 * 3 + 2)..u64::MAX);
    }

    #[test]
    fn folder_names_read_back() {
        assert_eq!(parse_folder_name(&folder_name(3, 64)), Some((3, 64)));
        for bad in [
            "3-of-",
            "-of-4",
            "3of4",
            "a-of-4",
            "3-of-4x",
            ".3-of-4.partial",
        ] {
            assert_eq!(parse_folder_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_hash_is_fnv1a() {
        assert_eq!(hash(""), "cbf29ce484222325");
        assert_eq!(hash("a"), "af63dc4c8601ec8c");
    }
}
