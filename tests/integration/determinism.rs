//! Reproducibility: the result files are byte-for-byte the same for one
//! thread and for several, and for the same seed twice; another seed gives
//! other numbers.

use super::common::{root, run_meshsim};
use std::path::Path;

const FILES: [&str; 7] = [
    "summary.csv",
    "summary.parquet",
    "pairs.csv",
    "blast_by_kind.csv",
    "replications.parquet",
    "incidents.parquet",
    "scenario.yaml",
];

/// Runs `scenario` (300 replications) on 1 and on 4 threads and asserts
/// that the result files are the same bytes, and not empty.
pub fn same_bytes_on_1_and_4_threads(scenario: &Path) {
    let dir = tempfile::tempdir().unwrap();
    for (out, threads) in [("one", "1"), ("four", "4")] {
        let args = [
            "run",
            scenario.to_str().unwrap(),
            "--replications",
            "300",
            "--threads",
            threads,
            "--out",
            out,
            "-q",
        ];
        run_meshsim(dir.path(), &args, 0);
    }
    for file in FILES {
        let read = |out: &str| std::fs::read(dir.path().join(out).join(file)).unwrap();
        assert!(!read("one").is_empty(), "{file} is empty");
        assert!(
            read("one") == read("four"),
            "{}: {file}: 1 and 4 threads differ",
            scenario.display()
        );
    }
}

fn run(dir: &Path, out: &str, extra: &[&str]) {
    let scenario = root().join("scenarios/availability-ranking.yaml");
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--replications",
        "600",
        "--out",
        out,
        "-q",
    ];
    args.extend_from_slice(extra);
    run_meshsim(dir, &args, 0);
}

fn read(dir: &Path, out: &str, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(out).join(file)).unwrap_or_else(|e| panic!("{out}/{file}: {e}"))
}

#[test]
fn same_bytes_for_any_thread_count_and_for_the_same_seed_twice() {
    let dir = tempfile::tempdir().unwrap();
    // 600 replications span three batches, so reduction order across
    // batches is exercised too.
    run(dir.path(), "one", &["--threads", "1"]);
    run(dir.path(), "four", &["--threads", "4"]);
    run(dir.path(), "again", &["--threads", "4"]);
    for file in FILES {
        let one = read(dir.path(), "one", file);
        assert!(!one.is_empty(), "{file} is empty");
        assert!(
            one == read(dir.path(), "four", file),
            "{file}: 1 thread and 4 threads differ"
        );
        assert!(
            one == read(dir.path(), "again", file),
            "{file}: the same run twice differs"
        );
    }
}

#[test]
fn another_seed_gives_other_numbers() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), "a", &[]);
    run(dir.path(), "b", &["--seed", "42"]);
    let a = String::from_utf8(read(dir.path(), "a", "summary.csv")).unwrap();
    let b = String::from_utf8(read(dir.path(), "b", "summary.csv")).unwrap();
    let first_numbers = |s: &str| {
        s.lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(2)
            .unwrap()
            .to_string()
    };
    assert_ne!(
        first_numbers(&a),
        first_numbers(&b),
        "unavailability did not change with the seed"
    );
    let seed = b
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "seed")
        .expect("a seed column");
    assert_eq!(
        b.lines().nth(1).unwrap().split(',').nth(seed),
        Some("42"),
        "the seed column records the override"
    );
    let yaml = String::from_utf8(read(dir.path(), "b", "scenario.yaml")).unwrap();
    assert!(
        yaml.contains("seed: 42"),
        "scenario.yaml records the seed as run:\n{yaml}"
    );
}
