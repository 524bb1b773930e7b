//! Which shard this process is: `--shard-index`/`--shard-count`, or the
//! variables the schedulers set (scale-out.md, "A shard"): the index from
//! `MESHSIM_SHARD_INDEX`, then `JOB_COMPLETION_INDEX` (a Kubernetes
//! Indexed Job), then `SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN`; the
//! count from `MESHSIM_SHARD_COUNT`, then `SLURM_ARRAY_TASK_COUNT`.
//!
//! Every error names where the bad value came from (a flag or a
//! variable), since on a scheduler the operator sees only the log of one
//! task and must find which line of the job script set it.

use super::folder::UsageError;

/// Shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardId {
    /// From 0.
    pub index: u64,
    /// At least 1.
    pub count: u64,
}

/// A value and where it came from, for the error messages.
struct Sourced {
    value: u64,
    from: String,
}

/// The shard asked for by the flags or, when they are absent, by the
/// environment (`var` reads a variable); `None`: not a shard.
pub fn resolve(
    index_flag: Option<u64>,
    count_flag: Option<u64>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<ShardId>, UsageError> {
    let number = |name: &str| -> Result<Option<Sourced>, UsageError> {
        let Some(text) = var(name) else {
            return Ok(None);
        };
        let value = text.trim().parse::<u64>().map_err(|_| {
            UsageError(format!(
                "{name}={text:?} is not a whole number ≥ 0; set it to the shard's number, or unset it"
            ))
        })?;
        Ok(Some(Sourced {
            value,
            from: format!("{name}={value}"),
        }))
    };
    let index = match index_flag {
        Some(value) => Some(Sourced {
            value,
            from: format!("--shard-index {value}"),
        }),
        None => match number("MESHSIM_SHARD_INDEX")? {
            Some(s) => Some(s),
            None => match number("JOB_COMPLETION_INDEX")? {
                Some(s) => Some(s),
                None => slurm_index(&number)?,
            },
        },
    };
    let count = match count_flag {
        Some(value) => Some(Sourced {
            value,
            from: format!("--shard-count {value}"),
        }),
        None => match number("MESHSIM_SHARD_COUNT")? {
            Some(s) => Some(s),
            None => number("SLURM_ARRAY_TASK_COUNT")?,
        },
    };
    match (index, count) {
        (None, None) => Ok(None),
        (Some(i), None) => Err(UsageError(format!(
            "shard index from {} but no shard count: give --shard-count N or set MESHSIM_SHARD_COUNT (in a Kubernetes Indexed Job, to the Job's `completions`)",
            i.from
        ))),
        (None, Some(n)) => Err(UsageError(format!(
            "shard count from {} but no shard index: give --shard-index I (0 to N−1) or set MESHSIM_SHARD_INDEX",
            n.from
        ))),
        (Some(_), Some(n)) if n.value == 0 => Err(UsageError(format!(
            "{} shards: a study has at least 1; give --shard-count N ≥ 1",
            n.from
        ))),
        (Some(i), Some(n)) if i.value >= n.value => Err(UsageError(format!(
            "shard index from {} is not below the shard count from {}: shards are numbered 0 to {} (a Slurm array must be contiguous, e.g. --array=0-{})",
            i.from,
            n.from,
            n.value - 1,
            n.value - 1
        ))),
        (Some(i), Some(n)) => Ok(Some(ShardId {
            index: i.value,
            count: n.value,
        })),
    }
}

/// `SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN`, when the task id is set.
fn slurm_index(
    number: &dyn Fn(&str) -> Result<Option<Sourced>, UsageError>,
) -> Result<Option<Sourced>, UsageError> {
    let Some(id) = number("SLURM_ARRAY_TASK_ID")? else {
        return Ok(None);
    };
    let Some(min) = number("SLURM_ARRAY_TASK_MIN")? else {
        return Err(UsageError(format!(
            "{} is set but SLURM_ARRAY_TASK_MIN is not: run under `sbatch --array`, or give --shard-index I",
            id.from
        )));
    };
    let value = id.value.checked_sub(min.value).ok_or_else(|| {
        UsageError(format!(
            "{} is below {}: give --shard-index I instead",
            id.from, min.from
        ))
    })?;
    Ok(Some(Sourced {
        value,
        from: format!("{} − {}", id.from, min.from),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn id(index: u64, count: u64) -> Option<ShardId> {
        Some(ShardId { index, count })
    }

    #[test]
    fn flags_win_then_the_variables_in_order() {
        let all = [
            ("MESHSIM_SHARD_INDEX", "1"),
            ("JOB_COMPLETION_INDEX", "2"),
            ("SLURM_ARRAY_TASK_ID", "13"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("MESHSIM_SHARD_COUNT", "8"),
            ("SLURM_ARRAY_TASK_COUNT", "9"),
        ];
        assert_eq!(resolve(Some(0), Some(4), with(&all)).unwrap(), id(0, 4));
        assert_eq!(resolve(None, None, with(&all)).unwrap(), id(1, 8));
        assert_eq!(resolve(None, None, with(&all[1..])).unwrap(), id(2, 8));
        assert_eq!(resolve(None, None, with(&all[2..])).unwrap(), id(3, 8));
        let half = resolve(None, None, with(&all[2..4])).unwrap_err().0;
        assert!(half.contains("no shard count"), "{half}");
        let slurm = [all[2], all[3], all[5]];
        assert_eq!(resolve(None, None, with(&slurm)).unwrap(), id(3, 9));
        assert_eq!(resolve(None, None, with(&[])).unwrap(), None);
    }

    #[test]
    fn bad_or_half_given_shards_say_where_from_and_the_fix() {
        type Case<'a> = (Option<u64>, Option<u64>, &'a [(&'a str, &'a str)], &'a str);
        let cases: [Case; 7] = [
            (Some(4), Some(4), &[], "--shard-index 4 is not below the shard count from --shard-count 4"),
            (Some(1), None, &[], "shard index from --shard-index 1 but no shard count: give --shard-count N or set MESHSIM_SHARD_COUNT"),
            (None, Some(4), &[], "shard count from --shard-count 4 but no shard index"),
            (None, None, &[("JOB_COMPLETION_INDEX", "3")], "JOB_COMPLETION_INDEX=3 but no shard count"),
            (None, Some(2), &[("MESHSIM_SHARD_INDEX", "two")], "MESHSIM_SHARD_INDEX=\"two\" is not a whole number"),
            (Some(0), Some(0), &[], "--shard-count 0 shards"),
            (None, None, &[("SLURM_ARRAY_TASK_ID", "7"), ("SLURM_ARRAY_TASK_COUNT", "4")], "SLURM_ARRAY_TASK_ID=7 is set but SLURM_ARRAY_TASK_MIN is not"),
        ];
        for (i, n, vars, message) in cases {
            let err = resolve(i, n, with(vars)).unwrap_err().0;
            assert!(err.contains(message), "{err}\nwanted: {message}");
        }
    }
}
