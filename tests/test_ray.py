"""Ray backends of a generated project, on a real two-node Ray cluster started on this machine.

One project (with `make env EXTRAS=ray`) and one cluster serve the whole module: `make tune` with
tuning.backend=ray spreads its trials over both nodes, finds what the Optuna backend finds and records
each trial in MLflow; `make predict --backend ray` on a 10^6-row partitioned input gives the local
backend's predictions row for row; bad inputs and a missing or tampered model fail before any work,
with clear messages, and the workers check their blocks as the local backend does (unknown categories
counted over all workers, or refused by name). A cluster that cannot start fails the tests with the nodes' output.
"""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from .helpers import DEFAULTS, copier_copy, make_env, project_python, run
from .ray_cluster import two_node_cluster

pytestmark = pytest.mark.e2e
ANSWERS = {**DEFAULTS, "use_dvc": False, "api": "none", "docker": False}
ROWS = 1_000_000
TRIALS = "tuning.max_trials=6 tuning.cv_folds=3"
# 10^6 rows sampled from the hold-out set, with a row id: five Parquet parts in big/, and the same rows
# in one file for the local backend (which reads one file).
MAKE_INPUT = """
import sys, numpy as np, pandas as pd, pathlib
rows = int(sys.argv[1])
test = pd.read_parquet(next(pathlib.Path("data/transformed").glob("*-test.parquet")))
sample = test.sample(rows, replace=True, random_state=0).reset_index(drop=True)
sample.insert(0, "row_id", np.arange(rows))
pathlib.Path("big").mkdir()
for index, part in enumerate(np.array_split(np.arange(rows), 5)):
    sample.iloc[part].to_parquet(f"big/part-{index}.parquet", index=False)
sample.to_parquet("big.parquet", index=False)
"""
# The metrics of the latest MLflow run, by name.
LATEST_RUN_METRICS = """
import json, mlflow
mlflow.set_tracking_uri("sqlite:///mlflow.db")
run = mlflow.search_runs(search_all_experiments=True, order_by=["start_time DESC"], max_results=1).iloc[0]
print(json.dumps({name[len("metrics."):]: run[name] for name in run.index if name.startswith("metrics.")}))
"""
COMPARE = """
import json, pathlib, numpy as np, pandas as pd
local = pd.read_parquet("local.parquet")
ray = pd.read_parquet("ray-out").sort_values("row_id").reset_index(drop=True)
probabilities = [c for c in local.columns if c.startswith("probability_")]
print(json.dumps({
    "rows": len(ray), "parts": len(list(pathlib.Path("ray-out").glob("*.parquet"))),
    "row_ids": bool((ray["row_id"].to_numpy() == np.arange(len(local))).all()),
    "labels": bool((ray["prediction"].to_numpy() == local["prediction"].to_numpy()).all()),
    "largest_difference": float(np.abs(ray[probabilities].to_numpy() - local[probabilities].to_numpy()).max()),
}))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> dict:
    """A trained project with the ray extra, and what its ray backends said before the extra was installed."""
    root = tmp_path_factory.mktemp("ray") / "project"
    copier_copy(root, ANSWERS)
    make_env(root)
    without = {name: run(["make", target, f"ARGS={args}"], cwd=root, check=False)
               for name, target, args in [("tune", "tune", "tuning.backend=ray"),
                                          ("predict", "predict", "--backend ray")]}
    make_env(root, "EXTRAS=ray")
    run(["make", "train", "ARGS=train.cv_folds=0"], cwd=root)
    return {"root": root, "without_ray": without}


@pytest.fixture(scope="module")
def cluster(project):
    """The running two-node cluster (ray_cluster.Cluster)."""
    with two_node_cluster(project["root"] / ".venv") as started:
        yield started


def test_ray_is_an_extra_that_the_default_environment_lacks(project):
    root = project["root"]
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert not [name for name in pyproject["dependencies"] if name.startswith("ray")]
    assert re.fullmatch(r"ray\[default,tune,data\]==\d+\.\d+\.\d+", pyproject["optional-dependencies"]["ray"][0])
    for name in ("tune", "predict"):
        result = project["without_ray"][name]
        assert result.returncode != 0 and "run `make env EXTRAS=ray`" in result.stderr, result.stderr
    pip = run(["make", "-n", "-B", "env", "PY_ENV=pip", "EXTRAS=ray"], cwd=root).stdout
    assert "pip install --quiet -e '.[dev,ray]'" in pip
    conda = run(["make", "-n", "-B", "env", "PY_ENV=conda", "EXTRAS=ray"], cwd=root).stdout
    assert "pip install --quiet -e '.[ray]'" in conda
    assert project_python(root, "import ray; print(ray.__version__)")


def test_tune_on_the_cluster_uses_both_nodes_and_finds_what_optuna_finds(project, cluster):
    root, ray_env, node_ids = project["root"], cluster.env, cluster.node_ids
    run(["make", "tune", f"ARGS={TRIALS}"], cwd=root)
    optuna = json.loads((root / "reports" / "tuning.json").read_text())
    tuned = run(["make", "tune", f"ARGS={TRIALS} tuning.backend=ray tuning.max_concurrent=2"], cwd=root,
                env={**ray_env, "PROGRESS_SECONDS": "0"})  # a progress line per trial
    ray = json.loads((root / "reports" / "tuning.json").read_text())
    progress = [line for line in tuned.stderr.splitlines() if line.startswith("tune ")]
    counts = [line.split()[1] for line in progress]  # the last line again when the search ends
    assert counts[:6] == [f"{done}/6" for done in range(1, 7)] and counts[6:] == ["6/6"], tuned.stderr
    assert f"best accuracy={ray['best_score']:.4f}" in progress[-1]

    assert f"cluster at {ray_env['RAY_ADDRESS']}: 2 node(s)" in tuned.stdout
    assert ray["backend"] == "ray" and ray["n_trials"] == 6
    assert all(trial["state"] == "COMPLETE" for trial in ray["trials"])
    assert {trial["node_id"] for trial in ray["trials"]} == set(node_ids)
    scores = [trial["score"] for trial in optuna["trials"]]
    assert min(scores) <= ray["best_score"] <= max(scores)
    # The same seeded sampler over the same space draws the same candidates (TPE starts with seeded random
    # draws), and the same scoring gives them the same scores, whichever node ran them.
    drawn = sorted(json.dumps([trial["values"], trial["score"]], sort_keys=True) for trial in optuna["trials"])
    assert drawn == sorted(json.dumps([trial["values"], trial["score"]], sort_keys=True) for trial in ray["trials"])
    assert (root / "artifacts" / "ray" / "tune").is_dir()  # Ray's trial folders stay in the project
    tracked = json.loads(project_python(root, LATEST_RUN_METRICS))  # each trial, in the project's MLflow
    assert tracked == {**{f"trial_{trial['number']}.accuracy": trial["score"] for trial in ray["trials"]},
                       "best.accuracy": ray["best_score"]}


def test_predict_on_the_cluster_matches_the_local_backend_row_for_row(project, cluster):
    root, ray_env = project["root"], cluster.env
    project_python(root, MAKE_INPUT, str(ROWS))
    run(["make", "predict", "ARGS=--input big.parquet --output local.parquet"], cwd=root)
    predicted = run(["make", "predict", "ARGS=--backend ray --input big --output ray-out"], cwd=root,
                    env={**ray_env, "PROGRESS_SECONDS": "0"})  # a progress line each time rows are counted
    assert f"({ROWS} rows from 5 file(s)" in predicted.stdout
    progress = [line for line in predicted.stderr.splitlines() if line.startswith("predict ")]
    assert progress and progress[-1].startswith(f"predict    {ROWS:,}/{ROWS:,} rows, ") and " rows/s" in progress[-1]

    compared = json.loads(project_python(root, COMPARE))
    assert compared["rows"] == ROWS and compared["parts"] > 1 and compared["row_ids"], compared
    assert compared["labels"], compared
    # ONNX Runtime computes probabilities in float32 and sums trees in an order that depends on its thread
    # count (one per core locally, one per Ray worker): they agree to float32 rounding.
    assert compared["largest_difference"] <= 1e-6, compared
    assert not [path for path in root.iterdir() if ".ray-out." in path.name]  # no temporary folder left


@pytest.mark.parametrize("case, message", [
    ("missing", "Input {root}/nowhere not found"),
    ("empty", "Input folder {root}/empty is empty"),
    ("csv", "is not a readable parquet file"),
    ("columns", "lacks feature columns the model needs: ['island'"),
    ("unknown", "column 'island': value 'Atlantis' was not seen in training"),
])
def test_a_bad_input_folder_is_a_clear_error(project, cluster, case, message):
    root, ray_env = project["root"], cluster.env
    folder = {"missing": "nowhere", "empty": "empty", "csv": "csv-folder", "columns": "ids-only",
              "unknown": "atlantis"}[case]
    project_python(root, """
