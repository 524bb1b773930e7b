//! Turns the engine's raw trace of one replication into the [`Timeline`]
//! the chart draws: outages per component and the bad share of the mesh
//! per deployment and measure, in hours since the end of the warm-up.

use super::{Outage, Series, Timeline};
use crate::engine::trace::Trace;
use crate::model::{Layout, Measure, Model, MS_PER_HOUR};

/// Builds the timeline of `trace` for the reported `measures`.
pub fn from_trace(model: &Model, trace: &Trace, measures: &[Measure]) -> Timeline {
    let start = trace.start_ms;
    let until = trace.until_ms;
    let hours = |t: u64| (t.clamp(start, until) - start) as f64 / MS_PER_HOUR;

    // Outages: replay the own-state changes from time 0.
    let mut down_since: Vec<Option<u64>> = trace
        .initial_up
        .iter()
        .map(|&up| (!up).then_some(0))
        .collect();
    let mut outages = Vec::new();
    let close = |x: usize, from: u64, to: u64, outages: &mut Vec<Outage>| {
        if to > start && from < until {
            let comp = &model.components[x];
            outages.push(Outage {
                component: comp.name.clone(),
                kind: comp.kind,
                start_h: hours(from),
                end_h: hours(to),
            });
        }
    };
    for &(t, x) in &trace.transitions {
        let x = x as usize;
        match down_since[x].take() {
            Some(from) => close(x, from, t, &mut outages),
            None => down_since[x] = Some(t),
        }
    }
    for (x, since) in down_since.iter().enumerate() {
        if let Some(from) = since {
            close(x, *from, until, &mut outages);
        }
    }
    outages.sort_by(|a, b| {
        a.start_h
            .total_cmp(&b.start_h)
            .then(a.component.cmp(&b.component))
    });

    let layout = Layout::new(model.deployments.len());
    let mut series = Vec::new();
    for (d, dep) in model.deployments.iter().enumerate() {
        for &m in measures {
            let points = if m == Measure::Traffic {
                traffic_points(trace, d as u32, model.total_proxies() as f64, &hours)
            } else {
                let value = |i: usize| trace.samples[layout.at(i, d, m)];
                let mut points: Vec<(f64, f64)> = Vec::new();
                for (i, &t) in trace.sample_times.iter().enumerate() {
                    push_step(&mut points, hours(t), value(i));
                }
                points
            };
            series.push(Series {
                deployment: dep.name.clone(),
                measure: m,
                points,
            });
        }
    }
    Timeline {
        replication: trace.replication,
        hours: (until - start) as f64 / MS_PER_HOUR,
        outages,
        series,
    }
}

/// Adds a step at `t`: replaces a step at the same time, skips a value
/// that does not change.
fn push_step(points: &mut Vec<(f64, f64)>, t: f64, v: f64) {
    if let Some(last) = points.last_mut() {
        if last.0 == t {
            last.1 = v;
            return;
        }
        if last.1 == v {
            return;
        }
    }
    points.push((t, v));
}

/// The traffic-bad share over time, from the loss intervals.
fn traffic_points(
    trace: &Trace,
    d: u32,
    total: f64,
    hours: &dyn Fn(u64) -> f64,
) -> Vec<(f64, f64)> {
    let mut edges: Vec<(u64, i64)> = trace
        .traffic
        .iter()
        .filter(|e| e.0 == d)
        .flat_map(|&(_, from, to, p)| [(from, p as i64), (to, -(p as i64))])
        .collect();
    edges.sort_unstable();
    let mut points = vec![(0.0, 0.0)];
    let mut level = 0i64;
    for (t, delta) in edges {
        level += delta;
        push_step(&mut points, hours(t), level as f64 / total);
    }
    points
}
