"""How the model is built: the part of training that is yours to change.

TODO: replace the baseline below with your model. It predicts the most frequent class (the mean,
for a regression task), which is the score any real model must beat. Everything around it (data,
metadata, metrics, saving, predict, deploy, tuning) already works: `make train` and `make tune` run
this as it is.
"""

from __future__ import annotations

from typing import Any

from sklearn.dummy import DummyClassifier, DummyRegressor


def build_model(values: dict[str, Any], feature_types: dict[str, str], task: str = "classification") -> Any:
    """The untrained estimator for the given hyperparameter values, features and task (classification or regression).

    values holds one value per name in train.hyperparams of params.yaml: the default_value when
    training, a candidate when tuning (`train` and `tune` both call this).
    """
    # TODO: build your estimator from values (declare each hyperparameter, with a tuning spec if
    # `make tune` should search it, under train.hyperparams in params.yaml) and preprocess the
    # columns in feature_types, e.g. with a ColumnTransformer.
    if task == "regression":
        return DummyRegressor(strategy="mean")
    return DummyClassifier(strategy=values["strategy"], random_state=int(values["seed"]))
