"""Experiment tracking: one small interface over MLflow, Weights & Biases, DVCLive or nothing.

tracking.backend in params.yaml picks the backend (`tracking.backend=none` turns it off for one
run). Each library is imported only when its backend is used, so the CLI stays fast and a
project only needs the library it chose.
"""

from __future__ import annotations

import netrc
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"train": {"cv_folds": 5}} -> {"train.cv_folds": 5}: the shape trackers store parameters in."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


class Tracker:
    """The no-op tracker (backend none); the others override what their tool records."""

    backend = "none"
    run_id: str | None = None

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record the resolved parameters of the run."""

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        """Record final metrics of the run."""

    def log_artifacts(self, paths: list[Path]) -> None:
        """Keep copies of files (the model, its metadata) with the run."""

    def log_confusion(self, actual: list[str], predicted: list[str]) -> None:
        """Record hold-out labels and predictions, for a confusion-matrix plot."""

    def finish(self, failed: bool = False) -> None:
        """Close the run, marked as failed when training raised."""


class MlflowTracker(Tracker):
    """MLflow with a local SQLite store by default; joins the run that `mlflow run` started."""

    backend = "mlflow"

    def __init__(self, settings: Mapping[str, Any], root: Path) -> None:
        import mlflow

        from .registry import tracking_uri

        self.mlflow = mlflow
        mlflow.set_tracking_uri(tracking_uri(settings, root))
        if "MLFLOW_RUN_ID" not in os.environ:  # `mlflow run` already chose the experiment and run
            name = settings["experiment"]
            if mlflow.get_experiment_by_name(name) is None:
                mlflow.create_experiment(name, artifact_location=(root / "mlruns").as_uri())
            mlflow.set_experiment(name)
        self.run_id = mlflow.start_run().info.run_id

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.mlflow.log_params({k: str(v) for k, v in flatten(params).items()})

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        self.mlflow.log_metrics(dict(metrics))

    def log_artifacts(self, paths: list[Path]) -> None:
        for path in paths:
            self.mlflow.log_artifact(str(path))

    def finish(self, failed: bool = False) -> None:
        self.mlflow.end_run(status="FAILED" if failed else "FINISHED")


def wandb_api_key_configured() -> bool:
    """An API key in the environment or in ~/.netrc (where `wandb login` puts it)."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        return netrc.netrc().authenticators("api.wandb.ai") is not None
    except (FileNotFoundError, netrc.NetrcParseError):
        return False


class WandbTracker(Tracker):
    """Weights & Biases, offline unless an API key is configured, so no run waits for a login."""

    backend = "wandb"

    def __init__(self, settings: Mapping[str, Any], root: Path) -> None:
        import wandb

        mode = os.environ.get("WANDB_MODE") or ("online" if wandb_api_key_configured() else "offline")
        self.root = root
        self.run = wandb.init(project=settings["experiment"], dir=str(root), mode=mode, reinit="finish_previous")
        self.run_id = self.run.id

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.run.config.update(flatten(params), allow_val_change=True)

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        self.run.log(dict(metrics))

    def log_artifacts(self, paths: list[Path]) -> None:
        for path in paths:
            self.run.save(str(path), base_path=str(self.root), policy="now")

    def finish(self, failed: bool = False) -> None:
        self.run.finish(exit_code=1 if failed else 0)


class DvcliveTracker(Tracker):
    """DVCLive: metrics and plots in dvclive/, which `dvc metrics show` and `dvc plots show` read.

    dvc.yaml declares those files itself, so DVCLive neither edits dvc.yaml nor saves experiments.
    """

    backend = "dvclive"

    def __init__(self, settings: Mapping[str, Any], root: Path) -> None:
        from dvclive import Live

        self.live = Live(dir=str(root / "dvclive"), save_dvc_exp=False, dvcyaml=None)

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.live.log_params(flatten(params))

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        for name, value in metrics.items():
            self.live.log_metric(name, value)

    def log_confusion(self, actual: list[str], predicted: list[str]) -> None:
        self.live.log_sklearn_plot("confusion_matrix", actual, predicted, name="confusion_matrix.json")

    def finish(self, failed: bool = False) -> None:
        self.live.end()


BACKENDS: dict[str, type[Tracker]] = {
    "none": Tracker, "mlflow": MlflowTracker, "wandb": WandbTracker, "dvclive": DvcliveTracker,
}


@contextmanager
def tracking_run(settings: Mapping[str, Any], root: Path) -> Iterator[Tracker]:
    """A run of the backend named in settings (the tracking section of params.yaml), closed on exit."""
    backend = settings["backend"]
    if backend not in BACKENDS:
        raise ValueError(f"Unknown tracking.backend {backend!r}; choose one of: {', '.join(BACKENDS)}.")
    tracker = Tracker() if backend == "none" else BACKENDS[backend](settings, root)
    try:
        yield tracker
    except BaseException:
        tracker.finish(failed=True)
        raise
    tracker.finish()
