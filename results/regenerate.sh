#!/usr/bin/env bash
# Regenerates the committed results of the shipped scenarios (tables and
# charts) from the repository root:  bash results/regenerate.sh
# Every scenario runs with its own settings, so the README's
# `cargo run --release -- run scenarios/availability-ranking.yaml` rewrites
# the same bytes (tests/integration/reproduce.rs holds the two together).
# replications.parquet is left out of git (it grows with the replication
# count); everything else here is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/meshsim
"$bin" check scenarios/availability-ranking.yaml --out results/availability-ranking
"$bin" blast scenarios/availability-ranking.yaml --out results/availability-ranking -q
"$bin" run scenarios/shared-control-planes.yaml --out results/shared-control-planes -q
# A finding: this scenario's claims do not hold, so check exits 1 on purpose.
"$bin" check scenarios/ranking-without-domain-failures.yaml --out results/ranking-without-domain-failures -q || true
"$bin" run scenarios/config-rollout.yaml --out results/config-rollout -q
# Issue 14's study: replicas or placement, on regional clusters, with
# istiod and with istio-csr signing the certificates.
"$bin" run scenarios/replicas-or-placement.yaml --out results/replicas-or-placement -q
"$bin" run scenarios/replicas-or-placement-istio-csr.yaml --out results/replicas-or-placement-istio-csr -q
# The studies (issue 13): sweeps. Their points' folders (points/) are left
# out of git like replications.parquet; sweep.csv/.parquet, crossovers.csv,
# the charts and scenario.yaml are committed.
for study in study-istiod-mtbf study-zone-repair study-clusters-per-zone; do
    "$bin" sweep "scenarios/$study.yaml" --out "results/$study" --refine 3 -q
done
