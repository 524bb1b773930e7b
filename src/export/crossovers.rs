//! `crossovers.csv`: one row per crossover or inconclusive change of sign
//! of a sweep (docs/studies-crossovers.md).
//!
//! The contract's columns come first (`measure`, `a`, `b`, `parameter`,
//! `from`, `to`, `estimate`, `ci_low`, `ci_high`, `refined`); then what a
//! reader needs to use them: `unit` (what `estimate` and the interval are
//! in, since `from` and `to` are the values as written), `kind`
//! (`crossover` or `inconclusive`) and one column per swept field, named by
//! its path, holding the value it was held at along that row's line (empty
//! for the field walked along, and for every field of a zip sweep, where
//! they all move).

use super::files::CROSSOVERS_CSV;
use super::tables::write_csv;
use super::Folder;
use crate::study::crossover::Kind;
use crate::study::{Crossover, Sweep, Unit};
use polars::df;
use polars::prelude::{Column, DataFrame, NamedFrom, PolarsResult, Series};

/// Writes `crossovers.csv` into `folder`, header only if there are none.
pub fn write_crossovers(
    folder: &Folder<'_>,
    sweep: &Sweep,
    crossovers: &[Crossover],
) -> anyhow::Result<()> {
    write_csv(folder, CROSSOVERS_CSV, &mut frame(sweep, crossovers)?)
}

fn frame(sweep: &Sweep, cs: &[Crossover]) -> PolarsResult<DataFrame> {
    let par = |c: &Crossover| &sweep.parameters[c.parameter];
    let mut df = df!(
        "measure" => cs.iter().map(|c| c.measure.name()).collect::<Vec<_>>(),
        "a" => cs.iter().map(|c| c.a.as_str()).collect::<Vec<_>>(),
        "b" => cs.iter().map(|c| c.b.as_str()).collect::<Vec<_>>(),
        "parameter" => cs.iter().map(|c| par(c).path.as_str()).collect::<Vec<_>>(),
        "from" => cs.iter().map(|c| c.from.values[c.parameter].text.as_str()).collect::<Vec<_>>(),
        "to" => cs.iter().map(|c| c.to.values[c.parameter].text.as_str()).collect::<Vec<_>>(),
        "estimate" => cs.iter().map(|c| c.estimate).collect::<Vec<_>>(),
        "ci_low" => cs.iter().map(|c| c.interval.map(|i| i.0)).collect::<Vec<_>>(),
        "ci_high" => cs.iter().map(|c| c.interval.map(|i| i.1)).collect::<Vec<_>>(),
        "refined" => cs.iter().map(|c| c.refined as u32).collect::<Vec<_>>(),
        "unit" => cs.iter().map(|c| unit_name(par(c).unit)).collect::<Vec<_>>(),
        "kind" => cs.iter().map(|c| kind_name(c.kind)).collect::<Vec<_>>(),
    )?;
    for (q, p) in sweep.parameters.iter().enumerate() {
        let held: Vec<Option<&str>> = cs
            .iter()
            .map(|c| (!c.zip && c.parameter != q).then(|| c.from.values[q].text.as_str()))
            .collect();
        df.with_column(Column::from(Series::new(p.path.as_str().into(), held)))?;
    }
    Ok(df)
}

fn unit_name(u: Unit) -> &'static str {
    match u {
        Unit::Hours => "hours",
        Unit::PerYear => "per_year",
        Unit::Plain => "",
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Crossover => "crossover",
        Kind::Inconclusive => "inconclusive",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::crossover::tests::{param, point};
    use crate::study::{find, Scale};

    #[test]
    fn rows_carry_the_bracket_the_estimate_and_the_held_values() {
        // x: 1, 2; y: 10, 20. a − b = x − 1.5 everywhere, and +5 at
        // (x 1, y 20): a crossover along x at y 10, an inconclusive change
        // nowhere, and one along y at x 1.
        let mut points = Vec::new();
        for (j, y) in [10.0, 20.0].into_iter().enumerate() {
            for (i, x) in [1.0, 2.0].into_iter().enumerate() {
                let m = if (x, y) == (1.0, 20.0) { 5.0 } else { x - 1.5 };
                points.push(point(&[i, j], m, Some(0.1)));
            }
        }
        let sweep = Sweep {
            parameters: vec![
                param("spec.x", &[1.0, 2.0], Scale::Linear),
                param("spec.y", &[10.0, 20.0], Scale::Linear),
            ],
            points,
            exact_only: false,
            mode: crate::study::SweepMode::Grid,
        };
        let cs = find(&sweep);
        assert_eq!(cs.len(), 2);
        let dir = tempfile::tempdir().unwrap();
        write_crossovers(&Folder::new(dir.path()), &sweep, &cs).unwrap();
        let text = std::fs::read_to_string(dir.path().join("crossovers.csv")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "measure,a,b,parameter,from,to,estimate,ci_low,ci_high,refined,unit,kind,spec.x,spec.y"
        );
        assert_eq!(
            lines[1],
            "podStart,a,b,spec.x,1h,2h,1.5,1.4,1.6,0,hours,crossover,,10h"
        );
        assert!(
            lines[2].starts_with("podStart,a,b,spec.y,10h,20h,"),
            "{}",
            lines[2]
        );
        assert!(lines[2].ends_with(",0,hours,crossover,1h,"), "{}", lines[2]);
        assert_eq!(lines.len(), 3);
        // Nothing but the file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
