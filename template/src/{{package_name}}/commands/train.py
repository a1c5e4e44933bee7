"""`train`: run the trainer named by train.trainer, then save its model with metadata and metrics.

The trainer (the built-in scikit-learn one or a plugin, see trainers/) only fits a model; this
module does everything around it, the same for every trainer: prepare the data, open the tracking
run, score the model on the hold-out set, write it atomically in its declared format, describe it
with sha256 checksums in models/metadata/, and log it all.

The tracking run starts before the data is read, in its own process, so that its set-up (seconds
for MLflow) overlaps with importing scikit-learn and fitting; those imports are therefore made
inside the functions that need them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import hyperparameter_values, load_params, project_root
from ..etl.spec import data_spec
from ..helpers.gitinfo import git_state
from ..helpers.tables import read_parquet
from ..model.metadata import describe_file, environment, new_version, write_metadata
from ..paths import ProjectPaths
from ..tracking import Tracker, tracking_run
from ..trainers.interfaces import TrainInput, TrainOutput
from ..trainers.loader import TrainerError, describe, installed, load_trainer
from . import data


def prepared_data(params: dict[str, Any], paths: ProjectPaths) -> tuple[Path, Path]:
    """The transformed train and test files of data.dataset, prepared first when missing."""
    dataset = params["data"]["dataset"]
    train_file, test_file = paths.train_file(dataset), paths.test_file(dataset)
    if not (train_file.is_file() and test_file.is_file()):
        print(f"No prepared {dataset} data yet: running the data steps first.")
        data.main(params=params)
    return train_file, test_file


def run_trainer(name: str, train_input: TrainInput) -> TrainOutput:
    """Import the trainer called name, run its `train` command with train_input, check what it returns."""
    command = load_trainer(name).commands["train"]
    output = command.main(args=[], obj=train_input, prog_name=f"{name} train", standalone_mode=False)
    if not isinstance(output, TrainOutput):
        raise TrainerError(f"Trainer {name!r} returned {type(output).__name__}, not a TrainOutput.")
    return output


def trainer_hyperparams(name: str, params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The hyperparameters of the trainer called name with their default values and tuning specs: what
    its `hyperparams` command returns (a plugin's own, with params.yaml's entries of the same names
    winning), else train.hyperparams of params.yaml."""
    group = load_trainer(name)
    if "hyperparams" not in group.commands:
        return params["train"]["hyperparams"]
    return group.commands["hyperparams"].main(args=[], obj=params, prog_name=f"{name} hyperparams",
                                              standalone_mode=False)


def main(overrides: Sequence[str] = ()) -> Path:
    """Train, save the model and its metadata, record the run; return the metadata path."""
    params = load_params(overrides, trainer_hyperparams=trainer_hyperparams)
    paths = ProjectPaths(project_root())
    trainer = params["train"]["trainer"]
    data_spec(params["data"])  # a data section that names no table fails before anything runs
    load_trainer(trainer)  # an unknown or broken trainer fails before any data work
    train_file, test_file = prepared_data(params, paths)
    with tracking_run(params["tracking"], paths.root) as tracker:
        tracker.log_params(params)
        metadata_path, metadata = fit_and_record(params, paths, trainer, train_file, test_file, tracker)
    print(f"task       {metadata['task']}: {metadata['task_reason']}")
    print(f"trainer    {trainer} ({metadata['trainer']['package']} {metadata['trainer']['version']})")
    print(f"model      {metadata['model']['path']}")
    print(f"metadata   {metadata_path.relative_to(paths.root)}")
    print("metrics    " + ", ".join(f"{m}={v['hold_out']:.4f}" for m, v in metadata["metrics"].items())
          + " (hold-out)")
    if tracker.run_id:
        print(f"tracking   {tracker.backend} run {tracker.run_id}")
    return metadata_path


