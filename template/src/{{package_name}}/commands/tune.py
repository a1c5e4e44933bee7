"""`tune`: search the hyperparameters whose tuning spec says tune: true, for any trainer.

Each trial runs the trainer of train.trainer (built in or a plugin) with the trial's hyperparameters,
as `train` does, with TrainInput.trial set: the trainer scores them by k-fold cross-validation on
the training set only and may skip the final fit. The hold-out test set stays unseen, so the
metrics that `train` reports for the chosen values remain honest. The hyperparameters and their
specs are the trainer's (a plugin's own file, with params.yaml's entries of the same names winning)
or train.hyperparams. The sampler is seeded with tuning.seed, so the same parameters and data give
the same trials.

tuning.backend picks where trials run: optuna (in this process, one after the other), ray (Ray
Tune with the same seeded Optuna sampler as its search algorithm, tuning.max_concurrent trials at a
time on the cluster at RAY_ADDRESS, or on a local Ray instance), or a search the trainer ships as its
own `tune` command (keras_tuner: the Keras plugin's, tuning.algorithm bayesian or hyperband). All
write the same report, reports/tuning.json, and record each trial's score in one tracking run.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import yaml

from ..config import ConfigError, load_params, project_root
from ..etl.spec import data_spec
from ..etl.task import decide_task, positive_class
from ..helpers.files import atomic_write_text
from ..helpers.progress import Progress
from ..helpers.ray_cluster import require_ray
from ..helpers.tables import read_parquet
from ..model.features import feature_columns, feature_types, split_target
from ..model.scoring import lower_is_better, metrics_for, scorer
from ..paths import ProjectPaths
from ..tracking import Tracker, tracking_run
from ..trainers.interfaces import TrainInput, TuneInput
from ..trainers.loader import load_trainer
from .train import prepared_data, run_trainer, trainer_hyperparams

SEARCHES = ("optuna", "ray")  # the project's own backends; any other is a trainer's `tune` command


def search_space(tuned: dict[str, dict[str, Any]]) -> dict[str, optuna.distributions.BaseDistribution]:
    """The Optuna distribution of each tuned hyperparameter, as its tuning spec in params.yaml says.

    reverse_log is drawn log-uniformly here and mirrored by chosen_values.
    """
    space: dict[str, optuna.distributions.BaseDistribution] = {}
    for name, spec in tuned.items():
        kind = spec["param_type"]
        if kind == "boolean":
            space[name] = optuna.distributions.CategoricalDistribution([False, True])
        elif kind == "choice":
            space[name] = optuna.distributions.CategoricalDistribution(spec["values"])
        elif kind == "int":
            space[name] = optuna.distributions.IntDistribution(
                spec["min"], spec["max"], step=spec.get("step", 1), log=spec.get("sampling", "linear") != "linear")
        else:
            space[name] = optuna.distributions.FloatDistribution(
                spec["min"], spec["max"], step=spec.get("step"), log=spec.get("sampling", "linear") != "linear")
    return space


def chosen_values(drawn: dict[str, Any], tuned: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The hyperparameter values of a trial from the sampler's draws (reverse_log mirrored)."""
    values = {}
    for name, spec in tuned.items():
        value = drawn[name]
        if spec.get("sampling") == "reverse_log":  # mirror a log-uniform draw: values crowd near max instead of min
            low, high = spec["min"], spec["max"]
            value = min(max(low + high - value, low), high)
        values[name] = value
    return values


@dataclass(frozen=True)
class TrialData:
    """What every trial needs: the trainer, its input for the training set and the settings it is scored with."""

    trainer: str
    base: TrainInput  # the training set, task and metric; trial set, hyperparameters replaced per trial
    defaults: dict[str, Any]
    tuned: dict[str, dict[str, Any]]
    metric: str

    def values(self, drawn: dict[str, Any]) -> dict[str, Any]:
        """Every hyperparameter of a trial: the defaults, with the tuned ones drawn."""
        return {**self.defaults, **chosen_values(drawn, self.tuned)}


def score_trial(values: dict[str, Any], data: TrialData) -> float:
    """A trial's score: the trainer's mean k-fold cross-validation score with these hyperparameters."""
    output = run_trainer(data.trainer, dataclasses.replace(data.base, hyperparameters=values))
    if data.metric not in output.metrics:
        raise RuntimeError(f"Trainer {data.trainer!r} returned no cross-validation {data.metric} for a tuning trial "
                           f"(its metrics: {', '.join(output.metrics) or 'none'}).")
    return output.metrics[data.metric]


