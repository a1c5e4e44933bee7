"""Benchmarks of the template: how long rendering, training and getting started take.

Why these three figures:
1. `copier copy` is what every new user pays first, and what the test suite pays per rendered project.
2. `make train` against bench/bare_train.py (same data, pipeline, parameters and skops save, with nothing
   else) shows what the framework around the model costs. ARGS make `make train` run the CLI directly
   (without ARGS the default project goes through `dvc repro`, a no-op when nothing changed):
   tracking none with and without the 5-fold cross-validation (which the bare script does not do),
   and tracking mlflow without CV, so the ratios separate the cost of CV, of the framework (make, the
   CLI, params validation, hold-out scoring, metadata) and of MLflow. A no-op `make repro` (dvc repro
   with nothing changed) shows what DVC's bookkeeping costs on every call.
3. copy + `make env` + `make train` in a fresh directory is the time from nothing to a trained model
   that the README promises, measured with the uv cache warm (the first, warming run is shown apart).
5. `python -m <package> --help` and `data load` (light commands, which must not import scikit-learn), and
   `copier copy` of a peer template (copier-uv, from a local clone named by BENCH_PEER_TEMPLATE or found
   at ../copier-uv beside this repository; skipped with a message when there is none: the benchmark
   never downloads it), so the copy time has a reference.
4. `copier update` across one release (v0.1.0 -> v0.2.0 of a temporary template repository, the
   release the update tests make) beside `copier copy` of v0.1.0 from the same repository: what
   keeping a project current costs compared with starting it.
6. A user's own table of a million rows (bench/own_data.py, one run, after the others): `make data` +
   `make train` and `make predict` against bare pandas + scikit-learn scripts, wall time and peak memory
   of the process tree (--own-data-rows; 0 skips it).

Every command is run with subprocess and timed with time.perf_counter; the figures are the median and
the minimum of --repeat runs, because the median resists one-off hiccups and the minimum is the
closest to the machine's true cost. The script only prints: it never passes or fails on times, only
when a command itself fails. Usage: `make bench`, or `python bench/run.py [--json] [--repeat N]`.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from common import COPY, ENV, TEMPLATE, TOOLS, output, progress, round_robin, run, summary, version
from own_data import bench_own_data
from own_data import table as own_data_table

sys.path.insert(0, str(TEMPLATE))
from tests.template_repo import commit_and_tag, release_v2, template_repository  # noqa: E402

BARE_SCRIPT = TEMPLATE / "bench" / "bare_train.py"
TRAIN_FILE = Path("data/transformed/penguins-train.parquet")
TRAIN_VARIANTS = {
    "make_train": "ARGS=tracking.backend=none",
    "make_train_no_cv": "ARGS=tracking.backend=none train.cv_folds=0",
    "make_train_mlflow_no_cv": "ARGS=tracking.backend=mlflow train.cv_folds=0",
}


def machine_info():
    """What the figures depend on: CPUs, interpreter, tool versions and the template revision."""
    cpu = "?"
    if Path("/proc/cpuinfo").is_file():
        models = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")]
        cpu = models[0] if models else cpu
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    dirty = output(["git", "status", "--porcelain"], cwd=TEMPLATE)
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": f"{platform.system()} {platform.machine()}",
        "cpu": cpu,
        "nproc": nproc,
        "python": platform.python_version(),
        "copier": version("copier"),
        "uv": version("uv"),
        "template": output(["git", "rev-parse", "--short", "HEAD"], cwd=TEMPLATE) + (" + uncommitted" if dirty else ""),
    }


def bench_copy(root, repeat):
    """1. `copier copy` of the template into a fresh directory each time."""
    times = []
    for i in range(repeat):
        progress(f"copier copy {i + 1}/{repeat}")
        times.append(run(COPY + [str(root / f"copy-{i}")]))
    return summary(times)


def bench_start(root, repeat):
    """3. copy + make env + make train in a fresh directory; the first run warms the uv cache.

    Returns the phase timings and the last project, whose data is prepared, for bench_train.
    """
    phases = {"copy": [], "env": [], "train": [], "total": []}
    first = None
    for i in range(repeat + 1):
        progress(f"copy + make env + make train {i}/{repeat}" + (" (warm-up)" if i == 0 else ""))
        project = root / f"start-{i}"
        times = {"copy": run(COPY + [str(project)]),
                 "env": run(["make", "env"], cwd=project),
                 "train": run(["make", "train"], cwd=project)}
        times["total"] = sum(times.values())
        if i == 0:
            first = times
        else:
            for phase, seconds in times.items():
                phases[phase].append(seconds)
    result = {phase: summary(times) for phase, times in phases.items()}
    result["first_run"] = first
    return result, project


def bench_train(project, root, repeat):
    """2. make train variants against the bare script and a no-op repro, round-robin after one warm-up each.

    Alternating the commands spreads any drift of the machine evenly over them.
    """
    bare = [str(project / ".venv" / "bin" / "python"), str(BARE_SCRIPT), str(project / TRAIN_FILE),
            str(root / "bare.skops")]
    commands = {name: ["make", "train", args] for name, args in TRAIN_VARIANTS.items()}
    commands["bare"] = bare
    times = round_robin(commands, project, repeat, "make train variants / bare script")
    # A no-op repro must follow nothing that changes models/: bring the pipeline up to date, then time.
    progress("make repro warm-up, then no-op repros")
    run(["make", "repro"], cwd=project)
    times["noop_repro"] = [run(["make", "repro"], cwd=project) for _ in range(repeat)]
    result = {name: summary(values) for name, values in times.items()}
    bare_median = result["bare"]["median"]
    result["overhead"] = result["make_train"]["median"] / bare_median
    result["overhead_no_cv"] = result["make_train_no_cv"]["median"] / bare_median
    result["overhead_mlflow_no_cv"] = result["make_train_mlflow_no_cv"]["median"] / bare_median
    result["bare_median"] = bare_median
    result["project_python"] = output([bare[0], "-c", "import platform; print(platform.python_version())"])
    return result


def bench_light_commands(project, repeat):
    """5. Commands that must stay instant: --help and data load (raw file removed before each run)."""
    python = str(project / ".venv" / "bin" / "python")
    package = next((project / "src").iterdir()).name
    raw = project / "data" / "raw" / "penguins.csv"
    times = {"help": [], "data_load": [], "python": []}
    for i in range(repeat + 1):
        progress(f"--help, data load {i}/{repeat}" + (" (warm-up)" if i == 0 else ""))
        help_time = run([python, "-m", package, "--help"], cwd=project)
        raw.unlink(missing_ok=True)
        load_time = run([python, "-m", package, "data", "load"], cwd=project)
        python_time = run([python, "-c", "pass"], cwd=project)
        if i:
            times["help"].append(help_time)
            times["data_load"].append(load_time)
            times["python"].append(python_time)
    return {name: summary(values) for name, values in times.items()}


def peer_template():
    """A local git clone of copier-uv, or None: the benchmark compares with it only when it is there."""
    for candidate in [os.environ.get("BENCH_PEER_TEMPLATE"), TEMPLATE.parent / "copier-uv"]:
        if candidate and (Path(candidate) / "copier.yml").is_file():
            return Path(candidate)
    return None


def bench_peer_copy(root, repeat):
    """5. copier copy of copier-uv with its required answers (it needs its Jinja extension
    plugin (PyPI package copier-template-extensions), installed into a folder on PYTHONPATH for this command only)."""
    peer = peer_template()
    if peer is None:
        progress("peer template: no local copier-uv clone (set BENCH_PEER_TEMPLATE); skipped")
        return None
    extensions = root / "peer-extensions"
    run([str(TOOLS / "uv"), "pip", "install", "--quiet", "--no-deps", "--target", str(extensions),
         "copier-template-extensions"])
    answers = {"project_name": "Demo", "project_description": "Demo", "author_fullname": "Demo",
               "author_email": "demo@example.com", "author_username": "demo", "repository_namespace": "demo",
               "repository_name": "demo"}
    command = [str(TOOLS / "copier"), "copy", "--trust", "--defaults", "--quiet", "--vcs-ref=HEAD",
               *[f"--data={key}={value}" for key, value in answers.items()], str(peer)]
    env = {**ENV, "PYTHONPATH": str(extensions)}
    times = []
    for i in range(repeat + 1):
        progress(f"copier copy of copier-uv {i}/{repeat}" + (" (warm-up)" if i == 0 else ""))
        started = time.perf_counter()
        subprocess.run(command + [str(root / f"peer-{i}")], env=env, check=True, capture_output=True)
        if i:
            times.append(time.perf_counter() - started)
    return {**summary(times), "revision": output(["git", "-C", str(peer), "describe", "--tags", "--always"])}


def bench_update(root, repeat):
    """4. copier copy of v0.1.0, then copier update of that committed project to v0.2.0, per run."""
    template = template_repository(root / "update-template")
    release_v2(template)
    copier = str(TOOLS / "copier")
    times = {"copy": [], "update": []}
    for i in range(repeat):
        progress(f"copier copy v0.1.0 + copier update to v0.2.0 {i + 1}/{repeat}")
        project = root / f"update-{i}"
        times["copy"].append(run([copier, "copy", "--trust", "--defaults", "--quiet", "--vcs-ref=v0.1.0",
                                  str(template), str(project)]))
        commit_and_tag(project, None, "start")
        times["update"].append(run([copier, "update", "--trust", "--defaults", "--quiet", "--conflict", "inline",
                                    "--vcs-ref=v0.2.0"], cwd=project))
    return {name: summary(values) for name, values in times.items()}


def table(info, results, repeat, elapsed):
    """The results as plain text with aligned columns: one row per figure, ratios as rows too."""
    copy, train, start, update = results["copy"], results["train"], results["start"], results["update"]
    light, peer = results["light"], results["peer"]
    rows = [
        ("1. copier copy --defaults --trust", copy, ""),
        ("   copier copy of copier-uv (peer template)", peer, f"copier-uv {peer['revision']}") if peer else
        ("   copier copy of copier-uv (peer template)", None, "skipped: no local clone (BENCH_PEER_TEMPLATE)"),
        ("2. make train, tracking none (5-fold CV)", train["make_train"], ""),
        ("   make train, tracking none, cv_folds=0", train["make_train_no_cv"], ""),
        ("   make train, tracking mlflow, cv_folds=0", train["make_train_mlflow_no_cv"], "SQLite store"),
        ("   bare script (bench/bare_train.py)", train["bare"], "fit + skops save only"),
        ("   framework overhead: make train / bare", train["overhead"], "x"),
        ("   overhead without CV: cv_folds=0 / bare", train["overhead_no_cv"], "x"),
        ("   overhead with MLflow, no CV / bare", train["overhead_mlflow_no_cv"], "x"),
        ("   no-op make repro (dvc repro)", train["noop_repro"], "nothing changed"),
        ("3. copier copy", start["copy"], f"first run: {start['first_run']['copy']:.2f} s"),
        ("   make env (uv sync, uv cache warm)", start["env"], f"first run: {start['first_run']['env']:.2f} s"),
        ("   make train (dvc repro: data + train)", start["train"], f"first run: {start['first_run']['train']:.2f} s"),
        ("   total: copy to trained model", start["total"], f"first run: {start['first_run']['total']:.2f} s"),
        ("   first make train (dvc + mlflow) / bare script", start["train"]["median"] / train["bare_median"], "x"),
        ("5. python -m <package> --help", light["help"], f"python -c pass: {light['python']['median']:.2f} s"),
        ("   python -m <package> data load (penguins)", light["data_load"], "no scikit-learn, no pandas"),
        ("4. copier copy (tagged v0.1.0)", update["copy"], ""),
        ("   copier update v0.1.0 -> v0.2.0", update["update"], "committed project, one release"),
    ]
    width = max(len(row[0]) for row in rows)
    lines = [
        f"Template benchmark, {info['date']}",
        f"machine: {info['platform']}, {info['cpu']}, nproc {info['nproc']}",
        f"python:  {info['python']} (bench), {train['project_python']} (generated project .venv)",
        f"tools:   copier {info['copier']}, uv {info['uv']}; template {info['template']}",
        f"runs:    median and min of {repeat}, after warm-up runs",
        "",
        f"{'measurement':<{width}}  {'median':>8}  {'min':>8}  note",
        f"{'-' * width}  {'-' * 8}  {'-' * 8}  {'-' * 24}",
    ]
    for label, value, note in rows:
        if value is None:
            lines.append(f"{label:<{width}}  {'-':>8}  {'-':>8}  {note}")
        elif note == "x":
            lines.append(f"{label:<{width}}  {value:>7.2f}x  {'':>8}  ratio of medians")
        else:
            lines.append(f"{label:<{width}}  {value['median']:>6.2f} s  {value['min']:>6.2f} s  {note}".rstrip())
    lines += ["", f"benchmark wall time: {elapsed:.1f} s"]
    return "\n".join(lines)


def main():
    """Run the three benchmarks in temporary directories, removed at the end, and print the results."""
    parser = argparse.ArgumentParser(description="Time rendering, training and setup of the template.")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--repeat", type=int, default=3, help="measured runs per figure (default: 3)")
    parser.add_argument("--own-data-rows", type=int, default=1_000_000,
                        help="rows of the own-data benchmark, run once (default: 10^6; 0 skips it)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not (TOOLS / "copier").exists():
        parser.error(f"{TOOLS / 'copier'} not found: run `make env` in {TEMPLATE} first")

    started = time.perf_counter()
    info = machine_info()
    root = Path(tempfile.mkdtemp(prefix="template-bench-"))
    try:
        results = {"copy": bench_copy(root, args.repeat)}
        results["start"], project = bench_start(root, args.repeat)
        results["train"] = bench_train(project, root, args.repeat)
        results["light"] = bench_light_commands(project, args.repeat)
        results["peer"] = bench_peer_copy(root, args.repeat)
        results["update"] = bench_update(root, args.repeat)
        results["own_data"] = bench_own_data(root, args.own_data_rows) if args.own_data_rows else None
    finally:
        shutil.rmtree(root, ignore_errors=True)
    elapsed = time.perf_counter() - started

    if args.json:
        print(json.dumps({"machine": info, "repeat": args.repeat, "results": results,
                          "elapsed_seconds": elapsed}, indent=2))
    else:
        print(table(info, results, args.repeat, elapsed))
        if results["own_data"]:
            print("\n6. Own data (bench/own_data.py), one run each\n")
            print(own_data_table(results["own_data"]))


if __name__ == "__main__":
    main()
