"""Benchmark of a user's own table of a million rows: the project's data, train and predict against bare scripts.

A seeded table of --rows rows and 30 columns (an id, a date, 18 numeric columns and 9 text categories,
some with missing values, and a yes/no target) is written to data/raw/bench.csv of a rendered project
(no DVC, no tracking), and the same rows without the target to incoming/bench-new.csv. Then:

1. `make data` + `make train` (data.source the CSV, its id and date columns declared, no cross-validation,
   hist_gradient_boosting with the default hyperparameters) against `bench/bare_own_data.py train` (pandas
   reads the CSV, the same pipeline is fitted on the same share of rows and saved with skops): wall time
   and peak memory, the resident memory of the whole process tree sampled every 0.2 s.
2. `make predict` of incoming/bench-new.csv into a CSV (streamed in chunks, ONNX Runtime on the checked
   export, which the first run builds) against `bench/bare_own_data.py predict` (the whole file in
   memory, predict_proba once): wall time, rows per second and peak memory.

Goals: data + train at most 1.3 times the bare wall time and 1.5 times its peak memory; predict at least
the bare rows per second with flat memory. bench/run.py runs it too (--own-data-rows). Only prints;
usage: `PATH=.venv/bin:$PATH .venv/bin/python bench/own_data.py [--rows 1000000]`.
"""

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from common import COPY, ENV, TEMPLATE, progress, run, timed

ANSWERS = ["--data=use_dvc=false", "--data=tracking=none", "--data=docker=false", "--data=api=none"]
BARE_SCRIPT = TEMPLATE / "bench" / "bare_own_data.py"
TABLE = "data/raw/bench.csv"
NEW_ROWS = "incoming/bench-new.csv"
OVERRIDES = ("data.dataset=bench data.source=data/raw/bench.csv data.target=churned data.id_columns=[customer_id] "
             "data.date_columns=[signup_date] train.cv_folds=0 tracking.backend=none "
             "train.hyperparams.model.default_value=hist_gradient_boosting")
GOALS = {"wall": 1.3, "memory": 1.5}
MAKE_TABLE = """
import sys, numpy as np, pyarrow as pa, pyarrow.csv as csv
rows, table_file, new_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = np.random.default_rng(2024)

def gaps(values, share):
    return pa.array(values, mask=rng.random(rows) < share)

columns = {"customer_id": pa.array(np.char.add("C", np.char.zfill(np.arange(rows).astype(str), 8))),
           "signup_date": pa.array((np.datetime64("2019-01-01") + rng.integers(0, 2000, rows)).astype(str))}
numbers = [np.round(rng.normal(50, 15, rows), 2) for _ in range(12)] + [rng.integers(0, 30, rows) for _ in range(6)]
for index, values in enumerate(numbers):
    columns[f"x{index:02d}"] = gaps(values, 0.05 if index % 3 == 0 else 0.0)
levels = [3, 4, 5, 6, 8, 10, 12, 15, 20]
codes = [rng.integers(0, count, rows) for count in levels]
for index, (count, code) in enumerate(zip(levels, codes)):
    names = np.array([f"c{index}_{level}" for level in range(count)])
    columns[f"c{index}"] = gaps(names[code], 0.03 if index % 2 else 0.0)
risk = 0.04 * (numbers[0] - 50) - 0.03 * (numbers[1] - 50) + 0.8 * (codes[0] == 0) + 0.1 * numbers[12] - 1.5
columns["churned"] = pa.array(np.where(risk + rng.normal(0, 1, rows) > 0, "yes", "no"))
table = pa.table(columns)
csv.write_csv(table, table_file)
csv.write_csv(table.drop_columns(["churned"]), new_file)
"""


def project(root):
    """A rendered project (no DVC, no tracking) with its environment and the modules both sides import compiled."""
    path = root / "own-data"
    run(COPY + ANSWERS + [str(path)])
    run(["make", "env"], cwd=path)
    run([str(path / ".venv" / "bin" / "python"), "-c",
         "import pandas, pyarrow.parquet, sklearn.ensemble, sklearn.compose, skops.io, onnxruntime, skl2onnx"])
    return path


def bench_own_data(root, rows):
    """The figures of both benchmarks, in seconds and MiB."""
    path = project(root)
    python = str(path / ".venv" / "bin" / "python")
    (path / "incoming").mkdir()
    progress(f"own data: writing {rows:,} rows x 30 columns")
    run([python, "-c", MAKE_TABLE, str(rows), TABLE, NEW_ROWS], cwd=path)
    figures = {"rows": rows, "csv_mib": (path / TABLE).stat().st_size / 2**20}

    def measured(name, command):
        progress(f"own data: {name}")
        seconds, memory = timed(command, path, ENV)
        figures[name] = {"seconds": seconds, "peak_mib": memory.total_kib / 1024}
        return memory.output

    measured("bare train", [python, str(BARE_SCRIPT), "train", TABLE, str(root / "bare.skops")])
    measured("make data", ["make", "data", f"ARGS={OVERRIDES}"])
    measured("make train", ["make", "train", f"ARGS={OVERRIDES}"])
    predict = ["make", "predict", f"ARGS=--input {NEW_ROWS} --output data/predictions/bench.csv"]
    figures["runtime"] = next((line for line in measured("make predict, first", predict).splitlines()
                               if line.startswith("runtime")), "runtime ?")
    measured("make predict", predict)
    measured("bare predict", [python, str(BARE_SCRIPT), "predict", str(root / "bare.skops"), NEW_ROWS,
                              str(root / "bare-predictions.csv")])
    data, train = figures["make data"], figures["make train"]
    figures["data + train"] = {"seconds": data["seconds"] + train["seconds"],
                               "peak_mib": max(data["peak_mib"], train["peak_mib"])}
    return figures


def table(figures):
    """Markdown tables: data + train beside the bare script, then predict beside it, with the ratios."""
    rows = figures["rows"]
    both, bare = figures["data + train"], figures["bare train"]
    wall, memory = both["seconds"] / bare["seconds"], both["peak_mib"] / bare["peak_mib"]
    lines = [f"{rows:,} rows x 30 columns ({figures['csv_mib']:.0f} MiB of CSV), hist_gradient_boosting, "
             f"load average {os.getloadavg()[0]:.1f} at the end", "",
             "| data + train | wall s | peak MiB |", "| --- | ---: | ---: |"]
    for name in ("make data", "make train", "data + train", "bare train"):
        lines.append(f"| {name} | {figures[name]['seconds']:.1f} | {figures[name]['peak_mib']:,.0f} |")
    lines.append(f"| make / bare (goals {GOALS['wall']}x, {GOALS['memory']}x) | {wall:.2f}x | {memory:.2f}x |")
    lines += ["", f"| predict, {rows:,} rows without target | wall s | rows/s | peak MiB |",
              "| --- | ---: | ---: | ---: |"]
    for name in ("make predict, first", "make predict", "bare predict"):
        seconds, peak = figures[name]["seconds"], figures[name]["peak_mib"]
        lines.append(f"| {name} | {seconds:.1f} | {rows / seconds:,.0f} | {peak:,.0f} |")
    speed = figures["bare predict"]["seconds"] / figures["make predict"]["seconds"]
    lines += [f"| make / bare (goal: at least 1x rows/s) | | {speed:.2f}x | "
              f"{figures['make predict']['peak_mib'] / figures['bare predict']['peak_mib']:.2f}x |",
              "", f"make predict: {figures['runtime']}"]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-own-data-"))
    try:
        figures = bench_own_data(root, args.rows)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(table(figures))


if __name__ == "__main__":
    main()