def optuna_trials(data: TrialData, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Run the trials one after the other in this process; return them as the report lists them."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial; failed trials still warn
    study = optuna.create_study(
        direction=settings["direction"], sampler=optuna.samplers.TPESampler(seed=int(settings["seed"]))
    )
    space = search_space(data.tuned)
    best = max if settings["direction"] == "maximize" else min
    with Progress("tune", "trials", total=int(settings["max_trials"])) as progress:
        for _ in range(int(settings["max_trials"])):
            trial = study.ask(space)
            study.tell(trial, score_trial(data.values(trial.params), data))
            scores = [done.value for done in study.trials if done.state == optuna.trial.TrialState.COMPLETE]
            progress.update(note=f"best {data.metric}={best(scores):.4f}" if scores else "")
    return [{"number": trial.number, "state": trial.state.name, "score": trial.value,
             "values": data.values(trial.params)} for trial in study.trials]


def ray_trial(config: dict[str, Any], data: TrialData) -> None:
    """One Ray Tune trial (runs on a worker): score it and report where it ran."""
    import ray
    from ray import tune

    tune.report({"score": score_trial(data.values(config), data),
                 "node_id": ray.get_runtime_context().get_node_id()})


def ray_trials(data: TrialData, settings: dict[str, Any], paths: ProjectPaths) -> list[dict[str, Any]]:
    """Run the trials with Ray Tune, tuning.max_concurrent at a time; return them as the report lists them.

    Ray keeps its trial folders under artifacts/ray/, not in ~/ray_results.
    """
    from ..helpers.ray_cluster import connect

    ray = connect("tuning.backend")
    from ray import tune
    from ray.tune.search import ConcurrencyLimiter
    from ray.tune.search.optuna import OptunaSearch

    best = max if settings["direction"] == "maximize" else min
    scores: list[float] = []

    class TrialProgress(tune.Callback):
        """Counts finished trials (completed or failed) and shows the best score so far."""

        def on_trial_complete(self, iteration, trials, trial, **info) -> None:
            score = (trial.last_result or {}).get("score")
            if score is not None and not math.isnan(score):
                scores.append(score)
            progress.update(note=f"best {data.metric}={best(scores):.4f}" if scores else "")

        def on_trial_error(self, iteration, trials, trial, **info) -> None:
            progress.update()

    try:
        searcher = OptunaSearch(space=search_space(data.tuned), metric="score",
                                mode="max" if settings["direction"] == "maximize" else "min",
                                sampler=optuna.samplers.TPESampler(seed=int(settings["seed"])))
        tuner = tune.Tuner(
            tune.with_parameters(ray_trial, data=data),
            tune_config=tune.TuneConfig(
                search_alg=ConcurrencyLimiter(searcher, max_concurrent=int(settings.get("max_concurrent", 1))),
                num_samples=int(settings["max_trials"])),
            run_config=tune.RunConfig(name="tune", storage_path=str((paths.artifacts / "ray").resolve()),
                                      verbose=0, callbacks=[TrialProgress()]),
        )
        with Progress("tune", "trials", total=int(settings["max_trials"])) as progress:
            results = tuner.fit()
    finally:
        ray.shutdown()
    trials = []
    for number, result in enumerate(results):
        score = result.metrics.get("score") if result.error is None else None
        failed = score is None or math.isnan(score)
        if result.error is not None:
            print(f"trial {number} failed: {result.error}")
        trials.append({"number": number, "state": "FAIL" if failed else "COMPLETE",
                       "score": None if failed else score, "values": data.values(result.config),
                       "node_id": result.metrics.get("node_id")})
    return trials


def yaml_text(value: Any) -> str:
    """A value as YAML that an override parses back to the same value (None -> null, 1e-05 -> 1.0e-05)."""
    return yaml.safe_dump(value).removesuffix("...\n").strip()


def override_args(values: dict[str, Any]) -> str:
    """The `train.hyperparams.<name>.default_value=<value>` overrides that make `train` use values."""
    return " ".join(f"train.hyperparams.{name}.default_value={yaml_text(value)}" for name, value in values.items())


def track(params: dict[str, Any], paths: ProjectPaths, report: dict[str, Any], report_file: Path) -> None:
    """One tracking run for the search: the parameters, each trial's score, the best one and the report.

    DVCLive is left out: its files in dvclive/ are `train`'s outputs in dvc.yaml, which tune would overwrite.
    """
    if params["tracking"]["backend"] == "dvclive":
        print("tracking   dvclive records train runs only: see reports/tuning.json")
        return
    metric = report["metric"]
    with tracking_run(params["tracking"], paths.root) as tracker:
        tracker.log_params(params)
        tracker.log_metrics({f"trial_{trial['number']}.{metric}": trial["score"]
                             for trial in report["trials"] if trial["score"] is not None})
        tracker.log_metrics({f"best.{metric}": report["best_score"]})
        tracker.log_artifacts([report_file])
    if tracker.run_id:
        print(f"tracking   {tracker.backend} run {tracker.run_id}")


def trainer_trials(data: TrialData, settings: dict[str, Any], paths: ProjectPaths) -> list[dict[str, Any]]:
    """Run the search the trainer ships as its `tune` command (tuning.backend names it, e.g. keras_tuner)."""
    folder = paths.artifacts / settings["backend"]
    tune_input = TuneInput(data.base, data.tuned, data.defaults, settings, folder)
    command = load_trainer(data.trainer).commands["tune"]
    return command.main(args=[], obj=tune_input, prog_name=f"{data.trainer} tune", standalone_mode=False)


def best_override_values(values: dict[str, Any], tuned: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The values a trial chose: the tuned ones, and any other that the search set itself (Hyperband's
    epochs, its budget), so that the printed override trains what the trial scored."""
    return {name: value for name, value in values.items() if name in tuned or value != defaults.get(name)}


def main(overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Run the search, write reports/tuning.json and return what it holds."""
    params = load_params(overrides, trainer_hyperparams=trainer_hyperparams)
    settings = params["tuning"]
    trainer = params["train"]["trainer"]
    specs = trainer_hyperparams(trainer, params)  # an unknown or broken trainer fails here, before any data work
    tuned = {name: spec["tuning"] for name, spec in specs.items() if spec.get("tuning", {}).get("tune")}
    if not tuned:
        raise ConfigError(f"Nothing to tune for train.trainer={trainer}: set tuning.tune: true for a hyperparameter "
                          "under train.hyperparams.")
    backend = settings.get("backend", "optuna")
    if backend not in SEARCHES and "tune" not in load_trainer(trainer).commands:
        raise ConfigError(f"tuning.backend {backend} is a search that a trainer ships (the Keras plugin's), and "
                          f"train.trainer={trainer} has none: use tuning.backend=optuna or ray.")
    folds = int(settings["cv_folds"])
    if settings["metric"] != "auto":
        scorer(settings["metric"], "tuning.metric")  # fail before any data work
    spec = data_spec(params["data"])
    if backend == "ray":
        require_ray("tuning.backend")
    paths = ProjectPaths(project_root())
    dataset = spec.name
    train_file, test_file = prepared_data(params, paths)
    train_frame = read_parquet(train_file, "run `make data` (or `data transform`) to write it again.")
    features, target = split_target(train_frame, spec.target)
    task, _ = decide_task(target, spec.task, spec.target)
    positive = positive_class(target, spec.positive_class) if task == "classification" else None
    metric = settings["metric"]
    if metric == "auto":
        metric = metrics_for(task, target, params["evaluate"])[0]
    direction = settings["direction"]
    if direction == "auto":
        direction = "minimize" if lower_is_better(metric) else "maximize"
    settings = {**settings, "backend": backend, "metric": metric, "direction": direction}
    print(f"tuning     {task}: {direction} {metric}, trainer {trainer}, {backend}")
    types = feature_types(feature_columns(features, spec.target, spec.id_columns))
    del features, train_frame  # each trial reads the training set itself
    trial_params = copy.deepcopy(params)
    trial_params["train"]["cv_folds"] = folds
    base = TrainInput(
        params=trial_params, hyperparameters={}, train_file=train_file, test_file=test_file, target=spec.target,
        features=types, output_dir=paths.reports / "trainers" / trainer, tracker=Tracker(), task=task,
        metrics=[metric], positive_class=positive, trial=True,
    )
    base.output_dir.mkdir(parents=True, exist_ok=True)
    defaults = {name: entry["default_value"] for name, entry in specs.items()}
    data = TrialData(trainer, base, defaults, tuned, metric)
    if backend == "ray":
        trials = ray_trials(data, settings, paths)
    elif backend == "optuna":
        trials = optuna_trials(data, settings)
    else:
        trials = trainer_trials(data, settings, paths)
    complete = [trial for trial in trials if trial["state"] == "COMPLETE"]
    if not complete:
        raise RuntimeError("Every tuning trial failed to score: see the warnings above.")
    pick = max if settings["direction"] == "maximize" else min
    best = pick(complete, key=lambda trial: trial["score"])
    report = {
        "dataset": dataset,
        "trainer": trainer,
        "backend": backend,
        "algorithm": settings.get("algorithm") if backend not in SEARCHES else "tpe",
        "metric": metric,
        "direction": settings["direction"],
        "cv_folds": folds,
        "seed": settings["seed"],
        "tuned": list(tuned),
        "n_trials": len(trials),
        "best_trial": best["number"],
        "best_score": best["score"],
        "best_values": best["values"],
        "override": override_args(best_override_values(best["values"], tuned, defaults)),
        "trials": trials,
    }
    report_file = paths.reports / "tuning.json"
    atomic_write_text(report_file, json.dumps(report, indent=2) + "\n")
    track(params, paths, report, report_file)
    print(f"best       {metric}={best['score']:.4f} ({folds}-fold cross-validation, trial {best['number']} "
          f"of {len(trials)}, {backend})")
    print(f"report     {report_file.relative_to(paths.root)}")
    trainer_arg = "" if trainer == "sklearn" else f"train.trainer={trainer} "
    print(f'train with make train ARGS="{trainer_arg}{report["override"]}"')
    return report
