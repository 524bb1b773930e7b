//! The recorded history of one replication, for the timeline chart: every
//! component transition, the bad share of every deployment and measure
//! after every event, and the traffic-loss intervals. Only the traced
//! replication pays for it, and only up to the traced length.

/// History of one replication from time 0 up to `until_ms`.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Replication index.
    pub replication: u64,
    /// Start of the measured window (ms).
    pub start_ms: u64,
    /// End of the recording (ms).
    pub until_ms: u64,
    /// Every component's own state at time 0.
    pub initial_up: Vec<bool>,
    /// (time ms, component) of each own-state change.
    pub transitions: Vec<(u64, u32)>,
    /// Times of the samples (ms), the first at 0.
    pub sample_times: Vec<u64>,
    /// Per sample, the bad share of the mesh's proxies of every slot, in
    /// [`Layout`](crate::model::Layout) order (traffic left at 0: see
    /// `traffic`).
    pub samples: Vec<f64>,
    /// (deployment, from ms, to ms, proxies) of each traffic loss.
    pub traffic: Vec<(u32, u64, u64, u64)>,
}

impl Trace {
    pub(super) fn new(replication: u64, start_ms: u64, until_ms: u64, own_up: &[bool]) -> Self {
        Trace {
            replication,
            start_ms,
            until_ms,
            initial_up: own_up.to_vec(),
            ..Trace::default()
        }
    }

    /// Is `t` inside the recording?
    pub(super) fn wants(&self, t: u64) -> bool {
        t < self.until_ms
    }

    pub(super) fn transition(&mut self, t: u64, component: u32) {
        if self.wants(t) {
            self.transitions.push((t, component));
        }
    }

    pub(super) fn sample(&mut self, t: u64, values: impl Iterator<Item = f64>) {
        self.sample_times.push(t);
        self.samples.extend(values);
    }

    pub(super) fn traffic(&mut self, deployment: u32, from: u64, to: u64, proxies: u64) {
        if from < to && from < self.until_ms && to > self.start_ms {
            self.traffic.push((deployment, from, to, proxies));
        }
    }
}
