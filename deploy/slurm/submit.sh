#!/usr/bin/env bash
# Submits a sharded meshsim study to Slurm: the shard array, then the merge
# chained with --dependency=afterok:<array job id>.
#
#   deploy/slurm/submit.sh [--wait] N SCENARIO OUT [meshsim run options...]
#
#   N         shards (array tasks 0..N-1)
#   SCENARIO  the scenario file, on the shared file system
#   OUT       the shared directory the shards write to (OUT/shards/)
#   --wait    block until the merge has finished; exit with its status
#             (as CI does); a failed shard cancels the merge, so this
#             exits non-zero then too
#
# The results land in OUT/merged. Extra sbatch options for both jobs go in
# SBATCH_OPTS (e.g. SBATCH_OPTS="--partition=long --account=sre"); the
# array's throttle in ARRAY_LIMIT (e.g. 16 runs at most 16 shards at once).
# Prints the two job ids.
set -euo pipefail

wait=()
if [ "${1:-}" = --wait ]; then
    wait=(--wait)
    shift
fi
if [ $# -lt 3 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [--wait] N SCENARIO OUT [meshsim run options...]" >&2
    exit 2
fi
n=$1
scenario=$2
out=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC2206 # SBATCH_OPTS is a list of options by design
opts=(${SBATCH_OPTS:-})

range=0-$((n - 1))${ARRAY_LIMIT:+%$ARRAY_LIMIT}
array=$(sbatch --parsable "${opts[@]}" --array="$range" \
    --export=ALL,MESHSIM_SHARD_COUNT="$n" \
    "$here/meshsim-array.sbatch" "$scenario" "$out" "$@")
array=${array%%;*} # --parsable prints "id;cluster" on federated clusters
echo "shards: job $array (array $range)"

# --kill-on-invalid-dep: if a shard fails, cancel the merge instead of
# leaving it pending forever.
merge=$(sbatch --parsable "${opts[@]}" "${wait[@]}" \
    --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
    "$here/merge.sbatch" "$out" "$out/merged")
echo "merge: job ${merge%%;*}"
