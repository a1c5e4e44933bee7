"""The contract between `train` and a trainer: what a trainer is given and what it must hand back.

A trainer is a click group registered under the `<package>.trainers` entry-point group with a
`train` command decorated with `pass_train_input`: it receives a TrainInput and returns a
TrainOutput. Everything around it (preparing data, metadata with sha256, tracking, atomic model
writes, evaluate, predict, export, serve) is the project's and works for any trainer that keeps
to this contract:

- TrainOutput.model is fitted and has scikit-learn's API for TrainInput.task: a classifier's
  predict, predict_proba and classes_, or a regressor's predict, taking a DataFrame of the feature
  columns (numeric as float64, categorical as objects with NaN for missing), exactly what
  TrainInput.train_data() returns.
- TrainOutput.format is "skops" (the default, safe to load) or "module:attribute" naming a
  ModelFormat (model/persistence.py) that the trainer ships for models skops cannot store.
  Whatever the format, loading checks the file's sha256 against the metadata first.

Two optional commands let `tune` search a trainer's own hyperparameters:

- `hyperparams` (decorated with pass_params) returns the trainer's hyperparameters with their
  default values and tuning specs, in the shape of train.hyperparams; without it, tune searches
  train.hyperparams of params.yaml. Each tuning trial then calls `train` with TrainInput.trial set.
- `tune` (decorated with pass_tune_input) runs a search of the trainer's own (tuning.backend names
  it, e.g. keras_tuner) and returns its trials in the shape of reports/tuning.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import pandas as pd

    from ..tracking import Tracker


@dataclass(frozen=True)
class TrainInput:
    """Everything a trainer needs, resolved by `train` before the trainer is imported.

    params: all of params.yaml with overrides applied (a trainer reads its settings from it);
    hyperparameters: the default_value of each train.hyperparams entry;
    train_file, test_file: the transformed Parquet files (the test file is for reporting only:
    `train` scores the model on it, a trainer should not tune on it);
    target: the target column; features: {column: "numeric" | "categorical"}, in model order;
    output_dir: a folder for extra artifacts (plots, logs) that the trainer lists in TrainOutput;
    tracker: the open tracking run, for anything extra a trainer wants to log;
    task: classification or regression (data.task, or what `auto` decided from the target);
    metrics: the metric names to cross-validate (model/scoring.py; positive_class for binary ones);
    trial: a tuning trial with these hyperparameters: only the cross-validation scores of
    TrainOutput.metrics count, so a trainer may skip fitting the final model and writing artifacts
    (TrainOutput.model may then be None).
    """

    params: dict[str, Any]
    hyperparameters: dict[str, Any]
    train_file: Path
    test_file: Path
    target: str
    features: dict[str, str]
    output_dir: Path
    tracker: Tracker
    task: str = "classification"
    metrics: list[str] = field(default_factory=list)
    positive_class: Any = None
    trial: bool = False

    def train_data(self) -> tuple[pd.DataFrame, pd.Series]:
        """The training features (selected and typed as predict and the API will pass them) and target."""
        return self._read(self.train_file)

    def _read(self, path: Path) -> tuple[pd.DataFrame, pd.Series]:
        import pandas as pd

        from ..model.features import select_features, split_target

        features, target = split_target(pd.read_parquet(path), self.target)
        return select_features(features, self.features), target


@dataclass
class TrainOutput:
    """What a trainer hands back: `train` saves, describes, scores and tracks it.

    model: the fitted model (see the module docstring for the API it must have);
    format: "skops" or "module:attribute" of the ModelFormat that saves and loads it;
    metrics: scores the trainer measured on the training data (cross-validation), by the metric
    names of evaluate.metrics; `train` adds the hold-out scores itself;
    artifacts: extra files (in TrainInput.output_dir) to record with the run and in the metadata;
    libraries: names of distributions whose versions decide how the model behaves (e.g. xgboost);
    name: a short name for the model's files (default: the trainer's name).
    """

    model: Any
    format: str = "skops"
    metrics: dict[str, float] = field(default_factory=dict)
    artifacts: list[Path] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    name: str | None = None


@dataclass(frozen=True)
class TuneInput:
    """What a trainer's own `tune` command searches with.

    train_input: the training set and task, trial set, params' train.cv_folds being tuning.cv_folds;
    tuned: {name: tuning spec} of the hyperparameters to search; defaults: every hyperparameter's
    value, the tuned ones included; settings: the tuning section of params.yaml with metric and
    direction decided; folder: where the search may keep its files.
    """

    train_input: TrainInput
    tuned: dict[str, dict[str, Any]]
    defaults: dict[str, Any]
    settings: dict[str, Any]
    folder: Path


# Decorates a trainer's `train` command: click passes it the TrainInput that `train` made.
pass_train_input = click.make_pass_decorator(TrainInput)
# Decorates a trainer's optional `hyperparams` command: click passes it all of params.yaml (overrides applied).
pass_params = click.make_pass_decorator(dict)
# Decorates a trainer's optional `tune` command: click passes it the TuneInput that `tune` made.
pass_tune_input = click.make_pass_decorator(TuneInput)
