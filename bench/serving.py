"""Benchmarks of predictions in production: the HTTP API and batch prediction, beside their limits and peers.

1. The API under wrk (a C load generator, Debian package `wrk`) on loopback, one record per
   request, on one connection (-t1 -c1) and on eight (-t2 -c8): POST /predict of a FastAPI and a
   Flask project (ONNX Runtime on the checked export), GET /health of the same server (the HTTP
   limit: no model, no validation), and the same scikit-learn model served the way users commonly
   serve it, `mlflow models serve --env-manager local` of the model saved with mlflow.sklearn
   (POST /invocations with dataframe_records; labels only, where our API also gives probabilities).
2. `make predict` on 10^6 and 10^7 synthetic rows (Parquet in and out, streamed in chunks, ONNX
   Runtime) against bare scripts that load the same file whole and call scikit-learn's
   model.predict or ONNX Runtime's session.run: wall time, rows per second and peak memory
   (ru_maxrss of the process).

Only prints; usage: `python bench/serving.py [--rows 1000000 10000000] [--seconds 10] [--api-only]`.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from common import COPY, ENV, TOOLS, progress, run

ANSWERS = ["--data=use_dvc=false", "--data=tracking=none", "--data=docker=false"]
RECORD = {"island": "Biscoe", "bill_length_mm": 45.1, "bill_depth_mm": 14.5, "flipper_length_mm": 215.0,
          "body_mass_g": 5000.0, "sex": "female", "year": 2008}
WRK_POST = 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[{body}]]\n'
CONNECTIONS = {"1 conn": ["-t1", "-c1"], "8 conn": ["-t2", "-c8"]}
SAVE_MLFLOW_MODEL = """
import sys, pathlib, mlflow.sklearn
from penguin_classifier.model.loading import load_trained
from penguin_classifier.model.persistence import TRUSTED_TYPES
from penguin_classifier.paths import ProjectPaths
model, _ = load_trained(ProjectPaths(pathlib.Path.cwd()))
mlflow.sklearn.save_model(model, sys.argv[1], skops_trusted_types=TRUSTED_TYPES,
                          pip_requirements=["scikit-learn"])  # skips a slow requirements inference
"""
# Wall time and peak resident memory (KiB) of the command it runs.
PEAK = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
MAKE_INPUT = """
import sys, numpy as np, pyarrow as pa, pyarrow.parquet as pq
rows, path = int(sys.argv[1]), sys.argv[2]
writer = None
rng = np.random.default_rng(0)
for start in range(0, rows, 1_000_000):
    n = min(1_000_000, rows - start)
    table = pa.table({f"x{i}": rng.standard_normal(n) for i in range(8)})
    writer = writer or pq.ParquetWriter(path, table.schema)
    writer.write_table(table, row_group_size=100_000)
writer.close()
"""
BARE_SKLEARN = """
import sys, pandas as pd, skops.io as sio
from penguin_classifier.model.persistence import TRUSTED_TYPES
model = sio.load(sys.argv[1], trusted=TRUSTED_TYPES)
frame = pd.read_parquet(sys.argv[2])
pd.DataFrame({"prediction": model.predict(frame)}).to_parquet(sys.argv[3])
"""
BARE_ONNX = """
import sys, numpy as np, onnxruntime, pandas as pd
session = onnxruntime.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
frame = pd.read_parquet(sys.argv[2])
feeds = {name: frame[name].to_numpy(np.float64).reshape(-1, 1) for name in frame.columns}
(labels,) = session.run(["label"], feeds)
pd.DataFrame({"prediction": labels}).to_parquet(sys.argv[3])
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def project(root, api):
    """A rendered project with its environment, a trained penguins model and its checked export."""
    path = root / api
    run(COPY + ANSWERS + [f"--data=api={api}", str(path)])
    run(["make", "env"], cwd=path)
    run(["make", "train", "ARGS=train.cv_folds=0"], cwd=path)
    run(["make", "export"], cwd=path)
    return path


def milliseconds(text):
    """wrk's "850.00us", "1.23ms" or "1.05s" in milliseconds."""
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * factor
    raise ValueError(f"unexpected wrk latency {text!r}")


