//! Horizontal value axes: linear or logarithmic, with grid lines, ticks,
//! labels and a description.
//!
//! Every chart puts values on x and categories (deployments, kinds) on y,
//! so one kind of axis serves all of them. It is ours rather than
//! plotters' mesh because that picks a tick count without knowing how wide
//! its labels are: here tick spacing is chosen from the labels' measured
//! widths, so labels never overlap however narrow a panel is; a log axis
//! labels 1, 2 and 5 × 10^k where they fit, else decades.

use super::canvas::Canvas;
use super::style::{self, GRID, MUTED, TEXT, TICK_SIZE};
use super::Backend;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Grid line at a decade of a log axis: a shade darker than the others.
const DECADE: RGBColor = RGBColor(0xb4, 0xb4, 0xb4);
/// Length of a tick mark below the axis line, pixels.
const TICK_LEN: i32 = 5;
/// Smallest gap between neighbouring tick labels, pixels.
const LABEL_GAP: i32 = 18;

/// A horizontal axis mapping `lo..hi` onto pixels `left..right`.
#[derive(Clone, Debug)]
pub struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    left: i32,
    right: i32,
}

/// A tick: its value, whether it is labelled, whether it is a decade.
struct Tick {
    value: f64,
    labelled: bool,
    strong: bool,
}

impl Axis {
    /// A linear axis.
    pub fn linear(lo: f64, hi: f64, left: i32, right: i32) -> Self {
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Axis {
            lo,
            hi,
            log: false,
            left,
            right,
        }
    }

    /// A logarithmic axis; `lo` must be positive.
    pub fn log(lo: f64, hi: f64, left: i32, right: i32) -> Self {
        let lo = if lo > 0.0 { lo } else { 1.0 };
        let hi = if hi > lo { hi } else { lo * 10.0 };
        Axis {
            lo,
            hi,
            log: true,
            left,
            right,
        }
    }

    /// Left and right ends, pixels.
    pub fn span(&self) -> (i32, i32) {
        (self.left, self.right)
    }

