"""`warm-up`: get ready for the first training while the data steps run.

A new environment's first `make train` compiles each module it imports (Python keeps the bytecode for
the runs after it) and, with MLflow, creates the SQLite store by running its schema migrations: seconds
the training would otherwise spend before and after its fit. While no model exists yet, `make train`
starts this command in the background beside the pipeline's first steps (DVC's start, data load and
preparation), on the core they leave idle. It imports the training's modules, which writes their
bytecode, then creates the MLflow store if the backend is MLflow with a missing SQLite store. The store
lock makes the training's tracker wait while the tables are made, so the two never make them at once.
A failure here changes nothing: the training then does the same work itself and reports any error.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from ..config import load_params, project_root
from ..registry import store_lock, tracking_uri

# What `train` imports with the built-in trainer, beyond what the data steps already compiled.
TRAINING_MODULES = ("commands.train", "trainers.scikit_learn", "model.train", "model.scoring", "model.features",
                    "model.persistence", "etl.task", "skops.io")


def main(overrides: Sequence[str] = ()) -> list[str]:
    """Import the training's modules, create a missing MLflow SQLite store; return what was done."""
    done = []
    for name in TRAINING_MODULES:
        try:
            importlib.import_module(name if name.startswith("skops") else f"{__package__.rsplit('.', 1)[0]}.{name}")
            done.append(name)
        except Exception:  # noqa: BLE001 - e.g. a model/train.py being edited: train reports it
            pass
    if create_mlflow_store(load_params(overrides)["tracking"]):
        done.append("mlflow store")
    return done


def create_mlflow_store(settings: dict) -> bool:
    """Create the SQLite store of tracking.mlflow_uri (or MLFLOW_TRACKING_URI) if missing; True if it did."""
    if settings["backend"] != "mlflow":
        return False
    uri = tracking_uri(settings, project_root())
    if not uri.startswith("sqlite:///") or Path(uri.removeprefix("sqlite:///").split("?")[0]).exists():
        return False
    from mlflow import MlflowClient

    with store_lock(uri):  # a tracker that starts meanwhile waits here, then finds the tables made
        MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
    return True
