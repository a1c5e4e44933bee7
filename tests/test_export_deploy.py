"""Export and deploy in generated projects, for real: ONNX parity, idempotent delivery, the MLflow registry.

Projects are rendered with the copier CLI, built with `make env` and trained with `make train`.
ONNX Runtime and MLflow are queried through the project's own python, with the libraries it ships.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from .helpers import DEFAULTS, copier_copy, latest_metadata, make_env, project_python, run

pytestmark = pytest.mark.e2e
QUICK = {**DEFAULTS, "use_dvc": False, "tracking": "none"}
STUBS = {**QUICK, "include_example": False}
REGISTRY = {**DEFAULTS, "use_dvc": False}  # tracking mlflow

# Feeds ONNX Runtime from export.json's description of the inputs alone (not the package's helper),
# then compares with the native model on the hold-out and the training set (which has missing values).
ONNX_VERSUS_NATIVE = """
import json, sys
import numpy as np, onnxruntime, pandas as pd
from penguin_classifier.model.loading import load_trained
from penguin_classifier.model.features import select_features
from penguin_classifier.paths import ProjectPaths
from pathlib import Path

bundle = Path(sys.argv[1])
record = json.loads((bundle / "export.json").read_text())["onnx"]
model, metadata = load_trained(ProjectPaths(Path.cwd()))
session = onnxruntime.InferenceSession(str(bundle / record["file"]), providers=["CPUExecutionProvider"])
report = {}
for split in ("train", "test"):
    frame = pd.read_parquet(metadata["data"][split]["path"]).drop(columns=[metadata["data"]["target"]])
    feeds = {}
    for spec in record["inputs"]:
        column = frame[spec["name"]]
        if spec["type"] == "double":
            feeds[spec["name"]] = column.to_numpy(np.float64).reshape(-1, 1)
        else:
            missing = record["missing_values"]["string"]
            feeds[spec["name"]] = np.array([missing if pd.isna(v) else str(v) for v in column], object).reshape(-1, 1)
    labels, probabilities = session.run(record["outputs"], feeds)
    features = select_features(frame, {f["name"]: f["type"] for f in metadata["features"]})
    report[split] = {
        "rows": len(frame),
        "rows_with_missing_values": int(frame.isna().any(axis=1).sum()),
        "labels_equal": bool((labels.astype(str) == model.predict(features).astype(str)).all()),
        "max_probability_difference": float(np.abs(probabilities - model.predict_proba(features)).max()),
    }
print(json.dumps(report))
"""

REGISTERED_VERSIONS = """
import json, sys
from mlflow import MlflowClient

name = sys.argv[1]
client = MlflowClient(tracking_uri="sqlite:///mlflow.db", registry_uri="sqlite:///mlflow.db")
versions = client.search_model_versions(f"name = '{name}'")
print(json.dumps({
    "versions": [{"version": v.version, "tags": v.tags, "run_id": v.run_id} for v in versions],
    "aliases": client.get_registered_model(name).aliases,
    "artifacts": sorted(a.path for v in versions for a in client.list_artifacts(v.run_id, "bundle")),
}))
"""


def build(base: Path, answers: dict) -> Path:
    """Render answers with the copier CLI, build the environment and train."""
    root = base / "project"
    copier_copy(root, answers)
    make_env(root)
    run(["make", "train"], cwd=root)
    return root


def bundle_of(root: Path) -> Path:
    return root / "artifacts" / Path(latest_metadata(root)["model"]["path"]).stem


def checksum_problems(folder: Path) -> list[str]:
    """What `sha256sum -c SHA256SUMS` would complain about, plus files it does not list."""
    listed = dict(reversed(line.split("  ")) for line in (folder / "SHA256SUMS").read_text().splitlines())
    present = {p.name for p in folder.iterdir()} - {"SHA256SUMS"}
    return sorted({*(set(listed) ^ present),
                   *(n for n in set(listed) & present
                     if hashlib.sha256((folder / n).read_bytes()).hexdigest() != listed[n])})


def stamps(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The example project without DVC or tracking, trained and exported with `make export`."""
    root = build(tmp_path_factory.mktemp("quick"), QUICK)
    return root, run(["make", "export"], cwd=root)


