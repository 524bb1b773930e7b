#!/usr/bin/env bash
# Execute every notebook top to bottom in a clean virtual environment, as CI
# does (.ci/run), and fail on any error.
#
#   bash notebooks/run.sh
#
# - The environment is target/notebooks-venv (beside cargo's build, ignored by
#   git; NOTEBOOKS_VENV overrides), built from notebooks/requirements.txt and
#   reused while the requirements and the Python are the same: a local rerun
#   skips the install. PYTHON picks the interpreter (default python3, >= 3.11).
# - The committed notebooks must carry no outputs (so diffs stay small); the
#   sweep fixture must be what its generate.py writes.
# - explore_run.ipynb runs on every results/*/ folder, explore_sweep.ipynb on
#   its default folder and on every results/*/ sweep and the fixture. Executed
#   copies go to a temporary folder; the committed notebooks stay unchanged.
# - A cell that raises fails the run; so does anything a cell writes to
#   stderr (a warning today is an error after the next upgrade).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=${NOTEBOOKS_VENV:-target/notebooks-venv}
# Absolute: the kernels run in notebooks/, and MPLCONFIGDIR below points here.
case $venv in /*) ;; *) venv="$PWD/$venv" ;; esac
requirements=notebooks/requirements.txt

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "notebooks/run.sh: needs CPython 3.11 or newer as \`$python\` (set PYTHON=/path/to/python3.11)" >&2
    exit 2
fi

# The venv is keyed by the requirements and the interpreter that built it.
key=$({ "$python" -VV; cat "$requirements"; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$venv/.requirements-sha256" 2>/dev/null)" = "$key" ]; then
    echo "== notebooks: reusing $venv (requirements unchanged)"
else
    echo "== notebooks: creating $venv from $requirements"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --no-input --disable-pip-version-check -r "$requirements"
    # Written last: an interrupted install is redone next time, not reused.
    echo "$key" >"$venv/.requirements-sha256"
fi
py="$venv/bin/python"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# No user-level kernels, IPython profiles or Jupyter config: the kernel is the
# venv's own python3 and nothing from the home folder changes what runs.
export JUPYTER_DATA_DIR="$work/jupyter-data" JUPYTER_CONFIG_DIR="$work/jupyter-config" IPYTHONDIR="$work/ipython"
# matplotlib's font cache lives with the venv: built once, not on every run.
export MPLBACKEND=module://matplotlib_inline.backend_inline MPLCONFIGDIR="$venv/matplotlib"
unset MESHSIM_RESULTS MESHSIM_SWEEP

before=$(sha256sum notebooks/*.ipynb)

echo "== notebooks: committed without outputs"
"$py" - notebooks/*.ipynb <<'EOF'
import sys
import nbformat

bad = []
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            bad.append(f"{path}: cell {i} has outputs; strip them with "
                       f"`jupyter nbconvert --clear-output --inplace {path}` before committing")
            break
if bad:
    sys.exit("\n".join(bad))
EOF

echo "== notebooks: the sweep fixture matches its generator"
"$py" tests/fixtures/sweep-example/generate.py --check

executed=0
execute() { # notebook, name of the executed copy, then VAR=value settings for the kernel
    local notebook=$1 name=$2
    shift 2
    local start=$SECONDS
    env "$@" "$venv/bin/jupyter" nbconvert --to notebook --execute \
        --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 \
        --ExecutePreprocessor.extra_arguments=--log-level=ERROR \
        --output-dir "$work/out" --output "$name" --log-level=ERROR "$notebook"
    "$py" - "$work/out/$name.ipynb" <<'EOF'
import sys
import nbformat

nb = nbformat.read(sys.argv[1], as_version=4)
noise = [
    f"cell {i}: {''.join(o.get('text', ''))[:400]}"
    for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
    for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"
]
if noise:
    sys.exit(f"{sys.argv[1]} wrote to stderr:\n" + "\n".join(noise))
EOF
    executed=$((executed + 1))
    echo "   $notebook ${*:-(defaults)}: ok, $((SECONDS - start)) s"
}

echo "== notebooks: executing"
execute notebooks/explore_run.ipynb run-default
for summary in results/*/summary.parquet; do
    folder=$(dirname "$summary")
    [ "$folder" = results/availability-ranking ] && continue # the default, run above
    execute notebooks/explore_run.ipynb "run-$(basename "$folder")" MESHSIM_RESULTS="$folder"
done
# A folder with a summary only (as a sweep point may keep): the other views
# must be skipped with a note, not stop the notebook.
mkdir "$work/summary-only"
cp results/availability-ranking/summary.parquet "$work/summary-only/"
execute notebooks/explore_run.ipynb run-summary-only MESHSIM_RESULTS="$work/summary-only"
execute notebooks/explore_sweep.ipynb sweep-default
# The notebook's default: the shipped study once it is committed, else the fixture.
default_sweep=tests/fixtures/sweep-example
[ -f results/study-istiod-mtbf/sweep.parquet ] && default_sweep=results/study-istiod-mtbf
for sweep in results/*/sweep.parquet tests/fixtures/sweep-example/sweep.parquet; do
    [ -f "$sweep" ] || continue
    folder=$(dirname "$sweep")
    [ "$folder" = "$default_sweep" ] && continue # run above
    execute notebooks/explore_sweep.ipynb "sweep-$(basename "$folder")" MESHSIM_SWEEP="$folder"
done

if [ "$(sha256sum notebooks/*.ipynb)" != "$before" ]; then
    echo "notebooks/run.sh changed a committed notebook" >&2
    exit 1
fi
echo "notebooks: $executed executions passed"
