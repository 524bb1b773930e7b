#!/usr/bin/env bash
# CI: the scale-out recipes of docs/scale-out.md run for real, each merged
# and compared byte for byte (diff -r) with a one-machine `meshsim run` of
# the same scenario:
#   1. Slurm: a one-node Slurm on this machine (deploy/slurm/local-cluster.sh
#      installs slurm-wlm and munge when missing), the shard array and the
#      merge chained with afterok (deploy/slurm/submit.sh --wait); then the
#      docs' recovery: a lost shard makes merge exit 1, `sbatch --array=<i>`
#      reruns it alone, the merge is identical again.
#   2. GNU parallel: the docs' one-liner with --joblog/--resume, run twice
#      (the second run must start nothing).
#   3. Kubernetes: the manifests checked against the 1.29 and 1.37 schemas
#      (kubernetes-validate, pinned, in a venv under the target dir), then
#      the pods' own command lines run here (.ci/k8s-pods.py) and merged;
#      then the docs' rerun of one index (MESHSIM_SHARD_INDEX set).
# It builds nothing: it uses the release binary `cargo test --release`
# left in $CARGO_TARGET_DIR (default target/). The daemons it starts are
# stopped on exit by their process ids. KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

target=$(realpath "${CARGO_TARGET_DIR:-target}")
bin=$target/release/meshsim
if [ ! -x "$bin" ]; then
    echo "scale-out: $bin is missing: run cargo build --release (or cargo test --release) first" >&2
    exit 1
fi
shards=3
replications=${SCALE_OUT_REPLICATIONS:-600}
k8s_validate_version=1.37.0