def test_make_export_bundles_an_onnx_model_that_passed_parity(exported):
    root, result = exported
    bundle, metadata = bundle_of(root), latest_metadata(root)
    record = json.loads((bundle / "export.json").read_text())
    assert {p.name for p in bundle.iterdir()} == {
        Path(metadata["model"]["path"]).name, "metadata.json", "model.onnx", "export.json", "SHA256SUMS"}
    assert checksum_problems(bundle) == []
    parity = record["onnx"]["parity"]
    assert parity["rows"] == metadata["data"]["test"]["rows"]
    assert parity["labels_agreeing"] == parity["rows"] and parity["label_agreement"] == 1.0
    assert parity["max_probability_difference"] <= parity["tolerance"] == 1e-4
    assert f"model.onnx: {parity['rows']}/{parity['rows']} labels agree" in result.stdout
    before = stamps(bundle)
    run(["make", "export"], cwd=root)
    assert stamps(bundle) == before


def test_onnx_runtime_predicts_like_the_native_model(exported):
    root, _ = exported
    report = json.loads(project_python(root, ONNX_VERSUS_NATIVE, str(bundle_of(root))))
    assert report["train"]["rows_with_missing_values"] > 0  # penguins: sex and measurements missing
    for split in report.values():
        assert split["labels_equal"], report
        assert split["max_probability_difference"] <= 1e-4, report


def test_make_deploy_twice_leaves_one_verified_bundle(exported):
    root, _ = exported
    bundle = bundle_of(root)
    run(["make", "deploy"], cwd=root)
    deployed = root / "artifacts" / "deployed" / bundle.name
    before = stamps(deployed)
    second = run(["make", "deploy"], cwd=root)
    assert "already deployed and verifies" in second.stdout
    assert [p.name for p in deployed.parent.iterdir()] == [bundle.name]
    assert stamps(deployed) == before
    assert checksum_problems(deployed) == []
    assert (deployed / "SHA256SUMS").read_bytes() == (bundle / "SHA256SUMS").read_bytes()
    shutil.rmtree(bundle)  # a fresh export, in a new process, must give the same bytes (model.onnx included)
    run(["make", "export"], cwd=root)
    assert "already deployed and verifies" in run(["make", "deploy"], cwd=root).stdout


def test_stub_project_exports_without_onnx_and_deploys(tmp_path_factory):
    root = build(tmp_path_factory.mktemp("stubs"), STUBS)
    result = run(["make", "export"], cwd=root)
    assert "skipped: skl2onnx has no converter for sklearn.dummy.DummyClassifier" in result.stdout
    bundle = bundle_of(root)
    assert json.loads((bundle / "export.json").read_text())["onnx"]["status"] == "skipped"
    run(["make", "deploy"], cwd=root)
    run(["make", "deploy"], cwd=root)
    assert [p.name for p in (root / "artifacts" / "deployed").iterdir()] == [bundle.name]
    assert checksum_problems(root / "artifacts" / "deployed" / bundle.name) == []


def test_mlflow_registry_gets_one_version_per_model(tmp_path_factory):
    root = build(tmp_path_factory.mktemp("registry"), REGISTRY)
    first = run(["make", "deploy"], cwd=root)
    second = run(["make", "deploy"], cwd=root)
    model = latest_metadata(root)["model"]
    assert f"registered {model['name']} version 1 in the MLflow model registry\n" in first.stdout
    assert "(already registered)" in second.stdout
    registry = json.loads(project_python(root, REGISTERED_VERSIONS, model["name"]))
    (version,) = registry["versions"]
    assert version["tags"]["sha256"] == model["sha256"] and version["tags"]["model_version"] == model["version"]
    assert registry["aliases"] == {"deployed": version["version"]}
    assert {Path(path).name for path in registry["artifacts"]} == {p.name for p in bundle_of(root).iterdir()}
