//! The N−1 table of `meshsim blast`: from the all-up state, fail each
//! component alone and see, per deployment and measure, which share of the
//! mesh's proxies stays live but turns bad. No simulation: this is the
//! deterministic blast radius of every single failure, the quickest way to
//! see what one outage can do to each placement.

use super::replication::Simulator;
use crate::model::deps::DepIndex;
use crate::model::{Layout, Measure, Model};

/// The measures a single failure can be judged on without durations.
pub const STATIC_MEASURES: [Measure; 3] = [Measure::Config, Measure::PodStart, Measure::Endpoints];

/// One component failed alone.
#[derive(Clone, Debug, PartialEq)]
pub struct SingleFailure {
    /// Component index into [`Model::components`].
    pub component: usize,
    /// Share of the mesh's proxies whose own cluster goes down.
    pub dead: f64,
    /// Share that stays live but turns bad, per slot ([`Layout::slot`];
    /// only [`STATIC_MEASURES`] are filled).
    pub blast: Vec<f64>,
}

impl SingleFailure {
    /// Blast on deployment `d` and measure `m`.
    pub fn blast(&self, d: usize, m: Measure) -> f64 {
        self.blast[Layout::slot(d, m.index())]
    }
}

/// Fails every component of `model` alone, in component order. An
/// instance made of replicas is not a failure of its own (it is down only
/// when its common cause or all its replicas are): its replicas and common
/// cause are listed instead.
pub fn single_failures(model: &Model) -> Vec<SingleFailure> {
    let deps = DepIndex::build(model);
    let mut sim = Simulator::new(model, &deps);
    (0..model.components.len())
        .filter(|&x| model.replica_set_of(x).is_none())
        .map(|component| {
            let (dead, blast) = sim.static_state(&[component]);
            SingleFailure {
                component,
                dead,
                blast,
            }
        })
        .collect()
}