def wrk(url, body, connections, seconds):
    """wrk on url (POST body when given, else GET): requests/s, p50 and p99 latency in ms."""
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_POST.format(body=json.dumps(body)) if body is not None else "")
    command = ["wrk", *CONNECTIONS[connections], f"-d{seconds}s", "--latency", "-s", str(script), url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    script.unlink()
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    figures = {}
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(words[1])
        elif words[:1] in (["50%"], ["99%"]):
            figures[f"p{words[0][:-1]}_ms"] = milliseconds(words[1])
    return figures


def started(command, cwd, port, env=ENV):
    """Start a server in its own process group and wait until its port accepts connections."""
    server = subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(480):
        if server.poll() is not None:
            raise SystemExit(f"{command} exited {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{command} did not listen on {port} in 240 s")


def stopped(server):
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def measure(name, calls, seconds):
    """wrk figures of each (label, url, body) on 1 and 8 connections, after a short warm-up."""
    results = {}
    for label, url, body in calls:
        wrk(url, body, "8 conn", 2)
        for connections in CONNECTIONS:
            progress(f"{name}: wrk {label}, {connections}, {seconds} s")
            results.setdefault(f"{name} {label}", {})[connections] = wrk(url, body, connections, seconds)
    return results


def bench_api(root, seconds):
    results = {}
    for api in ["fastapi", "flask"]:
        progress(f"{api}: render, env, train, export")
        path = project(root, api)
        port = free_port()
        server = started(["make", "serve", "HOST=127.0.0.1", f"PORT={port}"], path, port)
        try:
            results.update(measure(api, [("POST /predict", f"http://127.0.0.1:{port}/predict", RECORD),
                                         ("GET /health", f"http://127.0.0.1:{port}/health", None)], seconds))
        finally:
            stopped(server)
    progress("mlflow: install into the flask project, save the model with mlflow.sklearn, serve")
    run([str(TOOLS / "uv"), "pip", "install", "--quiet", "--python", str(path / ".venv/bin/python"), "mlflow>=3.1"])
    run([str(path / ".venv/bin/python"), "-c", SAVE_MLFLOW_MODEL, str(root / "mlflow-model")], cwd=path)
    port = free_port()
    server = started([str(path / ".venv/bin/mlflow"), "models", "serve", "-m", str(root / "mlflow-model"),
                      "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)], path, port,
                     {**ENV, "PATH": f"{path / '.venv/bin'}{os.pathsep}{ENV['PATH']}"})  # it runs `uvicorn`
    try:
        results.update(measure("mlflow models serve", [
            ("POST /invocations", f"http://127.0.0.1:{port}/invocations", {"dataframe_records": [RECORD]})], seconds))
    finally:
        stopped(server)
    return results, path


def bench_batch(path, rows_list):
    python = str(path / ".venv" / "bin" / "python")
    run(["make", "train", "ARGS=data.dataset=synthetic data.synthetic.features=8 train.cv_folds=0 "
         "train.hyperparams.n_estimators.default_value=50"], cwd=path)
    run(["make", "export"], cwd=path)
    metadata = max((path / "models" / "metadata").glob("synthetic-*.json"))
    model = path / json.loads(metadata.read_text())["model"]["path"]
    onnx = path / "artifacts" / model.stem / "model.onnx"
    # Warm-up on the hold-out set: compiles and caches every module the measured commands import.
    subprocess.run(["make", "predict"], cwd=path, env=ENV, capture_output=True, check=True)
    results = {}
    for rows in rows_list:
        source, output = path / f"in-{rows}.parquet", path / f"out-{rows}.parquet"
        progress(f"{rows} rows: input, make predict, bare scikit-learn, bare ONNX Runtime")
        subprocess.run([python, "-c", MAKE_INPUT, str(rows), str(source)], check=True)
        for name, command in [
            ("make predict (ONNX Runtime, streamed)", ["make", "predict", f"ARGS=--input {source} --output {output}"]),
            ("bare scikit-learn model.predict", [python, "-c", BARE_SKLEARN, str(model), str(source), str(output)]),
            ("bare ONNX Runtime session.run", [python, "-c", BARE_ONNX, str(onnx), str(source), str(output)]),
        ]:
            out = subprocess.run([python, "-c", PEAK, *command], cwd=path, env=ENV, capture_output=True,
                                 text=True, check=True).stdout.split()
            seconds, peak_kib = float(out[-2]), int(out[-1])
            results[f"{rows:.0e} rows, {name}"] = {"seconds": seconds, "rows_per_s": rows / seconds,
                                                   "peak_mib": peak_kib / 1024}
        source.unlink()
        output.unlink()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per figure")
    parser.add_argument("--api-only", action="store_true", help="skip batch prediction")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        parser.error("wrk not found: apt-get install wrk")
    root = Path(tempfile.mkdtemp(prefix="serving-bench-"))
    try:
        api, path = bench_api(root, args.seconds)
        batch = {} if args.api_only else bench_batch(path, args.rows)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    header = "".join(f" {f'{c}: req/s':>14} {'p50 ms':>7} {'p99 ms':>7}" for c in CONNECTIONS)
    print(f"{'one record per request, wrk on loopback':<42}{header}")
    for key, by_connections in api.items():
        cells = "".join(f" {f['rps']:>14,.0f} {f['p50_ms']:>7.2f} {f['p99_ms']:>7.2f}" for f in by_connections.values())
        print(f"{key:<42}{cells}")
    if not batch:
        return
    print()
    print(f"{'batch prediction (8 features, RF 50 trees)':<54} {'seconds':>8} {'rows/s':>12} {'peak MiB':>9}")
    for key, figures in batch.items():
        print(f"{key:<54} {figures['seconds']:>8.2f} {figures['rows_per_s']:>12,.0f} {figures['peak_mib']:>9,.0f}")


if __name__ == "__main__":
    main()
