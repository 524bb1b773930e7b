"""Runs the pods of deploy/k8s/ on this machine, exactly as Kubernetes would.

No cluster is reachable in CI, so .ci/scale-out.sh checks the manifests'
schemas with kubernetes-validate and then this script runs what the pods
run: the container's command and args, its env from the manifest and
nothing from the CI shell, JOB_COMPLETION_INDEX = 0 .. completions-1 as the
Indexed Job's controller sets it, then the merge Job's command. The
command lines are read from the manifests themselves, so an edit there is
what gets tested. Only the volume mount paths are moved under a local
directory (the PersistentVolumeClaim and the ConfigMap become folders).

usage: k8s-pods.py SHARDS_JOB MERGE_JOB ROOT BIN_DIR [--rerun I]
  ROOT     local stand-in for the volumes: ROOT/<volume name>/ is mounted at
           the volume's mountPath (ROOT/scenario/scenario.yaml is the
           ConfigMap's key)
  BIN_DIR  holds the meshsim binary the image's PATH would find
  --rerun I  run only shard I, the way docs/scale-out.md reruns a failed
           index (a one-completion copy of the Job with MESHSIM_SHARD_INDEX
           set, so JOB_COMPLETION_INDEX is 0), then the merge
"""

import os
import subprocess
import sys

import yaml


def fail(message):
    print(f"k8s-pods: {message}", file=sys.stderr)
    sys.exit(1)


def load_job(path):
    with open(path, encoding="utf-8") as f:
        job = yaml.safe_load(f)
    if job.get("kind") != "Job":
        fail(f"{path}: kind is {job.get('kind')!r}, expected Job")
    return job


def pod_command(path, job, root, bin_dir):
    """The argv and env of the job's one container, mounts moved under root."""
    pod = job["spec"]["template"]["spec"]
    containers = pod["containers"]
    if len(containers) != 1:
        fail(f"{path}: expected one container, found {len(containers)}")
    container = containers[0]
    mounts = {}
    for mount in container.get("volumeMounts", []):
        mounts[mount["mountPath"]] = os.path.join(root, mount["name"])
        os.makedirs(mounts[mount["mountPath"]], exist_ok=True)

    def local(arg):
        # Longest mount path first, so /data/x never matches a mount /d.
        for mount_path in sorted(mounts, key=len, reverse=True):
            if arg == mount_path or arg.startswith(mount_path + "/"):
                return mounts[mount_path] + arg[len(mount_path):]
        return arg

    argv = [local(a) for a in container.get("command", []) + container.get("args", [])]
    if not argv:
        fail(f"{path}: the container has no command: the image's entrypoint is not tested here")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": root}
    for var in container.get("env", []):
        if "value" not in var:
            fail(f"{path}: env {var['name']} has no literal value; this runner cannot resolve it")
        env[var["name"]] = local(str(var["value"]))
    return argv, env


def run(label, argv, env):
    print(f"k8s-pods: {label}: {' '.join(argv)}", file=sys.stderr)
    done = subprocess.run(argv, env=env)
    if done.returncode != 0:
        fail(f"{label} exited {done.returncode}: {' '.join(argv)}")


def main():
    rerun = None
    if len(sys.argv) == 7 and sys.argv[5] == "--rerun":
        rerun = sys.argv[6]
    elif len(sys.argv) != 5:
        fail("usage: k8s-pods.py SHARDS_JOB MERGE_JOB ROOT BIN_DIR [--rerun I]")
    shards_path, merge_path, root, bin_dir = sys.argv[1:5]
    shards = load_job(shards_path)
    spec = shards["spec"]
    if spec.get("completionMode") != "Indexed":
        fail(f"{shards_path}: spec.completionMode must be Indexed")
    completions = spec.get("completions")
    argv, env = pod_command(shards_path, shards, root, bin_dir)
    if env.get("MESHSIM_SHARD_COUNT") != str(completions):
        fail(
            f"{shards_path}: env MESHSIM_SHARD_COUNT is {env.get('MESHSIM_SHARD_COUNT')!r} "
            f"but spec.completions is {completions}: set both to the number of shards"
        )
    if "backoffLimitPerIndex" not in spec:
        fail(f"{shards_path}: spec.backoffLimitPerIndex is missing: a failed shard would fail the Job")
    if spec["template"]["spec"].get("restartPolicy") != "Never":
        fail(f"{shards_path}: backoffLimitPerIndex needs restartPolicy: Never")
    if rerun is not None:
        rerun_env = {**env, "JOB_COMPLETION_INDEX": "0", "MESHSIM_SHARD_INDEX": rerun}
        run(f"rerun pod of shard {rerun}", argv, rerun_env)
    else:
        # The controller starts the indices in any order; run them
        # backwards so nothing depends on index 0 coming first.
        for index in reversed(range(completions)):
            run(f"shard pod {index}", argv, {**env, "JOB_COMPLETION_INDEX": str(index)})
    merge_argv, merge_env = pod_command(merge_path, load_job(merge_path), root, bin_dir)
    run("merge pod", merge_argv, merge_env)


main()
