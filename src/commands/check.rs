//! `meshsim check`: run, then test every `expect` claim — the command
//! people put in CI to keep a design doc's ranking honest.

use super::{load, run::run, say};
use crate::cli::RunArgs;
use meshsim::output::table;
use meshsim::results::claims;
use meshsim::scenario::ScenarioError;
use std::process::ExitCode;

/// `meshsim check`: run, then judge every claim.
pub fn check(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let (doc, model) = load(&args.scenario, &args.set)?;
    if model.claims.is_empty() {
        return Err(ScenarioError::Invalid {
            file: doc.origin.clone(),
            line: 1,
            col: 1,
            path: "spec.expect".into(),
            message: "no claims to check; add e.g. `expect: [{ measure: config, order: [least-available, most-available] }]`".into(),
        }
        .into());
    }
    let (model, results) = run(args)?;
    let verdicts = claims::check(&model, &results);
    let broken = verdicts
        .iter()
        .filter(|v| v.outcome != claims::Outcome::Holds)
        .count();
    let mut text = format!("\n{}", table::claims(&verdicts));
    text += &format!("\n{}\n", claims::tally_line(&verdicts));
    text += &table::verdict_notes(&verdicts, results.replications);
    say(&text)?;
    Ok(if broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
