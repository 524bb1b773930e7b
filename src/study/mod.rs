//! Studies: a scenario asked many times with some of its fields set to other
//! values (the contract is `docs/studies.md`, from the design page
//! `studies.md`).
//!
//! A sweep is a list of [`Parameter`]s and the points they span; every point
//! is the scenario with each parameter's field set to one of its values, run
//! (or, with `--exact-only`, answered in closed form) like any scenario. This
//! module holds the types every stage of a sweep shares, so that building the
//! points, running them, finding crossovers and drawing the curves each read
//! one shape of data and stay in their own files.

pub mod crossover;
pub mod exact;
pub mod points;
mod refine;
pub mod sentence;
pub mod spec;
mod text;

pub use crossover::{find, Crossover};
pub use refine::{refinable, refine};
pub use sentence::sentence;
pub use text::value;

use crate::model::Measure;
use crate::results::{PairRow, SummaryRow};
pub use crate::scenario::sweep::SweepMode;

/// What a parameter's number is measured in, so that a value found between
/// two written ones (a crossover's estimate, a refined point) can be written
/// back in a form the scenario reader accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A duration, in hours (written back as e.g. `47.25h`).
    Hours,
    /// A rate, per year (written back as e.g. `3.5/y`).
    PerYear,
    /// A plain number: a count, a shape, a proxy count.
    Plain,
}

/// How a range's values are spaced, and so how a bracket is bisected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced: the midpoint of a bracket is its arithmetic mean.
    Linear,
    /// Evenly spaced in logarithm: the midpoint is the geometric mean.
    Log,
}

/// One value of a swept field.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// As written in the sweep (`30d`, `4/y`, `3`): the text the field is
    /// set to.
    pub text: String,
    /// The same value as a number in the parameter's [`Unit`].
    pub number: f64,
}

/// One swept field and its values, in the order they were given.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// The field path, as errors print it
    /// (`spec.failures.zone.repair.median`).
    pub path: String,
    /// What [`Value::number`] is measured in.
    pub unit: Unit,
    /// How the values are spaced (a list of values counts as linear).
    pub scale: Scale,
    /// Whether a value between two of these is meaningful (a duration, a
    /// rate, a shape) — the condition for `--refine` — or not (a count).
    pub continuous: bool,
    /// The values.
    pub values: Vec<Value>,
}

/// The answers at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct PointResult {
    /// The point's value of each parameter, as an index into that
    /// parameter's `values` (grid mode: any combination; zip mode: all
    /// equal).
    pub coords: Vec<usize>,
    /// The summary rows of the point's run (an `--exact-only` point: the
    /// exact value as `unavailability`, no interval).
    pub summary: Vec<SummaryRow>,
    /// The paired differences between deployments (an `--exact-only`
    /// point: the difference of the exact values, no interval).
    pub pairs: Vec<PairRow>,
}

/// A finished sweep: the parameters and every point's answers, in point
/// order.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The swept fields.
    pub parameters: Vec<Parameter>,
    /// The points, in the order they were run.
    pub points: Vec<PointResult>,
    /// No simulation: every value is a closed form.
    pub exact_only: bool,
    /// How the parameters' values combined into the points.
    pub mode: SweepMode,
}

impl Sweep {
    /// Whether several parameters move together (zip mode): then there is
    /// one line through the points, read along each parameter, and no
    /// parameter is held. A zip of one parameter is a plain line.
    pub fn is_zip(&self) -> bool {
        self.mode == SweepMode::Zip && self.parameters.len() > 1
    }

    /// The measures the points answer, in summary order.
    pub fn measures(&self) -> Vec<Measure> {
        let mut out: Vec<Measure> = Vec::new();
        for row in self.points.iter().flat_map(|p| &p.summary) {
            if !out.contains(&row.measure) {
                out.push(row.measure);
            }
        }
        out
    }
}
