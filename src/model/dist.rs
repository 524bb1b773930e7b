//! Failure and repair time distributions: checked construction from the
//! scenario's parameter forms, sampling, and means for the exact answers.
//!
//! All times are in hours. Each parameter form of scenario-format.md maps to
//! one canonical parameterisation here, so the engine and the exact
//! calculation see the same distribution.

use super::FieldError;
use crate::scenario::duration::Duration;
use crate::scenario::file::{DistKind, DistSpec};
use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, StandardUniform, Weibull};

/// Standard normal quantiles behind the lognormal's `p95` and `p99` forms.
const NORMAL_Q95: f64 = 1.644_853_626_951_472_2;
const NORMAL_Q99: f64 = 2.326_347_874_040_841;

/// A validated distribution of a duration in hours.
#[derive(Clone, Debug)]
pub enum Dist {
    /// Exponential with this mean.
    Exponential {
        /// Mean hours.
        mean: f64,
        /// Sampler.
        exp: Exp<f64>,
    },
    /// Weibull; mean = scale · Γ(1 + 1/shape).
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ in hours.
        scale: f64,
        /// Sampler.
        weibull: Weibull<f64>,
    },
    /// ln(T) ~ Normal(mu, sigma²), T in hours.
    Lognormal {
        /// Mean of ln(hours).
        mu: f64,
        /// Standard deviation of ln(hours).
        sigma: f64,
        /// Sampler.
        lognormal: LogNormal<f64>,
    },
    /// Always this many hours.
    Fixed(f64),
    /// Uniform between min and max hours.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
}

impl Dist {
    /// Checks the parameter combination of `spec` found at `path`.
    pub fn from_spec(spec: &DistSpec, path: &str) -> Result<Dist, FieldError> {
        let dist = Self::parameters(spec, path)?;
        // Each parameter can be fine and their combination still overflow
        // (a Weibull scale of 1e300h with shape 0.05); the engine and the
        // exact answers divide by the mean.
        let mean = dist.mean();
        if !(mean.is_finite() && mean > 0.0) {
            return Err(FieldError::new(
                path,
                format!(
                    "this {} has no finite mean; give parameters of a realistic size",
                    kind_name(spec.dist)
                ),
            ));
        }
        Ok(dist)
    }