def fit_and_record(params: dict[str, Any], paths: ProjectPaths, trainer: str, train_file: Path, test_file: Path,
                   tracker: Tracker) -> tuple[Path, dict[str, Any]]:
    """Run the trainer, score and save its model, write the metadata and hand the results to the tracker."""
    from ..etl.sources import describe as describe_source
    from ..etl.task import decide_task, positive_class
    from ..model.features import feature_columns, feature_types, input_schema, select_features, split_target
    from ..model.persistence import model_format, save_model
    from ..model.scoring import metrics_for, score

    spec = data_spec(params["data"])
    dataset, target = spec.name, spec.target
    remedy = "run `make data` (or `data transform`) to write it again."
    train_frame, test_frame = read_parquet(train_file, remedy), read_parquet(test_file, remedy)
    shapes = {"train": train_frame.shape, "test": test_frame.shape}
    X_train, y_train = split_target(train_frame, target)
    X_test, y_test = split_target(test_frame, target)
    del train_frame, test_frame
    task, task_reason = decide_task(y_train, spec.task, target)
    positive = positive_class(y_train, spec.positive_class) if task == "classification" else None
    types = feature_types(feature_columns(X_train, target, spec.id_columns))
    if not types:
        raise ValueError(f"No feature columns left beside {target!r} (data.id_columns, data.date_columns and "
                         "data.drop_columns took the others).")
    schema = input_schema(select_features(X_train, types), types)
    del X_train  # the trainer reads the training set itself: one copy of it in memory while it fits
    X_test = select_features(X_test, types)
    metrics = metrics_for(task, y_train, params["evaluate"])
    hyperparameters = hyperparameter_values(params["train"])

    train_input = TrainInput(
        params=params, hyperparameters=hyperparameters, train_file=train_file, test_file=test_file,
        target=target, features=types, output_dir=paths.reports / "trainers" / trainer, tracker=tracker,
        task=task, metrics=metrics, positive_class=positive,
    )
    train_input.output_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    output = run_trainer(trainer, train_input)
    training_seconds = time.perf_counter() - started
    model = output.model
    hold_out = score(model, X_test, y_test, metrics, positive)
    cross_val = {m: output.metrics[m] for m in metrics if m in output.metrics}

    version = new_version()
    name = f"{dataset}-{output.name or trainer}"
    model_path = paths.models / f"{name}-{version}{model_format(output.format).suffix}"
    save_model(model, model_path, output.format)
    model_file = describe_file(model_path, paths.root)
    info = describe(installed()[trainer])
    metadata = {
        "schema_version": 1,
        "model": {
            "name": name,
            "version": version,
            "type": f"{type(model).__module__}.{type(model).__qualname__}",
            "description": f"{type(model).__name__} predicting {target!r} of the {dataset} dataset ({task})",
            "path": model_file["path"],
            "format": output.format,
            "size_bytes": model_file["size_bytes"],
            "sha256": model_file["sha256"],
            "hyperparameters": hyperparameters,
        },
        "trainer": {"name": info.name, "package": info.package, "version": info.version},
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "project": {"package": __name__.split(".")[0], "version": __version__},
        "git": git_state(paths.root),
        "tracking": {"backend": tracker.backend, "run_id": tracker.run_id},
        "params": params,
        "task": task,
        "task_reason": task_reason,
        "positive_class": None if positive is None else str(positive),
        "data": {
            "dataset": dataset,
            "source": describe_source(spec),
            "target": target,
            **spec.columns(),
            "train": describe_file(train_file, paths.root, *shapes["train"]),
            "test": describe_file(test_file, paths.root, *shapes["test"]),
        },
        "features": schema,
        "classes": [str(c) for c in sorted(y_train.unique())] if task == "classification" else [],
        "testing": {
            "strategy": "hold_out",
            "test_size": params["etl"]["test_size"],
            "cv_folds": int(params["train"]["cv_folds"]),
        },
        "metrics": {m: {"cross_val": cross_val.get(m), "hold_out": hold_out[m]} for m in metrics},
        "artifacts": [describe_file(Path(artifact), paths.root) for artifact in output.artifacts],
        "training_seconds": round(training_seconds, 4),
        "environment": environment(output.libraries),
    }
    metadata_path = write_metadata(metadata, paths.metadata)
    tracker.log_metrics({**{f"hold_out_{m}": v for m, v in hold_out.items()},
                         **{f"cross_val_{m}": v for m, v in cross_val.items()}})
    if task == "classification" and tracker.records_confusion:
        tracker.log_confusion([str(v) for v in y_test], [str(v) for v in model.predict(X_test)])
    tracker.log_artifacts([model_path, metadata_path, *map(Path, output.artifacts)])
    return metadata_path, metadata