    /// The pixel of `v`, held inside the axis (a value off a log axis,
    /// such as 0, sits at its end).
    pub fn x(&self, v: f64) -> i32 {
        let t = if self.log {
            if v.is_nan() || v <= 0.0 {
                return self.left;
            }
            (v.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.left + (t * f64::from(self.right - self.left)).round() as i32
    }

    fn ticks(&self, format: &dyn Fn(f64) -> String) -> anyhow::Result<Vec<Tick>> {
        if self.log {
            self.log_ticks(format)
        } else {
            self.linear_ticks(format)
        }
    }

    /// Widest label of `values` plus the gap labels need between them.
    fn label_room(values: &[f64], format: &dyn Fn(f64) -> String) -> anyhow::Result<i32> {
        let labels: Vec<String> = values.iter().map(|&v| format(v)).collect();
        Ok(style::widest(labels.iter().map(String::as_str), TICK_SIZE)? + LABEL_GAP)
    }

    fn linear_ticks(&self, format: &dyn Fn(f64) -> String) -> anyhow::Result<Vec<Tick>> {
        let width = f64::from((self.right - self.left).max(1));
        let span = self.hi - self.lo;
        let mut step = 10f64.powf((span / 20.0).log10().floor());
        let mut k = 0;
        loop {
            let values: Vec<f64> = {
                let first = (self.lo / step).ceil() as i64;
                let last = (self.hi / step + 1e-9).floor() as i64;
                (first..=last).map(|i| i as f64 * step).collect()
            };
            let room = f64::from(Self::label_room(&values, format)?);
            if room * span / step <= width || values.len() <= 2 || k > 30 {
                return Ok(values
                    .into_iter()
                    .map(|value| Tick {
                        value,
                        labelled: true,
                        strong: false,
                    })
                    .collect());
            }
            // 1, 2, 5, 10, 20, 50, ...
            step *= if k % 3 == 1 { 2.5 } else { 2.0 };
            k += 1;
        }
    }

    fn log_ticks(&self, format: &dyn Fn(f64) -> String) -> anyhow::Result<Vec<Tick>> {
        let mut all = Vec::new();
        let mut decade = 10f64.powf(self.lo.log10().floor());
        while decade <= self.hi * (1.0 + 1e-9) {
            for m in 1..10 {
                let v = decade * f64::from(m);
                if v >= self.lo * (1.0 - 1e-9) && v <= self.hi * (1.0 + 1e-9) {
                    all.push((v, m));
                }
            }
            decade *= 10.0;
        }
        // Label 1, 2, 5 if they fit, else decades, else every other decade.
        let fits = |labelled: &[f64]| -> anyhow::Result<bool> {
            let room = Self::label_room(labelled, format)?;
            Ok(labelled
                .windows(2)
                .all(|w| self.x(w[1]) - self.x(w[0]) >= room))
        };
        let pick = |ms: &[i32]| -> Vec<f64> {
            all.iter()
                .filter(|(_, m)| ms.contains(m))
                .map(|(v, _)| *v)
                .collect()
        };
        let mut labelled = pick(&[1, 2, 5]);
        if !fits(&labelled)? {
            labelled = pick(&[1]);
            let mut keep = 1;
            while !fits(&labelled)? && keep < 8 {
                keep *= 2;
                labelled = pick(&[1]).into_iter().step_by(keep).collect();
            }
        }
        Ok(all
            .into_iter()
            .map(|(value, m)| Tick {
                value,
                labelled: labelled.contains(&value),
                strong: m == 1,
            })
            .collect())
    }

    /// Vertical grid lines from `top` to `bottom`.
    pub fn grid<DB: Backend>(
        &self,
        canvas: &Canvas<'_, DB>,
        top: i32,
        bottom: i32,
        format: &dyn Fn(f64) -> String,
    ) -> anyhow::Result<()> {
        for t in self.ticks(format)? {
            let colour = if t.strong && self.log { DECADE } else { GRID };
            let x = self.x(t.value);
            canvas.line(vec![(x, top), (x, bottom)], colour.stroke_width(1))?;
        }
        Ok(())
    }

    /// The axis line at `y`, tick marks and labels under it and, if given,
    /// the description under those.
    pub fn draw<DB: Backend>(
        &self,
        canvas: &Canvas<'_, DB>,
        y: i32,
        format: &dyn Fn(f64) -> String,
        description: Option<&str>,
    ) -> anyhow::Result<()> {
        canvas.line(vec![(self.left, y), (self.right, y)], MUTED.stroke_width(1))?;
        for t in self.ticks(format)? {
            let x = self.x(t.value);
            let len = if t.labelled { TICK_LEN } else { TICK_LEN / 2 };
            canvas.line(vec![(x, y), (x, y + len)], MUTED.stroke_width(1))?;
            if t.labelled {
                canvas.text(
                    &format(t.value),
                    TICK_SIZE,
                    TEXT,
                    (HPos::Center, VPos::Top),
                    (x, y + TICK_LEN + 4),
                )?;
            }
        }
        if let Some(d) = description {
            canvas.text(
                d,
                style::LABEL_SIZE,
                TEXT,
                (HPos::Center, VPos::Top),
                ((self.left + self.right) / 2, y + TICK_LEN + 4 + 26),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(axis: &Axis, format: &dyn Fn(f64) -> String) -> Vec<f64> {
        axis.ticks(format)
            .unwrap()
            .into_iter()
            .filter(|t| t.labelled)
            .map(|t| t.value)
            .collect()
    }

    #[test]
    fn a_wide_log_axis_labels_one_two_five() {
        let a = Axis::log(10.0, 2000.0, 0, 1000);
        let f = |v: f64| style::minutes(v);
        assert_eq!(
            labels(&a, &f),
            vec![10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0]
        );
    }

    #[test]
    fn a_narrow_log_axis_labels_decades_only() {
        let a = Axis::log(1e-3, 1e3, 0, 300);
        let f = |v: f64| style::minutes(v);
        let l = labels(&a, &f);
        let decade = |v: &f64| (v.log10() - v.log10().round()).abs() < 1e-9;
        assert!(
            l.len() >= 2 && l.len() <= 7 && l.iter().all(decade),
            "{l:?}"
        );
    }

    #[test]
    fn linear_labels_do_not_crowd_a_narrow_panel() {
        let a = Axis::linear(0.0, 1500.0, 0, 250);
        let f = |v: f64| style::minutes(v);
        let l = labels(&a, &f);
        assert!(l.len() >= 3 && l.len() <= 6, "{l:?}");
        assert_eq!(l[0], 0.0);
    }

    #[test]
    fn values_off_the_axis_stay_on_it() {
        let a = Axis::log(10.0, 1000.0, 100, 400);
        assert_eq!(a.x(0.0), 100);
        assert_eq!(a.x(1e9), 400);
        assert_eq!(a.x(100.0), 250);
    }
}
