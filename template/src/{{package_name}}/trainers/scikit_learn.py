"""scikit-learn model of model/train.py (yours to change), cross-validated, saved with skops.

The built-in trainer, registered like any plugin in the project's pyproject.toml
([project.entry-points."<package>.trainers"] sklearn = ...), so it is listed and chosen the same way.
"""

from __future__ import annotations

from typing import Any

import click

from .interfaces import TrainInput, TrainOutput, pass_train_input


@click.group(name="sklearn")
def sklearn() -> None:
    """The built-in scikit-learn trainer."""


@sklearn.command()
@pass_train_input
def train(train_input: TrainInput) -> TrainOutput:
    """Fit model/train.py's build_model on the training set (not for a tuning trial); cross-validate a fresh copy."""
    from ..model.scoring import cross_validate

    features, target = train_input.train_data()
    values = train_input.hyperparameters
    model = build(values, train_input)
    if not train_input.trial:  # a tuning trial needs the cross-validation scores only
        model.fit(features, target)
    cross_val = cross_validate(
        build(values, train_input), features, target,
        train_input.metrics, int(train_input.params["train"]["cv_folds"]), train_input.positive_class,
    )
    return TrainOutput(model=model, format="skops", metrics=cross_val,
                       name=str(values.get("model", type(model).__name__.lower())))


def build(values: dict[str, Any], train_input: TrainInput) -> Any:
    """model/train.py's build_model for the task (a model/train.py from before tasks takes no task: classification)."""
    from ..model import train as model_recipe

    if train_input.task == "classification":
        return model_recipe.build_model(values, train_input.features)
    return model_recipe.build_model(values, train_input.features, train_input.task)