    /// The distribution of `spec` with every parameter checked on its own
    /// and against the others.
    fn parameters(spec: &DistSpec, path: &str) -> Result<Dist, FieldError> {
        let at = |field: &str| format!("{path}.{field}");
        let allowed: &[&str] = match spec.dist {
            DistKind::Exponential => &["mean", "rate"],
            DistKind::Weibull => &["shape", "mean", "scale"],
            DistKind::Lognormal => &["median", "p95", "p99", "mu", "sigma"],
            DistKind::Fixed => &["value"],
            DistKind::Uniform => &["min", "max"],
        };
        let given = given_fields(spec);
        let kind = kind_name(spec.dist);
        if let Some(extra) = given.iter().find(|f| !allowed.contains(f)) {
            return Err(FieldError::new(
                at(extra),
                format!(
                    "`{extra}` is not a parameter of `{kind}`; {kind} takes {}",
                    forms(spec.dist)
                ),
            ));
        }
        let positive = |d: &Option<Duration>, field: &str| -> Result<Option<f64>, FieldError> {
            match d {
                Some(d) if d.hours() <= 0.0 => Err(FieldError::new(
                    at(field),
                    format!("`{field}` is {d}; it must be greater than zero"),
                )),
                Some(d) if d.hours() < TICK_HOURS => Err(below_tick(&at(field), field, d)),
                Some(d) => Ok(Some(d.hours())),
                None => Ok(None),
            }
        };
        let finite = |v: Option<f64>, field: &str| -> Result<Option<f64>, FieldError> {
            match v {
                Some(v) if !v.is_finite() => Err(FieldError::new(
                    at(field),
                    format!("`{field}` is {v}; it must be a finite number"),
                )),
                v => Ok(v),
            }
        };
        let missing = || FieldError::new(path, format!("{kind} needs {}", forms(spec.dist)));
        let both = |a: &str, b: &str| {
            FieldError::new(
                at(b),
                format!("give either `{a}` or `{b}` for {kind}, not both"),
            )
        };
        match spec.dist {
            DistKind::Exponential => {
                let mean = match (positive(&spec.mean, "mean")?, &spec.rate) {
                    (Some(_), Some(_)) => return Err(both("mean", "rate")),
                    (Some(m), None) => m,
                    (None, Some(r)) if r.per_hour() > 1.0 / TICK_HOURS => {
                        return Err(FieldError::new(
                            at("rate"),
                            format!("`rate` is {r}, more than one event per millisecond; the simulation clock ticks in whole milliseconds, so give at most 1/ms"),
                        ))
                    }
                    (None, Some(r)) if r.per_hour() > 0.0 => 1.0 / r.per_hour(),
                    (None, Some(r)) => {
                        return Err(FieldError::new(
                            at("rate"),
                            format!("`rate` is {r}; it must be greater than zero"),
                        ))
                    }
                    (None, None) => return Err(missing()),
                };
                Ok(Dist::exponential(mean))
            }
            DistKind::Weibull => {
                let shape = finite(spec.shape, "shape")?.ok_or_else(missing)?;
                if shape <= 0.0 {
                    return Err(FieldError::new(
                        at("shape"),
                        format!("weibull `shape` is {shape}; it must be greater than zero (below 1: failures cluster early, as Schroeder & Gibson found)"),
                    ));
                }
                let gamma = libm::tgamma(1.0 + 1.0 / shape);
                let scale = match (
                    positive(&spec.mean, "mean")?,
                    positive(&spec.scale, "scale")?,
                ) {
                    (Some(_), Some(_)) => return Err(both("mean", "scale")),
                    (Some(mean), None) => mean / gamma,
                    (None, Some(scale)) => scale,
                    (None, None) => return Err(missing()),
                };
                if !(scale.is_finite() && scale > 0.0 && gamma.is_finite()) {
                    return Err(FieldError::new(
                        at("shape"),
                        format!("weibull `shape` {shape} is too small to give a finite mean; use a shape of 0.05 or more"),
                    ));
                }
                Ok(Dist::weibull(shape, scale))
            }
            DistKind::Lognormal => {
                let (mu, sigma) = match (&spec.median, &spec.mu) {
                    (Some(_), Some(_)) => return Err(both("median", "mu")),
                    (Some(_), None) => {
                        if spec.sigma.is_some() {
                            return Err(both("p95", "sigma"));
                        }
                        let median = positive(&spec.median, "median")?.unwrap_or_default();
                        let (q, z, field) = match (&spec.p95, &spec.p99) {
                            (Some(_), Some(_)) => return Err(both("p95", "p99")),
                            (Some(q), None) => (q, NORMAL_Q95, "p95"),
                            (None, Some(q)) => (q, NORMAL_Q99, "p99"),
                            (None, None) => return Err(missing()),
                        };
                        if q.hours() <= median {
                            return Err(FieldError::new(
                                at(field),
                                format!(
                                    "`{field}` ({q}) must be greater than `median` ({}); a lognormal's upper quantile lies above its median",
                                    spec.median.as_ref().map(|m| m.to_string()).unwrap_or_default()
                                ),
                            ));
                        }
                        (median.ln(), (q.hours() / median).ln() / z)
                    }
                    (None, Some(_)) => {
                        if spec.p95.is_some() || spec.p99.is_some() {
                            return Err(both("mu", "p95"));
                        }
                        let mu = finite(spec.mu, "mu")?.unwrap_or_default();
                        if mu < TICK_HOURS.ln() {
                            return Err(FieldError::new(
                                at("mu"),
                                format!(
                                    "lognormal `mu` is {mu}: a median of e^mu hours below 1ms; the simulation clock ticks in whole milliseconds, so give mu of {:.2} or more",
                                    TICK_HOURS.ln()
                                ),
                            ));
                        }
                        let sigma = finite(spec.sigma, "sigma")?.ok_or_else(missing)?;
                        if sigma <= 0.0 {
                            return Err(FieldError::new(
                                at("sigma"),
                                format!(
                                    "lognormal `sigma` is {sigma}; it must be greater than zero"
                                ),
                            ));
                        }
                        (mu, sigma)
                    }
                    (None, None) => return Err(missing()),
                };
                if !(mu + sigma * sigma / 2.0).exp().is_finite() {
                    return Err(FieldError::new(
                        path,
                        "this lognormal has no finite mean; lower `mu` or `sigma`",
                    ));
                }
                Ok(Dist::lognormal(mu, sigma))
            }
            DistKind::Fixed => {
                let v = positive(&spec.value, "value")?.ok_or_else(missing)?;
                Ok(Dist::Fixed(v))
            }
            DistKind::Uniform => {
                let (Some(min), Some(max)) = (&spec.min, &spec.max) else {
                    return Err(missing());
                };
                if max.hours() <= min.hours() {
                    return Err(FieldError::new(
                        at("max"),
                        format!("`max` ({max}) must be greater than `min` ({min})"),
                    ));
                }
                if max.hours() < TICK_HOURS {
                    return Err(below_tick(&at("max"), "max", max));
                }
                Ok(Dist::Uniform {
                    min: min.hours(),
                    max: max.hours(),
                })
            }
        }
    }

