"""Summarise a meshsim results folder with polars.

Usage: python3 notebooks/explore_results.py results/availability-ranking
"""

import sys
from pathlib import Path

import polars as pl


def main(folder: Path) -> None:
    summary = pl.read_parquet(folder / "summary.parquet")
    print("Downtime per proxy, minutes per year (rank 1 = most available):")
    print(
        summary.select("measure", "deployment", "downtime_min_per_year", "exact", "rank")
        .sort("measure", "rank")
    )
    reps = pl.read_parquet(folder / "replications.parquet")
    spread = (
        reps.with_columns(
            (pl.col("bad_proxy_hours") / pl.col("live_proxy_hours")).alias("u")
        )
        .group_by("deployment", "measure")
        .agg(
            pl.col("u").mean().alias("mean_of_replications"),
            pl.col("u").quantile(0.95).alias("p95_replication"),
        )
        .sort("measure", "deployment")
    )
    print("\nSpread over replications:")
    print(spread)
    incidents = pl.read_parquet(folder / "incidents.parquet")
    print("\nLargest blast radii among the kept incidents:")
    print(incidents.sort("blast", descending=True).head(10))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/availability-ranking"))