work=$(mktemp -d "${TMPDIR:-/tmp}/meshsim-scale-out.XXXXXX")
slurm_dir=$work/slurm
cleanup() {
    if [ -d "$slurm_dir" ]; then
        deploy/slurm/local-cluster.sh stop "$slurm_dir" || true
    fi
    if [ -n "${KEEP:-}" ]; then
        echo "scale-out: work folder kept: $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# The study: the ranking scenario at a small replication count (it is
# what a ConfigMap or a shared file would hold).
sed "s/^  replications: .*/  replications: $replications/" \
    scenarios/availability-ranking.yaml >"$work/scenario.yaml"
grep -q "^  replications: $replications\$" "$work/scenario.yaml"

echo "== scale-out: one machine, $replications replications"
"$bin" run "$work/scenario.yaml" --out "$work/one" --quiet

# Fails, naming every file that differs, unless $1 equals the one-machine run.
same_as_one_machine() {
    local recipe=$1 merged=$2 differences
    if ! differences=$(diff -r --brief "$work/one" "$merged" 2>&1); then
        echo "scale-out: $recipe: the merge differs from the one-machine run:" >&2
        echo "$differences" >&2
        exit 1
    fi
    echo "scale-out: $recipe: $(find "$merged" -type f | wc -l) files byte-identical to the one-machine run"
}

echo "== scale-out: Slurm job array ($shards shards) and merge (afterok)"
deploy/slurm/local-cluster.sh start "$slurm_dir"
export SLURM_CONF=$slurm_dir/slurm.conf
mkdir "$work/slurm-logs"
(cd "$work/slurm-logs" && MESHSIM=$bin "$repo/deploy/slurm/submit.sh" --wait \
    "$shards" "$work/scenario.yaml" "$work/slurm-out") || {
    echo "scale-out: Slurm: the array or its merge failed; the jobs' logs:" >&2
    tail -n 20 "$work"/slurm-logs/* >&2 || true
    exit 1
}
same_as_one_machine Slurm "$work/slurm-out/merged"

echo "== scale-out: Slurm, a lost shard rerun alone (sbatch --array=1)"
rm -rf "$work/slurm-out/shards/1-of-$shards" "$work/slurm-out/merged"
set +e
"$bin" merge "$work/slurm-out" --out "$work/slurm-out/merged" 2>"$work/missing.err"
status=$?
set -e
if [ "$status" -ne 1 ] || ! grep -q "missing: 1;" "$work/missing.err"; then
    echo "scale-out: merge with shard 1 missing exited $status, expected 1 naming shard 1:" >&2
    cat "$work/missing.err" >&2
    exit 1
fi
rm -rf "$work/slurm-out/merged"
(cd "$work/slurm-logs" && MESHSIM=$bin sbatch --wait --quiet --array=1 \
    --export=ALL,MESHSIM_SHARD_COUNT=$shards \
    "$repo/deploy/slurm/meshsim-array.sbatch" "$work/scenario.yaml" "$work/slurm-out")
(cd "$work/slurm-logs" && MESHSIM=$bin sbatch --wait --quiet \
    "$repo/deploy/slurm/merge.sbatch" "$work/slurm-out")
same_as_one_machine "Slurm rerun of shard 1" "$work/slurm-out/merged"
deploy/slurm/local-cluster.sh stop "$slurm_dir"
unset SLURM_CONF

echo "== scale-out: GNU parallel ($shards shards), run twice: --resume starts nothing new"
# moreutils ships another `parallel`; only GNU's has --joblog/--resume.
if ! parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends parallel >/dev/null
fi
for attempt in 1 2; do
    # The one-liner of docs/scale-out.md, "GNU parallel".
    if ! parallel --joblog "$work/shards.joblog" --resume \
        "$bin" run "$work/scenario.yaml" --out "$work/parallel-out" \
        --shard-index {} --shard-count "$shards" --threads 1 --quiet ::: $(seq 0 $((shards - 1))); then
        echo "scale-out: GNU parallel: a shard failed (Exitval in the joblog):" >&2
        cat "$work/shards.joblog" >&2
        exit 1
    fi
    jobs_logged=$(($(wc -l <"$work/shards.joblog") - 1))
    if [ "$jobs_logged" -ne "$shards" ]; then
        echo "scale-out: GNU parallel: run $attempt left $jobs_logged jobs in the joblog, expected $shards (--resume reran finished shards?)" >&2
        cat "$work/shards.joblog" >&2
        exit 1
    fi
done
"$bin" merge "$work/parallel-out" --out "$work/parallel-out/merged" --quiet
same_as_one_machine "GNU parallel" "$work/parallel-out/merged"

echo "== scale-out: Kubernetes manifests against the schemas (kubernetes-validate $k8s_validate_version)"
venv=$target/k8s-validate-venv
if ! "$venv/bin/kubernetes-validate" --version 2>/dev/null | grep -qF "$k8s_validate_version"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "kubernetes-validate==$k8s_validate_version"
fi
manifests=(deploy/k8s/pvc.yaml deploy/k8s/shards-job.yaml deploy/k8s/merge-job.yaml)
# 1.29: the oldest with backoffLimitPerIndex on by default; 1.37: the newest.
for version in 1.29.0 1.37.0; do
    "$venv/bin/kubernetes-validate" --strict --quiet -k "$version" "${manifests[@]}"
done

echo "== scale-out: Kubernetes, the pods' command lines run here"
mkdir -p "$work/k8s/scenario"
cp "$work/scenario.yaml" "$work/k8s/scenario/scenario.yaml"
"$venv/bin/python" .ci/k8s-pods.py deploy/k8s/shards-job.yaml deploy/k8s/merge-job.yaml \
    "$work/k8s" "$(dirname "$bin")"
same_as_one_machine "Kubernetes Indexed Job" "$work/k8s/data/availability-ranking/merged"

echo "== scale-out: Kubernetes, a lost shard rerun alone (MESHSIM_SHARD_INDEX over JOB_COMPLETION_INDEX)"
k8s_study=$work/k8s/data/availability-ranking
rm -rf "$k8s_study"/shards/1-of-* "$k8s_study/merged"
"$venv/bin/python" .ci/k8s-pods.py deploy/k8s/shards-job.yaml deploy/k8s/merge-job.yaml \
    "$work/k8s" "$(dirname "$bin")" --rerun 1
same_as_one_machine "Kubernetes rerun of shard 1" "$k8s_study/merged"

echo "scale-out: all recipes match the one-machine run"