    /// Exponential with `mean` hours (mean > 0).
    pub fn exponential(mean: f64) -> Dist {
        Dist::Exponential {
            mean,
            exp: Exp::new(1.0 / mean).expect("positive rate"),
        }
    }

    /// Weibull with `shape` and `scale` hours (both > 0).
    pub fn weibull(shape: f64, scale: f64) -> Dist {
        Dist::Weibull {
            shape,
            scale,
            weibull: Weibull::new(scale, shape).expect("positive parameters"),
        }
    }

    /// Lognormal with log-hour parameters (sigma > 0).
    pub fn lognormal(mu: f64, sigma: f64) -> Dist {
        Dist::Lognormal {
            mu,
            sigma,
            lognormal: LogNormal::new(mu, sigma).expect("positive sigma"),
        }
    }

    /// Mean in hours (used by the exact answers).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Exponential { mean, .. } => *mean,
            Dist::Weibull { shape, scale, .. } => scale * libm::tgamma(1.0 + 1.0 / shape),
            Dist::Lognormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => (min + max) / 2.0,
        }
    }

    /// P(T > `hours`): the survival function, for the exact `traffic`
    /// answer, which depends on the whole distribution of a CA's outages.
    pub fn survival(&self, hours: f64) -> f64 {
        if hours <= 0.0 {
            return 1.0;
        }
        match self {
            Dist::Exponential { mean, .. } => (-hours / mean).exp(),
            Dist::Weibull { shape, scale, .. } => (-(hours / scale).powf(*shape)).exp(),
            Dist::Lognormal { mu, sigma, .. } => {
                0.5 * libm::erfc((hours.ln() - mu) / (sigma * std::f64::consts::SQRT_2))
            }
            Dist::Fixed(v) => f64::from(u8::from(hours < *v)),
            Dist::Uniform { min, max } => ((max - hours) / (max - min)).clamp(0.0, 1.0),
        }
    }

    /// Where the survival function jumps or bends (fixed values, a
    /// uniform's bounds): numeric integrals split there to stay exact.
    pub fn breakpoints(&self) -> Vec<f64> {
        match self {
            Dist::Fixed(v) => vec![*v],
            Dist::Uniform { min, max } => vec![*min, *max],
            _ => Vec::new(),
        }
    }

    /// One draw, in hours.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Exponential { exp, .. } => exp.sample(rng),
            Dist::Weibull { weibull, .. } => weibull.sample(rng),
            Dist::Lognormal { lognormal, .. } => lognormal.sample(rng),
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => {
                let u: f64 = StandardUniform.sample(rng);
                min + (max - min) * u
            }
        }
    }

    /// One draw of the *residual* time of a renewal process in equilibrium:
    /// the time left, at a random moment, of the interval that moment falls
    /// in. Its density is `P(T > x) / E[T]`; it is drawn as `U · L`, where L
    /// is the length-biased version of the distribution (density
    /// `x f(x) / E[T]`)
    /// and U is uniform on (0, 1). Starting every component this way makes a
    /// replication stationary from time 0, so long-run answers hold over any
    /// horizon without a warm-up.
    pub fn sample_residual<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Exponential { exp, .. } => exp.sample(rng),
            _ => self.split_length_biased(rng).0,
        }
    }

    /// One draw of the residual time, as [`Dist::sample_residual`] draws it
    /// from `rng` (the same numbers, so forward histories do not change),
    /// and of the *age* of the same interval: how long it has already
    /// lasted. The two are the parts `U · L` and `L − U · L` of one
    /// length-biased interval L, which is their joint law in equilibrium;
    /// the exponential's age is independent of its residual (no memory),
    /// so it is drawn from `history`. The age lets a replication know how
    /// long its starting states have lasted (the certificates' start).
    pub fn sample_residual_and_age<R: Rng + ?Sized, H: Rng + ?Sized>(
        &self,
        rng: &mut R,
        history: &mut H,
    ) -> (f64, f64) {
        match self {
            Dist::Exponential { exp, .. } => (exp.sample(rng), exp.sample(history)),
            _ => self.split_length_biased(rng),
        }
    }

    /// A length-biased interval split at a uniform point: (residual, age).
    /// (The callers draw the exponential's residual directly, in one draw.)
    fn split_length_biased<R: Rng + ?Sized>(&self, rng: &mut R) -> (f64, f64) {
        let length_biased = match self {
            Dist::Exponential { mean, .. } => {
                Gamma::new(2.0, *mean).expect("positive mean").sample(rng)
            }
            Dist::Weibull { shape, scale, .. } => {
                // With y = (x/λ)^k the length-biased Weibull is Gamma(1 + 1/k).
                let y: f64 = Gamma::new(1.0 + 1.0 / shape, 1.0)
                    .expect("positive shape")
                    .sample(rng);
                scale * y.powf(1.0 / shape)
            }
            Dist::Lognormal { mu, sigma, .. } => LogNormal::new(mu + sigma * sigma, *sigma)
                .expect("positive sigma")
                .sample(rng),
            Dist::Fixed(v) => *v,
            Dist::Uniform { min, max } => {
                let u: f64 = StandardUniform.sample(rng);
                (min * min + u * (max * max - min * min)).sqrt()
            }
        };
        let u: f64 = StandardUniform.sample(rng);
        let residual = u * length_biased;
        (residual, (length_biased - residual).max(0.0))
    }
}

