//! `meshsim check`: run, then test every `expect` claim — the command
//! people put in CI to keep a design doc's ranking honest.

use super::{load, run::run_loaded, say};
use crate::cli::RunArgs;
use meshsim::output::table;
use meshsim::results::claims;
use meshsim::scenario::ScenarioError;
use std::process::ExitCode;

/// `meshsim check`: run, then judge every claim.
pub fn check(args: &RunArgs) -> anyhow::Result<ExitCode> {
    if args.shard_index.is_some() || args.shard_count.is_some() {
        return Err(super::UsageError(
            "check judges the whole study, not a shard: drop --shard-index/--shard-count (run the shards with `meshsim run`, merge them, and check the claims on one machine)".into(),
        )
        .into());
    }
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
    let (model, results) = run_loaded(args, doc, model)?;
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
