"""`prepare-tracking`: create MLflow's SQLite store ahead of the first run.

MLflow makes a new store's tables by running its schema migrations, seconds of work that the first
`make train` would otherwise wait for. `make train` starts this command in the background beside the
pipeline's first steps (data load and preparation), so the training's tracker finds the store ready.
It does nothing for another backend, a tracking server or a store that exists. The store lock makes the
tracker wait while this creates the tables, so the two never create them at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..config import load_params, project_root
from ..registry import store_lock, tracking_uri


def main(overrides: Sequence[str] = ()) -> bool:
    """Create the SQLite store of tracking.mlflow_uri (or MLFLOW_TRACKING_URI) if missing; True if it did."""
    settings = load_params(overrides)["tracking"]
    if settings["backend"] != "mlflow":
        return False
    uri = tracking_uri(settings, project_root())
    if not uri.startswith("sqlite:///") or Path(uri.removeprefix("sqlite:///").split("?")[0]).exists():
        return False
    from mlflow import MlflowClient

    with store_lock(uri):  # a tracker that starts meanwhile waits here, then finds the tables made
        MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
    return True
