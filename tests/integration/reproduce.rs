//! The committed results under `results/` are exactly what the shipped
//! scenarios produce with their own settings (a study's: what `meshsim
//! sweep` writes beside its points): the README's first command
//! (`cargo run --release -- run scenarios/availability-ranking.yaml`)
//! rewrites them byte for byte and leaves `git status` clean.
//!
//! When a change moves the numbers on purpose, `bash results/regenerate.sh`
//! brings the committed files up to date, and this test says which file
//! went stale otherwise.

use crate::common::{root, run_meshsim};
use std::collections::BTreeSet;
use std::path::Path;

/// Files of a results folder that are not committed (see `.gitignore`):
/// the per-replication rows of a run and the points' folders of a sweep.
const NOT_COMMITTED: [&str; 2] = ["replications.parquet", "points"];

/// The `--refine` that `results/regenerate.sh` gives the shipped studies.
const STUDY_REFINE: &str = "3";

fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && !NOT_COMMITTED.contains(&name.as_str()))
        .collect()
}

#[test]
fn committed_results_are_what_the_shipped_scenarios_produce() {
    let tmp = tempfile::tempdir().unwrap();
    let mut folders = 0;
    for entry in std::fs::read_dir(root().join("results")).unwrap() {
        let committed = entry.unwrap().path();
        if !committed.is_dir() {
            continue;
        }
        folders += 1;
        let name = committed
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let scenario = root().join("scenarios").join(format!("{name}.yaml"));
        assert!(
            scenario.exists(),
            "results/{name} has no scenario scenarios/{name}.yaml"
        );
        let scenario = scenario.to_string_lossy().into_owned();
        let out = tmp.path().join(&name);
        let out_arg = out.to_string_lossy().into_owned();
        let want = files(&committed);
        if want.contains("sweep.csv") {
            // A study: `meshsim sweep`, as results/regenerate.sh runs it.
            run_meshsim(
                tmp.path(),
                &[
                    "sweep",
                    &scenario,
                    "--out",
                    &out_arg,
                    "--refine",
                    STUDY_REFINE,
                    "-q",
                ],
                0,
            );
        } else {
            // `meshsim run` with the scenario's own settings, as the README says.
            run_meshsim(tmp.path(), &["run", &scenario, "--out", &out_arg, "-q"], 0);
        }
        if want.contains("blast.csv") {
            run_meshsim(
                tmp.path(),
                &["blast", &scenario, "--out", &out_arg, "-q"],
                0,
            );
        }
        assert_eq!(
            files(&out),
            want,
            "results/{name}: the files a run writes differ from the committed ones"
        );
        let stale: Vec<&String> = want
            .iter()
            .filter(|file| {
                std::fs::read(committed.join(file)).unwrap()
                    != std::fs::read(out.join(file)).unwrap()
            })
            .collect();
        assert!(
            stale.is_empty(),
            "results/{name}: {stale:?} differ from a fresh run of scenarios/{name}.yaml; \
             run `bash results/regenerate.sh` and commit the result"
        );
    }
    assert!(folders >= 4, "only {folders} committed results folders");
}
