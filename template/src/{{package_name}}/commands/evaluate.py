"""`evaluate`: score a trained model on the hold-out set; write reports/metrics.json and the
(actual, predicted) pairs that `dvc plots show` draws: a confusion matrix for classification,
predicted against actual values for regression."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..config import load_params, project_root
from ..helpers.files import atomic_write_text
from ..helpers.tables import read_parquet
from ..model.features import select_features, split_target
from ..model.scoring import metrics_for, score
from ..paths import ProjectPaths
from ..model.loading import load_trained


def main(model_path: Path | None = None, overrides: Sequence[str] = ()) -> dict[str, float]:
    """Score the latest (or given) model on its dataset's hold-out set; write metrics JSON."""
    params = load_params(overrides)
    paths = ProjectPaths(project_root())
    model, metadata = load_trained(paths, model_path)
    test_file = paths.test_file(metadata["data"]["dataset"])
    test_frame = read_parquet(test_file, "run `make data` to write it again.")
    features, target = split_target(test_frame, metadata["data"]["target"])
    types = {f["name"]: f["type"] for f in metadata["features"]}
    features = select_features(features, types)
    task = metadata.get("task", "classification")
    positive = None
    if metadata.get("positive_class") is not None:
        positive = next(label for label in target.unique() if str(label) == metadata["positive_class"])
    metrics = score(model, features, target, metrics_for(task, target, params["evaluate"]), positive)
    report = {"model": metadata["model"]["path"], "task": task, "rows": len(target), "metrics": metrics}
    atomic_write_text(paths.metrics_file, json.dumps(report, indent=2) + "\n")
    if task == "regression":
        confusion = pd.DataFrame({"actual": target.to_numpy(dtype=float), "predicted": model.predict(features)})
    else:
        confusion = pd.DataFrame({"actual": target.astype(str).to_numpy(),
                                  "predicted": model.predict(features).astype(str)})
    atomic_write_text(paths.confusion_file, confusion.to_csv(index=False))
    print(f"metrics    {paths.metrics_file.relative_to(paths.root)}: "
          + ", ".join(f"{m}={v:.4f}" for m, v in metrics.items()))
    return metrics
