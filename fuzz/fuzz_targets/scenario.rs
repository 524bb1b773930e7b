//! Fuzz target: any text through the scenario front end — YAML parsing
//! (`Document::parse`), the semantic checks (`model::build`), error location
//! (`Document::locate`) and the run-size estimate — must end in a model or
//! a located error, never a panic, a hang or a runaway allocation. A model
//! that builds must pass the simulator's index check (`Simulator::new`).
//!
//! A model that builds has finite, positive distribution means (what the
//! exact answers and the engine divide by), and a scenario that builds must
//! survive serialise → parse → build, the way `scenario.yaml` is written
//! into every results folder and read back.

#![no_main]

use libfuzzer_sys::fuzz_target;
use meshsim::engine::replication::Simulator;
use meshsim::model::deps::DepIndex;
use meshsim::model;
use meshsim::plan::estimate;
use meshsim::scenario::Document;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let doc = match Document::parse(text, "fuzz.yaml") {
        Ok(doc) => doc,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let built = match model::build(&doc.file) {
        Ok(m) => m,
        Err(e) => {
            let _ = doc.locate(e).to_string();
            return;
        }
    };
    // A model is finite: no distribution with an infinite or zero mean
    // reaches the engine or the exact answers (they would print NaN).
    assert!(built.horizon_hours.is_finite() && built.horizon_hours > 0.0);
    for c in &built.components {
        if let Some(p) = &c.process {
            for d in [&p.failure, &p.repair] {
                let m = d.mean();
                assert!(m.is_finite() && m > 0.0, "{}: mean {m} of {d:?}", c.name);
            }
            let a = p.availability();
            assert!((0.0..=1.0).contains(&a), "{}: availability {a}", c.name);
        }
    }
    let size = estimate::estimate(&built, None, meshsim::engine::KEPT_INCIDENTS);
    match estimate::check(&size, false) {
        Err(e) => {
            let _ = doc.locate(e.field_error(&built)).to_string();
        }
        // The engine indexes its tables without bounds checks, relying on
        // every index in the model and its dependency index being in range;
        // a simulator checks that when it is made. (Within the fuzzer's
        // 2 GiB, whose limit applies to each allocation too.)
        Ok(()) if size.memory_bytes < 512.0 * 1024.0 * 1024.0 => {
            let deps = DepIndex::build(&built);
            let _ = Simulator::new(&built, &deps);
        }
        Ok(()) => {}
    }

    // What is accepted is written back out and must be accepted again.
    let echoed = serde_yaml_ng::to_string(&doc.file).expect("a parsed scenario serialises");
    let again = Document::parse(&echoed, "echo.yaml")
        .unwrap_or_else(|e| panic!("the echoed scenario does not parse: {e}\n{echoed}"));
    if let Err(e) = model::build(&again.file) {
        panic!(
            "the echoed scenario does not build: {}\n{echoed}",
            again.locate(e)
        );
    }
    let twice = serde_yaml_ng::to_string(&again.file).expect("serialises");
    assert_eq!(
        echoed, twice,
        "serialise → parse → serialise changed the text"
    );
});
