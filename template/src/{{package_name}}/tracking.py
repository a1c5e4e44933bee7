"""Experiment tracking: one small interface over MLflow, Weights & Biases, DVCLive or nothing.

tracking.backend in params.yaml picks the backend (`tracking.backend=none` turns it off for one
run). Each library is imported only when its backend is used, so the CLI stays fast and a
project only needs the library it chose.

A run's tracker lives in a child process (BackgroundTracker): importing MLflow and opening its
SQLite store take seconds, which then overlap with loading data and fitting instead of adding to
them. The child is this module run as `python -m <package>.tracking`; calls reach it as JSON lines.
"""

from __future__ import annotations

import json
import netrc
import os
import subprocess
import sys
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
    records_confusion = False  # whether log_confusion keeps anything: predicting the hold-out set costs time

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record the resolved parameters of the run."""

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Record metrics of the run: final values, or those of one step (a training epoch) when step is given."""

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

        from .registry import store_lock, tracking_uri

        self.mlflow = mlflow
        uri = tracking_uri(settings, root)
        mlflow.set_tracking_uri(uri)
        with store_lock(uri):  # creating the store and the experiment: one process at a time
            if "MLFLOW_RUN_ID" not in os.environ:  # `mlflow run` already chose the experiment and run
                name = settings["experiment"]
                if mlflow.get_experiment_by_name(name) is None:
                    mlflow.create_experiment(name, artifact_location=(root / "mlruns").as_uri())
                mlflow.set_experiment(name)
            self.run_id = mlflow.start_run().info.run_id

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.mlflow.log_params({k: str(v) for k, v in flatten(params).items()})

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        self.mlflow.log_metrics(dict(metrics), step=step)

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

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        self.run.log(dict(metrics), step=step)

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
    records_confusion = True

    def __init__(self, settings: Mapping[str, Any], root: Path) -> None:
        from dvclive import Live

        self.live = Live(dir=str(root / "dvclive"), save_dvc_exp=False, dvcyaml=None)

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.live.log_params(flatten(params))

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        if step is not None:  # a series (dvclive/plots/metrics/<name>.tsv) at this step
            self.live.step = step
        for name, value in metrics.items():
            self.live.log_metric(name, value)
        if step is not None:
            self.live.next_step()

    def log_confusion(self, actual: list[str], predicted: list[str]) -> None:
        self.live.log_sklearn_plot("confusion_matrix", actual, predicted, name="confusion_matrix.json")

    def finish(self, failed: bool = False) -> None:
        self.live.end()


BACKENDS: dict[str, type[Tracker]] = {
    "none": Tracker, "mlflow": MlflowTracker, "wandb": WandbTracker, "dvclive": DvcliveTracker,
}


class TrackingError(RuntimeError):
    """The tracking process failed; its own error message was printed above this one."""


class BackgroundTracker(Tracker):
    """A tracker of another backend, running in a child process that starts at once.

    Calls are queued to the child and return immediately; run_id waits for the child to open the
    run, and finish() waits for it to record everything, so nothing is lost when the command ends.
    """

    def __init__(self, settings: Mapping[str, Any], root: Path) -> None:
        self.backend = settings["backend"]
        self._reply: dict[str, Any] | None = None  # the child's {"run_id": ...}, once read
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self._send({"settings": dict(settings), "root": str(root)})

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self.process.stdin.write(json.dumps(message, default=str) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            self._failed()

    def _failed(self) -> None:
        self.process.wait()
        raise TrackingError(f"Tracking with {self.backend} failed (its error is printed above); "
                            f"fix it or run without tracking: tracking.backend=none.")

    @property
    def records_confusion(self) -> bool:  # type: ignore[override]
        return BACKENDS[self.backend].records_confusion

    @property
    def run_id(self) -> str | None:
        """The backend's id of the run (None for DVCLive, which has none); read once from the child."""
        if self._reply is None:
            line = self.process.stdout.readline()
            if not line:
                self._failed()
            self._reply = json.loads(line)
        return self._reply["run_id"]

    def log_params(self, params: Mapping[str, Any]) -> None:
        self._send({"call": "log_params", "params": dict(params)})

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        self._send({"call": "log_metrics", "metrics": dict(metrics), "step": step})

    def log_artifacts(self, paths: list[Path]) -> None:
        self._send({"call": "log_artifacts", "paths": [str(Path(path).resolve()) for path in paths]})

    def log_confusion(self, actual: list[str], predicted: list[str]) -> None:
        self._send({"call": "log_confusion", "actual": list(actual), "predicted": list(predicted)})

    def finish(self, failed: bool = False) -> None:
        self._send({"call": "finish", "failed": failed})
        self.process.stdin.close()
        if self.process.wait() != 0 and not failed:
            self._failed()


def serve_calls(lines: Iterator[str]) -> None:
    """The child's side: open the run, report its id, then apply each call until finish (or until
    the parent goes away, which marks the run failed)."""
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever the tracking library prints goes to stderr, not into the replies
    start = json.loads(next(lines))
    tracker = BACKENDS[start["settings"]["backend"]](start["settings"], Path(start["root"]))
    print(json.dumps({"run_id": tracker.run_id}), file=replies, flush=True)
    for line in lines:
        call = json.loads(line)
        name = call.pop("call")
        if name == "log_artifacts":
            call["paths"] = [Path(path) for path in call["paths"]]
        getattr(tracker, name)(**call)
        if name == "finish":
            return
    tracker.finish(failed=True)


@contextmanager
def tracking_run(settings: Mapping[str, Any], root: Path) -> Iterator[Tracker]:
    """A run of the backend named in settings (the tracking section of params.yaml), closed on exit."""
    backend = settings["backend"]
    if backend not in BACKENDS:
        raise ValueError(f"Unknown tracking.backend {backend!r}; choose one of: {', '.join(BACKENDS)}.")
    tracker = Tracker() if backend == "none" else BackgroundTracker(settings, root)
    try:
        yield tracker
    except BaseException:
        tracker.finish(failed=True)
        raise
    tracker.finish()


if __name__ == "__main__":
    serve_calls(iter(sys.stdin))
