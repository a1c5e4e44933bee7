"""Benchmark of the Ray backends against the local ones, on a two-node Ray cluster on this machine.

1. `make tune` with 16 trials: tuning.backend=optuna (one process, one trial after the other) against
   tuning.backend=ray on the cluster (tuning.max_concurrent=2): wall time.
2. `make predict` on 10^7 penguin rows (sampled from the hold-out set, with a row id): the local
   backend on one Parquet file against the ray backend on the same rows in ten Parquet files: wall
   time, rows per second and the peak resident memory (RSS) of each process, sampled from /proc every
   0.2 s: the driver (the `predict` process), the Ray workers, and the nodes' own processes.

The cluster is the tests' (tests/ray_cluster.py): two nodes of one CPU each with 300 MB object stores.
Only prints; usage: `PATH=.venv/bin:$PATH .venv/bin/python bench/ray.py [--rows 10000000] [--trials 16]`.
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from common import COPY, ENV, TEMPLATE, progress, run, timed

sys.path.insert(0, str(TEMPLATE))
from tests.ray_cluster import two_node_cluster  # noqa: E402

ANSWERS = ["--data=use_dvc=false", "--data=tracking=none", "--data=docker=false", "--data=api=none"]
MAKE_INPUT = """
import sys, pathlib, numpy as np, pandas as pd, pyarrow as pa, pyarrow.parquet as pq
rows, parts = int(sys.argv[1]), 10
test = pd.read_parquet(next(pathlib.Path("data/transformed").glob("*-test.parquet")))
pathlib.Path("big").mkdir()
writer = None
for index, start in enumerate(range(0, rows, rows // parts)):
    part = test.sample(rows // parts, replace=True, random_state=index).reset_index(drop=True)
    part.insert(0, "row_id", np.arange(start, start + len(part)))
    table = pa.Table.from_pandas(part, preserve_index=False)
    pq.write_table(table, f"big/part-{index}.parquet", row_group_size=100_000)
    writer = writer or pq.ParquetWriter("big.parquet", table.schema)
    writer.write_table(table, row_group_size=100_000)
writer.close()
"""


def by_kind(memory, driver_word):
    """Peak MiB of the driver, of the largest worker (and how many there were), of the largest of the
    nodes' own processes (and its name)."""
    kinds = {"driver": [], "workers": [], "nodes": []}
    for pid, peak in memory.peaks.items():
        name = memory.names[pid]
        kind = "driver" if driver_word in name and "python" in name else (
            "workers" if name.startswith("ray::") else "nodes")
        kinds[kind].append((peak / 1024, name))
    largest = max(kinds["nodes"], default=(0, "-"))
    return {"driver": max(kinds["driver"], default=(0, ""))[0],
            "worker": max(kinds["workers"], default=(0, ""))[0], "workers": len(kinds["workers"]),
            "node": largest[0], "node_name": next(
                (word for word in largest[1].split() if word not in ("python", "python3", "-u", "-m")), "-")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--trials", type=int, default=16)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    try:
        root = work / "project"
        progress("rendering a project; make env EXTRAS=ray; make train")
        run(COPY + ANSWERS + [str(root)])
        run(["make", "env", "EXTRAS=ray"], cwd=root)
        run(["make", "train", "ARGS=train.cv_folds=0"], cwd=root)
        progress(f"writing {args.rows} rows")
        run([str(root / ".venv" / "bin" / "python"), "-c", MAKE_INPUT, str(args.rows)], cwd=root)
        trials = f"tuning.max_trials={args.trials}"
        progress(f"make tune, optuna, {args.trials} trials")
        tune_local, _ = timed(["make", "tune", f"ARGS={trials}"], root, ENV)
        progress(f"make predict, local, {args.rows} rows")
        predict_local, local_memory = timed(
            ["make", "predict", "ARGS=--input big.parquet --output local.parquet"], root, ENV)
        progress("starting a two-node Ray cluster")
        with two_node_cluster(root / ".venv") as cluster:
            env = {**ENV, **cluster.env}
            progress(f"make tune, ray, {args.trials} trials, 2 at a time")
            tune_ray, _ = timed(["make", "tune", f"ARGS={trials} tuning.backend=ray tuning.max_concurrent=2"],
                                root, env)
            progress(f"make predict, ray, {args.rows} rows")
            predict_ray, ray_memory = timed(
                ["make", "predict", "ARGS=--backend ray --input big --output ray-out"], root, env, cluster.pids)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"Ray backends, {os.cpu_count()} CPUs, 2 Ray nodes of 1 CPU each, load average "
          f"{os.getloadavg()[0]:.1f} at the end\n")
    print(f"| make tune, {args.trials} trials | wall s |\n| --- | ---: |")
    print(f"| optuna (one process) | {tune_local:.1f} |\n| ray (2 nodes, 2 at a time) | {tune_ray:.1f} |\n")
    print(f"| make predict, {args.rows:,} rows | wall s | rows/s | driver MiB | largest worker MiB (workers) "
          "| largest Ray node process MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, seconds, memory in (("local", predict_local, local_memory), ("ray", predict_ray, ray_memory)):
        peaks = by_kind(memory, "penguin_classifier")
        workers = f"{peaks['worker']:.0f} ({peaks['workers']})" if peaks["workers"] else "-"
        nodes = f"{peaks['node']:.0f} ({peaks['node_name']})" if peaks["workers"] else "-"
        print(f"| {name} | {seconds:.1f} | {args.rows / seconds:,.0f} | {peaks['driver']:.0f} | {workers} | {nodes} |")


if __name__ == "__main__":
    main()
