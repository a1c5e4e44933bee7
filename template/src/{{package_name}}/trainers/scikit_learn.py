"""scikit-learn model of model/train.py (yours to change), cross-validated, saved with skops.

The built-in trainer, registered like any plugin in the project's pyproject.toml
([project.entry-points."<package>.trainers"] sklearn = ...), so it is listed and chosen the same way.
"""

from __future__ import annotations

import click

from .interfaces import TrainInput, TrainOutput, pass_train_input


@click.group(name="sklearn")
def sklearn() -> None:
    """The built-in scikit-learn trainer."""


@sklearn.command()
@pass_train_input
def train(train_input: TrainInput) -> TrainOutput:
    """Fit model/train.py's build_model on the training set; cross-validate a fresh copy."""
    from ..model import train as model_recipe
    from ..model.scoring import cross_validate

    features, target = train_input.train_data()
    values = train_input.hyperparameters
    model = model_recipe.build_model(values, train_input.features)
    model.fit(features, target)
    cross_val = cross_validate(
        model_recipe.build_model(values, train_input.features), features, target,
        list(train_input.params["evaluate"]["metrics"]), int(train_input.params["train"]["cv_folds"]),
    )
    return TrainOutput(model=model, format="skops", metrics=cross_val,
                       name=str(values.get("model", type(model).__name__.lower())))
