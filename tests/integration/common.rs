//! Helpers shared by the integration tests.

#![allow(dead_code)]

use assert_cmd::Command;
use meshsim::engine::{self, NoObserver, RunOptions};
use meshsim::model::{self, Model};
use meshsim::results::Results;
use meshsim::scenario::Document;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// The `meshsim` binary, run from a fresh temporary directory.
pub fn meshsim(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("meshsim").expect("binary built");
    cmd.current_dir(dir);
    cmd
}

/// Parses and builds a scenario given as text; panics with the error.
pub fn model_of(yaml: &str) -> Model {
    let doc = Document::parse(yaml, "test.yaml").unwrap_or_else(|e| panic!("{e}"));
    model::build(&doc.file).unwrap_or_else(|e| panic!("{}", doc.locate(e)))
}

/// The error message a scenario text gets (parse or build).
pub fn error_of(yaml: &str) -> String {
    match Document::parse(yaml, "test.yaml") {
        Err(e) => e.to_string(),
        Ok(doc) => match model::build(&doc.file) {
            Err(e) => doc.locate(e).to_string(),
            Ok(_) => panic!("scenario was accepted:\n{yaml}"),
        },
    }
}

/// Simulates `model` with its own replication setting.
pub fn simulate(model: &Model) -> Results {
    let tally = engine::run(model, None, &RunOptions::default(), &mut NoObserver).expect("run");
    Results::new(model, &tally)
}

/// A complete scenario with the given `spec` body (indented by two spaces
/// inside `spec:`).
pub fn scenario(spec: &str) -> String {
    format!("apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata:\n  name: test\nspec:\n{spec}")
}

/// Runs `meshsim ARGS` in `dir`, asserts its exit code, and returns its
/// stdout and stderr.
pub fn run_meshsim(dir: &Path, args: &[&str], code: i32) -> (String, String) {
    let output = meshsim(dir)
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .clone();
    (
        String::from_utf8(output.stdout).expect("utf-8 stdout"),
        String::from_utf8(output.stderr).expect("utf-8 stderr"),
    )
}

/// The path of a shipped scenario, as an argument.
pub fn shipped(name: &str) -> String {
    root()
        .join("scenarios")
        .join(name)
        .to_string_lossy()
        .into_owned()
}