import pathlib, sys, pandas as pd
folder = pathlib.Path(sys.argv[1])
if sys.argv[2] != "missing":
    folder.mkdir(exist_ok=True)
if sys.argv[2] == "csv":
    pd.DataFrame({"island": ["Biscoe"]}).to_csv(folder / "rows.parquet", index=False)
if sys.argv[2] == "columns":
    pd.DataFrame({"row_id": [1, 2]}).to_parquet(folder / "part-0.parquet")
if sys.argv[2] == "unknown":  # three islands training never saw, in two files
    rows = pd.read_parquet(next(pathlib.Path("data/transformed").glob("*-test.parquet"))).head(40)
    rows.loc[rows.index[:3], "island"] = "Atlantis"
    for index in range(2):
        rows.iloc[index::2].to_parquet(folder / f"part-{index}.parquet", index=False)
""", folder, case)
    overrides = ""
    if case == "unknown":  # the workers' checks: counted over all of them by default, refused when asked
        counted = run(["make", "predict", f"ARGS=--backend ray --input {folder} --output unknown-out"], cwd=root,
                      env=ray_env)
        assert "unknown    3 value(s) of 'island' not seen in training" in counted.stdout, counted.stdout
        overrides = " predict.unknown_categories=error"
    failed = run(["make", "predict", f"ARGS=--backend ray --input {folder} --output bad-out{overrides}"], cwd=root,
                 env=ray_env, check=False)
    if case == "unknown":  # the worker's own message, as the CLI prints a user error: no traceback to read
        assert f"Error: {message}" in failed.stderr and "Traceback" not in failed.stderr, failed.stderr
    assert failed.returncode != 0 and message.format(root=root) in failed.stderr, failed.stderr
    assert not (root / "bad-out").exists()


@pytest.mark.parametrize("damage, message", [
    ("missing", "not found: run `make train` first"),
    ("tampered", "does not match its metadata"),
])
def test_a_missing_or_tampered_model_is_a_clear_error(project, cluster, damage, message):
    root, ray_env = project["root"], cluster.env
    model = next((root / "models").glob("*.skops"))
    original = model.read_bytes()
    try:
        if damage == "missing":
            model.unlink()
        else:
            model.write_bytes(original + b"tampered")
        failed = run(["make", "predict", "ARGS=--backend ray --output bad-out"], cwd=root,
                     env=ray_env, check=False)
    finally:
        model.write_bytes(original)
    assert failed.returncode != 0 and message in failed.stderr, failed.stderr
    assert not (root / "bad-out").exists()