/// The engine's clock tick, 1 ms, in hours. A distribution whose draws
/// all round to 0 ms would never let the clock advance.
const TICK_HOURS: f64 = 1.0 / 3_600_000.0;

fn below_tick(path: &str, field: &str, d: &Duration) -> FieldError {
    FieldError::new(
        path,
        format!("`{field}` is {d}, less than 1ms; the simulation clock ticks in whole milliseconds, so give at least 1ms"),
    )
}

fn kind_name(kind: DistKind) -> &'static str {
    match kind {
        DistKind::Exponential => "exponential",
        DistKind::Weibull => "weibull",
        DistKind::Lognormal => "lognormal",
        DistKind::Fixed => "fixed",
        DistKind::Uniform => "uniform",
    }
}

fn forms(kind: DistKind) -> &'static str {
    match kind {
        DistKind::Exponential => "`mean` (e.g. `mean: 6mo`) or `rate` (e.g. `rate: 2/y`)",
        DistKind::Weibull => "`shape` with `mean` or `scale`",
        DistKind::Lognormal => "`median` with `p95` or `p99`, or `mu` and `sigma` (log-hours)",
        DistKind::Fixed => "`value`",
        DistKind::Uniform => "`min` and `max`",
    }
}

fn given_fields(s: &DistSpec) -> Vec<&'static str> {
    let mut v = Vec::new();
    let mut add = |present: bool, name: &'static str| {
        if present {
            v.push(name)
        }
    };
    add(s.mean.is_some(), "mean");
    add(s.rate.is_some(), "rate");
    add(s.shape.is_some(), "shape");
    add(s.scale.is_some(), "scale");
    add(s.median.is_some(), "median");
    add(s.p95.is_some(), "p95");
    add(s.p99.is_some(), "p99");
    add(s.mu.is_some(), "mu");
    add(s.sigma.is_some(), "sigma");
    add(s.value.is_some(), "value");
    add(s.min.is_some(), "min");
    add(s.max.is_some(), "max");
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn spec(yaml: &str) -> DistSpec {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    fn sample_mean(d: &Dist, n: usize) -> f64 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn every_form_has_the_mean_it_promises() {
        for (yaml, mean) in [
            ("{dist: exponential, mean: 10h}", 10.0),
            ("{dist: exponential, rate: 4/d}", 6.0),
            ("{dist: weibull, shape: 0.7, mean: 10h}", 10.0),
            ("{dist: weibull, shape: 1, scale: 10h}", 10.0),
            ("{dist: fixed, value: 3h}", 3.0),
            ("{dist: uniform, min: 2h, max: 4h}", 3.0),
            ("{dist: lognormal, mu: 0, sigma: 1}", (0.5f64).exp()),
        ] {
            let d = Dist::from_spec(&spec(yaml), "x").unwrap();
            assert!(
                (d.mean() - mean).abs() < 1e-9 * mean,
                "{yaml}: {}",
                d.mean()
            );
            let m = sample_mean(&d, 200_000);
            assert!((m - mean).abs() < 0.03 * mean, "{yaml}: sampled {m}");
        }
    }

    #[test]
    fn residual_draws_have_the_equilibrium_mean() {
        // E[residual] = E[T²] / (2 E[T]).
        let cases: Vec<(Dist, f64)> = vec![
            (Dist::exponential(10.0), 10.0),
            (Dist::Fixed(4.0), 2.0),
            (
                Dist::Uniform { min: 2.0, max: 4.0 },
                (64.0 - 8.0) / 3.0 / 2.0 / 2.0 / 3.0,
            ),
            (Dist::weibull(0.7, 5.0), {
                let m1 = 5.0 * libm::tgamma(1.0 + 1.0 / 0.7);
                let m2 = 25.0 * libm::tgamma(1.0 + 2.0 / 0.7);
                m2 / (2.0 * m1)
            }),
            (
                Dist::lognormal(0.5, 0.8),
                (0.5f64 + 0.8 * 0.8 * 1.5).exp() / 2.0,
            ),
        ];
        for (d, expect) in cases {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
            let n = 400_000;
            let m = (0..n).map(|_| d.sample_residual(&mut rng)).sum::<f64>() / n as f64;
            assert!((m / expect - 1.0).abs() < 0.02, "{d:?}: {m} vs {expect}");
        }
    }

    #[test]
    fn ages_have_the_equilibrium_mean_and_leave_the_residuals_alone() {
        // In equilibrium the age of the current interval has the residual's
        // law, E = E[T²] / (2 E[T]); and drawing it must not change the
        // residuals drawn from the forward stream.
        let cases: Vec<(Dist, f64)> = vec![
            (Dist::exponential(10.0), 10.0),
            (Dist::Fixed(4.0), 2.0),
            (Dist::Uniform { min: 2.0, max: 4.0 }, 56.0 / 36.0),
            (Dist::weibull(0.7, 5.0), {
                let m1 = 5.0 * libm::tgamma(1.0 + 1.0 / 0.7);
                let m2 = 25.0 * libm::tgamma(1.0 + 2.0 / 0.7);
                m2 / (2.0 * m1)
            }),
        ];
        for (d, expect) in cases {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
            let mut alone = Xoshiro256PlusPlus::seed_from_u64(11);
            let mut history = Xoshiro256PlusPlus::seed_from_u64(12);
            let n = 400_000;
            let mut sum = 0.0;
            for _ in 0..n {
                let (residual, age) = d.sample_residual_and_age(&mut rng, &mut history);
                assert_eq!(residual, d.sample_residual(&mut alone), "{d:?}");
                assert!(age >= 0.0, "{d:?}: age {age}");
                sum += age;
            }
            let m = sum / n as f64;
            assert!((m / expect - 1.0).abs() < 0.02, "{d:?}: {m} vs {expect}");
        }
        // A fixed interval's age and residual make up the whole interval.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut history = Xoshiro256PlusPlus::seed_from_u64(2);
        let (r, a) = Dist::Fixed(4.0).sample_residual_and_age(&mut rng, &mut history);
        assert!((r + a - 4.0).abs() < 1e-12, "{r} + {a}");
    }

    #[test]
    fn lognormal_quantile_form_hits_its_quantiles() {
        let d = Dist::from_spec(&spec("{dist: lognormal, median: 4h, p95: 1d}"), "x").unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut v: Vec<f64> = (0..100_000).map(|_| d.sample(&mut rng)).collect();
        v.sort_by(f64::total_cmp);
        assert!((v[50_000] / 4.0 - 1.0).abs() < 0.03, "median {}", v[50_000]);
        assert!((v[95_000] / 24.0 - 1.0).abs() < 0.05, "p95 {}", v[95_000]);
    }

    #[test]
    fn bad_parameters_name_the_field() {
        let err = |yaml: &str| Dist::from_spec(&spec(yaml), "f").unwrap_err();
        let e = err("{dist: exponential, mean: 0h}");
        assert_eq!(e.path, "f.mean");
        assert!(e.message.contains("greater than zero"), "{e:?}");
        let e = err("{dist: weibull, shape: 0, mean: 1h}");
        assert_eq!(e.path, "f.shape");
        let e = err("{dist: weibull, shape: .nan, mean: 1h}");
        assert!(e.message.contains("finite"), "{e:?}");
        let e = err("{dist: lognormal, median: 4h, p95: 1h}");
        assert_eq!(e.path, "f.p95");
        assert!(e.message.contains("greater than `median`"), "{e:?}");
        let e = err("{dist: fixed, mean: 1h}");
        assert_eq!(e.path, "f.mean");
        assert!(e.message.contains("not a parameter of `fixed`"), "{e:?}");
        let e = err("{dist: uniform, min: 1h}");
        assert!(e.message.contains("`min` and `max`"), "{e:?}");
    }

    #[test]
    fn survival_functions_at_points_worked_by_hand() {
        let e = (-1.0f64).exp();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(Dist::exponential(10.0).survival(10.0), e));
        // At its scale a Weibull of any shape has e^-1 left.
        assert!(close(Dist::weibull(0.7, 5.0).survival(5.0), e));
        // Half a lognormal lies above its median e^mu.
        assert!(close(Dist::lognormal(2.0, 0.8).survival(2.0f64.exp()), 0.5));
        let fixed = Dist::Fixed(3.0);
        assert_eq!([fixed.survival(2.9), fixed.survival(3.0)], [1.0, 0.0]);
        let uniform = Dist::Uniform { min: 2.0, max: 4.0 };
        assert_eq!(
            [
                uniform.survival(1.0),
                uniform.survival(3.0),
                uniform.survival(5.0)
            ],
            [1.0, 0.5, 0.0]
        );
        assert_eq!(Dist::exponential(1.0).survival(0.0), 1.0);
        assert_eq!(uniform.breakpoints(), [2.0, 4.0]);
    }
}
