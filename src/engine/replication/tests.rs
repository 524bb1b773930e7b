//! A small mesh the engine's unit tests drive by hand: two clusters of one
//! zone, `c1` with 100 proxies and `c2` with 300, one deployment whose only
//! istiod (in `c1`) serves both, certificates of 4 hours rotated every 2,
//! no warm-up, no gateways. Small enough that every share and time is worked out by
//! hand in the tests.

use super::{Simulator, MS_PER_HOUR};
use crate::model::deps::DepIndex;
use crate::model::{Kind, Model};
use crate::scenario::Document;

pub(super) const MESH: &str = "apiVersion: meshsim/v1alpha1
kind: Scenario
metadata:
  name: two-clusters
spec:
  seed: 7
  horizon: 1y
  replications: 1
  proxy: { certTtl: 4h, certGraceRatio: 0.5 }
  topology:
    regions:
      - name: r
        zones:
          - name: z
            clusters:
              - { name: c1, proxies: 100 }
              - { name: c2, proxies: 300 }
  failures:
    cluster: { failure: { dist: exponential, mean: 1y }, repair: { dist: fixed, value: 1h } }
    apiServer: { failure: { dist: exponential, mean: 1mo }, repair: { dist: fixed, value: 1h } }
    controlPlane: { failure: { dist: exponential, mean: 1mo }, repair: { dist: fixed, value: 1h } }
  deployments:
    - name: one
      controlPlanes:
        instances: [{ name: cp, cluster: c1 }]
        attach: { c1: [cp], c2: [cp] }
";

/// The mesh above and its dependency index.
pub(super) fn mesh() -> (Model, DepIndex) {
    let doc = Document::parse(MESH, "two-clusters.yaml").unwrap_or_else(|e| panic!("{e}"));
    let model = crate::model::build(&doc.file).unwrap_or_else(|e| panic!("{}", doc.locate(e)));
    let deps = DepIndex::build(&model);
    (model, deps)
}

/// Hours to milliseconds.
pub(super) fn ms(hours: f64) -> u64 {
    (hours * MS_PER_HOUR) as u64
}

/// The mesh's only istiod.
pub(super) fn istiod(model: &Model) -> usize {
    let mut found =
        (0..model.components.len()).filter(|&x| model.components[x].kind == Kind::ControlPlane);
    let x = found.next().expect("an istiod");
    assert_eq!(found.next(), None, "one istiod");
    x
}

impl Simulator<'_> {
    /// Starts replication 0 and then sets every component up and every link
    /// evaluated at time 0, so a test starts from a known state, with the
    /// queue and streams [`Simulator::step`] needs; keeps `rows` incident
    /// rows.
    pub(super) fn all_up(&mut self, rows: usize) {
        self.reset(0, None);
        assert_eq!(self.static_state(&[]).0, 0.0, "nothing dead");
        assert_eq!(self.start_ms, 0, "no warm-up");
        self.row_budget = rows;
        self.keep_rows = rows > 0;
    }

    /// Fails or repairs component `x` at `t` hours (it must be in the other
    /// state), as the event loop does; returns the incident of a failure.
    pub(super) fn flip_at(&mut self, x: usize, hours: f64) -> Option<usize> {
        let failing = self.own_up[x];
        self.step(ms(hours), x);
        failing.then(|| self.incidents.len() - 1)
    }
}
