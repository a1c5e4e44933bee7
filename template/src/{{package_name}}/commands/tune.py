"""`tune`: search the hyperparameters whose tuning spec says tune: true, with Optuna.

Each trial builds the model with model/train.py's build_model, as `train` does, and scores it by
k-fold cross-validation on the training set only: the hold-out test set stays unseen, so the
metrics that `train` reports for the chosen values remain honest. The sampler is seeded with
tuning.seed, so the same parameters and data give the same trials.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import optuna
import yaml

from ..config import ConfigError, hyperparameter_values, load_params, project_root
from ..etl.datasets import get_dataset
from ..helpers.files import atomic_write_text
from ..helpers.tables import read_parquet
from ..model import train as model_recipe
from ..model.features import feature_types, select_features, split_target
from ..model.scoring import cross_validate, scorer
from ..paths import ProjectPaths
from .train import prepared_data


def suggest(trial: optuna.Trial, name: str, spec: dict[str, Any]) -> Any:
    """A candidate value for one hyperparameter, drawn as its tuning spec in params.yaml says."""
    kind = spec["param_type"]
    if kind == "boolean":
        return trial.suggest_categorical(name, [False, True])
    if kind == "choice":
        return trial.suggest_categorical(name, spec["values"])
    low, high, sampling = spec["min"], spec["max"], spec.get("sampling", "linear")
    if kind == "int":
        value = trial.suggest_int(name, low, high, step=spec.get("step", 1), log=sampling != "linear")
    else:
        value = trial.suggest_float(name, low, high, step=spec.get("step"), log=sampling != "linear")
    if sampling == "reverse_log":  # mirror a log-uniform draw: values crowd near max instead of min
        value = min(max(low + high - value, low), high)
    return value


def yaml_text(value: Any) -> str:
    """A value as YAML that an override parses back to the same value (None -> null, 1e-05 -> 1.0e-05)."""
    return yaml.safe_dump(value).removesuffix("...\n").strip()


def override_args(values: dict[str, Any]) -> str:
    """The `train.hyperparams.<name>.default_value=<value>` overrides that make `train` use values."""
    return " ".join(f"train.hyperparams.{name}.default_value={yaml_text(value)}" for name, value in values.items())


def main(overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Run the search, write reports/tuning.json and return what it holds."""
    params = load_params(overrides)
    settings = params["tuning"]
    tuned = {
        name: hyperparameter["tuning"]
        for name, hyperparameter in params["train"]["hyperparams"].items()
        if hyperparameter.get("tuning", {}).get("tune")
    }
    if not tuned:
        raise ConfigError("Nothing to tune: set tuning.tune: true for a hyperparameter under train.hyperparams.")
    if params["train"]["trainer"] != "sklearn":
        raise ConfigError(f"tune searches the built-in trainer's model (model/train.py), not train.trainer="
                          f"{params['train']['trainer']}: tune with train.trainer=sklearn.")
    metric, folds = settings["metric"], int(settings["cv_folds"])
    scorer(metric, "tuning.metric")  # fail before any data work
    paths = ProjectPaths(project_root())
    dataset = params["data"]["dataset"]
    train_file, _ = prepared_data(params, paths, overrides)
    train_frame = read_parquet(train_file, "run `make data` (or `data transform`) to write it again.")
    features, target = split_target(train_frame, get_dataset(dataset).target)
    types = feature_types(features)
    features = select_features(features, types)
    defaults = hyperparameter_values(params["train"])

    def objective(trial: optuna.Trial) -> float:
        values = {**defaults, **{name: suggest(trial, name, spec) for name, spec in tuned.items()}}
        trial.set_user_attr("values", values)
        return cross_validate(model_recipe.build_model(values, types), features, target, [metric], folds)[metric]

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial; failed trials still warn
    study = optuna.create_study(
        direction=settings["direction"], sampler=optuna.samplers.TPESampler(seed=int(settings["seed"]))
    )
    study.optimize(objective, n_trials=int(settings["max_trials"]))
    if not any(trial.state == optuna.trial.TrialState.COMPLETE for trial in study.trials):
        raise RuntimeError("Every tuning trial failed to score: see the warnings above.")
    best = study.best_trial
    report = {
        "dataset": dataset,
        "metric": metric,
        "direction": settings["direction"],
        "cv_folds": folds,
        "seed": settings["seed"],
        "tuned": list(tuned),
        "n_trials": len(study.trials),
        "best_trial": best.number,
        "best_score": best.value,
        "best_values": best.user_attrs["values"],
        "override": override_args({name: best.user_attrs["values"][name] for name in tuned}),
        "trials": [
            {"number": trial.number, "state": trial.state.name, "score": trial.value,
             "values": trial.user_attrs.get("values")}
            for trial in study.trials
        ],
    }
    report_file = paths.reports / "tuning.json"
    atomic_write_text(report_file, json.dumps(report, indent=2) + "\n")
    print(f"best       {metric}={best.value:.4f} ({folds}-fold cross-validation, trial {best.number} "
          f"of {len(study.trials)})")
    print(f"report     {report_file.relative_to(paths.root)}")
    print(f'train with make train ARGS="{report["override"]}"')
    return report
