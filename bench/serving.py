"""Benchmarks of predictions in production: the HTTP API and batch prediction.

1. The predict endpoint of a FastAPI and a Flask project under wrk (a C load generator, Debian
   package `wrk`) on loopback: requests per second and p50/p99 latency for one record and for
   batches of 100, beside the same calls made in-process (PredictionService.predict, which
   validates like the endpoint, and the bare model.predict), so the cost of HTTP is visible.
2. `make predict` on 10^5, 10^6 and 10^7 synthetic rows (Parquet in, Parquet out, streamed in
   chunks) against a bare script that loads the same file whole and calls model.predict: rows per
   second and peak memory (ru_maxrss of the process), which shows what streaming saves.

Only prints; usage: `python bench/serving.py [--rows 100000 1000000 10000000] [--seconds 10]`.
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

from common import COPY, ENV, progress, run

ANSWERS = ["--data=use_dvc=false", "--data=tracking=none", "--data=docker=false"]
RECORD = {"island": "Biscoe", "bill_length_mm": 45.1, "bill_depth_mm": 14.5, "flipper_length_mm": 215.0,
          "body_mass_g": 5000.0, "sex": "female", "year": 2008}
WRK_SCRIPT = 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[{body}]]\n'
IN_PROCESS = """
import json, sys, time, pandas as pd
from penguin_classifier.paths import ProjectPaths
from penguin_classifier.serving.service import PredictionService
service = PredictionService.load(ProjectPaths(__import__("pathlib").Path.cwd()), None, 1000)
record = json.loads(sys.argv[1])
results = {}
for name, payload in [("single", record), ("batch100", {"records": [record] * 100})]:
    features = pd.DataFrame.from_records(payload["records"] if "records" in payload else [payload])
    for kind, call in [("service", lambda: service.predict(payload)),
                       ("model", lambda: service.model.predict(features))]:
        call()
        times, deadline = [], time.perf_counter() + 3
        while time.perf_counter() < deadline:
            started = time.perf_counter(); call(); times.append(time.perf_counter() - started)
        times.sort()
        results[f"{name}/{kind}"] = {"rps": len(times) / sum(times), "p50_ms": 1000 * times[len(times) // 2],
                                     "p99_ms": 1000 * times[int(len(times) * 0.99)]}
print(json.dumps(results))
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
BARE_PREDICT = """
import sys, json, pandas as pd, skops.io as sio
from penguin_classifier.model.persistence import TRUSTED_TYPES
model = sio.load(sys.argv[1], trusted=TRUSTED_TYPES)
frame = pd.read_parquet(sys.argv[2])
pd.DataFrame({"prediction": model.predict(frame)}).to_parquet(sys.argv[3])
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def project(root, api):
    """A rendered project with its environment and a trained penguins model."""
    path = root / api
    run(COPY + ANSWERS + [f"--data=api={api}", str(path)])
    run(["make", "env"], cwd=path)
    run(["make", "train", "ARGS=train.cv_folds=0"], cwd=path)
    return path


def milliseconds(text):
    """wrk's "850.00us", "1.23ms" or "1.05s" in milliseconds."""
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * factor
    raise ValueError(f"unexpected wrk latency {text!r}")


def wrk(port, body, seconds):
    """wrk with 2 threads and 8 connections: requests/s, p50 and p99 latency in ms."""
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_SCRIPT.format(body=json.dumps(body)))
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}/predict"], capture_output=True, text=True, check=True).stdout
    script.unlink()
    figures = {}
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(words[1])
        elif words[:1] in (["50%"], ["99%"]):
            figures[f"p{words[0][:-1]}_ms"] = milliseconds(words[1])
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    return figures


def bench_api(root, seconds):
    results = {}
    for api in ["fastapi", "flask"]:
        progress(f"{api}: render, env, train")
        path = project(root, api)
        port = free_port()
        server = subprocess.Popen(["make", "serve", "HOST=127.0.0.1", f"PORT={port}"], cwd=path, env=ENV,
                                  start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(240):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.5)
            for name, body in [("single", RECORD), ("batch100", {"records": [RECORD] * 100})]:
                progress(f"{api}: wrk {name} {seconds} s")
                results[f"{name}/{api}"] = wrk(port, body, seconds)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if api == "fastapi":
            progress("in-process calls")
            out = subprocess.run([str(path / ".venv/bin/python"), "-c", IN_PROCESS, json.dumps(RECORD)], cwd=path,
                                 env=ENV, capture_output=True, text=True, check=True).stdout
            results.update(json.loads(out))
    return results, path


def bench_batch(path, rows_list):
    python = str(path / ".venv" / "bin" / "python")
    run(["make", "train", "ARGS=data.dataset=synthetic data.synthetic.features=8 train.cv_folds=0 "
         "train.hyperparams.n_estimators.default_value=50"], cwd=path)
    metadata = max((path / "models" / "metadata").glob("synthetic-*.json"))
    model = path / json.loads(metadata.read_text())["model"]["path"]
    results = {}
    for rows in rows_list:
        source, output = path / f"in-{rows}.parquet", path / f"out-{rows}.parquet"
        progress(f"{rows} rows: input, make predict, bare model.predict")
        subprocess.run([python, "-c", MAKE_INPUT, str(rows), str(source)], check=True)
        for name, command in [
            ("make predict", ["make", "predict", f"ARGS=--input {source} --output {output}"]),
            ("bare model.predict", [python, "-c", BARE_PREDICT, str(model), str(source), str(output)]),
        ]:
            out = subprocess.run([python, "-c", PEAK, *command], cwd=path, env=ENV, capture_output=True,
                                 text=True, check=True).stdout.split()
            seconds, peak_kib = float(out[-2]), int(out[-1])
            results[f"{rows}/{name}"] = {"seconds": seconds, "rows_per_s": rows / seconds, "peak_mib": peak_kib / 1024}
        source.unlink()
        output.unlink()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per figure")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        parser.error("wrk not found: apt-get install wrk")
    root = Path(tempfile.mkdtemp(prefix="serving-bench-"))
    try:
        api, path = bench_api(root, args.seconds)
        batch = bench_batch(path, args.rows)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{'predict endpoint (wrk -t2 -c8, loopback)':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for key, figures in api.items():
        print(f"{key:<44} {figures['rps']:>9.1f} {figures['p50_ms']:>8.2f} {figures['p99_ms']:>8.2f}")
    print()
    print(f"{'batch prediction (8 features, RF 50 trees)':<44} {'seconds':>9} {'rows/s':>12} {'peak MiB':>9}")
    for key, figures in batch.items():
        print(f"{key:<44} {figures['seconds']:>9.2f} {figures['rows_per_s']:>12,.0f} {figures['peak_mib']:>9.0f}")


if __name__ == "__main__":
    main()
