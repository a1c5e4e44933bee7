"""Benchmark: the Keras plugin's `make train` against a bare Keras script, and the API serving its model.

Renders the default project without DVC and tracking, builds its environment, generates the Keras plugin
(`make plugin NAME=keras TRAINER=keras`) and installs it (`make plugins`), then prints two tables:

1. `make train ARGS="train.trainer=keras train.cv_folds=0"` against bench/bare_keras.py (the same data,
   preprocessing, network, seed, early stopping and epochs, saved as .keras) with the project's
   interpreter, round-robin after a warm-up each: median and minimum wall time of --repeat runs and
   their ratio (goal: at most 1.3x).
2. The FastAPI server (`make serve`, uvicorn, one worker) answering POST /predict with one penguin per
   request under wrk on loopback with one connection (`-t1 -c1`, --seconds): requests per second and
   p50/p99 latency for the Keras model, served through ONNX Runtime on its checked export, beside the
   built-in scikit-learn model of the same project (goal: at least 1,000 requests/s for the Keras model).

Python writes its bytecode caches here as on users' machines (bench/common.py), and the
warm-up runs fill them. Needs `wrk` (Debian package `wrk`). Never fails on times, only when a command fails.
Usage: `PATH=.venv/bin:$PATH .venv/bin/python bench/keras_plugin.py [--repeat 3] [--seconds 10] [--json]`.
"""

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from common import COPY, TEMPLATE, progress, round_robin, run, summary
from serving import RECORD, free_port, started, stopped, wrk

PACKAGE = "penguin_classifier"
BARE_SCRIPT = TEMPLATE / "bench" / "bare_keras.py"
TRAIN_FILE = Path("data/transformed/penguins-train.parquet")
HISTORY_FILE = Path("reports/trainers/keras/history.json")
KERAS_TRAIN = ["make", "train", "ARGS=train.trainer=keras train.cv_folds=0"]


def bench_train(root, repeat):
    """The plugin's make train and the bare script, round-robin after a warm-up of each."""
    commands = {"make train (keras plugin)": KERAS_TRAIN,
                "bare Keras script": [str(root / ".venv" / "bin" / "python"), str(BARE_SCRIPT),
                                      str(root / TRAIN_FILE), str(root / "bare.keras")]}
    times = round_robin(commands, root, repeat, "make train / bare Keras script")
    epochs = {"make train (keras plugin)": epochs_run(root / HISTORY_FILE),
              "bare Keras script": epochs_run(root / "bare.keras.json")}
    if len(set(epochs.values())) != 1:
        raise SystemExit(f"the two sides trained different numbers of epochs ({epochs}): not the same work")
    return {label: {**summary(values), "epochs": epochs[label]} for label, values in times.items()}


def epochs_run(path):
    return json.loads(path.read_text())["epochs_run"]


def bench_api(root, seconds):
    """wrk on one connection against make serve, for the latest model (Keras), then for a scikit-learn one."""
    results = {}
    sklearn_train = ["make", "train", "ARGS=train.cv_folds=0"]
    for label, train in (("keras (ONNX Runtime)", None), ("scikit-learn (ONNX Runtime)", sklearn_train)):
        if train:
            run(train, cwd=root)
        run(["make", "export"], cwd=root)
        port = free_port()
        progress(f"{label}: make serve, wrk 1 connection, {seconds} s")
        server = started(["make", "serve", "HOST=127.0.0.1", f"PORT={port}"], root, port)
        try:
            url = f"http://127.0.0.1:{port}/predict"
            wrk(url, RECORD, "1 conn", 2)
            results[label] = wrk(url, RECORD, "1 conn", seconds)
        finally:
            stopped(server)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per figure")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        parser.error("wrk not found: apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="bench-keras-"))
    try:
        root = workdir / "project"
        progress("rendering the project, building its environment, generating and installing the Keras plugin")
        run([*COPY, "--data=use_dvc=false", "--data=tracking=none", "--data=docker=false", str(root)])
        run(["make", "env"], cwd=root)
        run(["make", "plugin", "NAME=keras", "TRAINER=keras", "REF=HEAD"], cwd=root)
        run(["make", "plugins"], cwd=root)
        run(["make", "data"], cwd=root)
        train = bench_train(root, options.repeat)
        api = bench_api(root, options.seconds)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if options.json:
        print(json.dumps({"train": train, "api": api}, indent=2))
        return
    plugin, bare = train["make train (keras plugin)"], train["bare Keras script"]
    print(f"| training on penguins (median / min of {options.repeat}) | epochs | wall s |")
    print("| --- | ---: | ---: |")
    print(f"| `make train ARGS=\"train.trainer=keras train.cv_folds=0\"` | {plugin['epochs']} "
          f"| {plugin['median']:.2f} / {plugin['min']:.2f} |")
    print(f"| bare Keras script (`bench/bare_keras.py`) | {bare['epochs']} "
          f"| {bare['median']:.2f} / {bare['min']:.2f} |")
    print(f"| plugin / bare (goal: at most 1.3x) | | **{plugin['median'] / bare['median']:.2f}x** |")
    print()
    print(f"| POST /predict, one record, wrk -t1 -c1, {options.seconds} s | requests/s | p50 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: |")
    for label, figures in api.items():
        print(f"| {label} | {figures['rps']:,.0f} | {figures['p50_ms']:.2f} | {figures['p99_ms']:.2f} |")


if __name__ == "__main__":
    main()
