"""How the model is built: the part of training that is yours to change.

TODO: replace the baseline below with your model. It predicts the most frequent class, which
is the score any real model must beat. Everything around it (data, metadata, metrics, saving,
predict, deploy) already works: `make train` runs this as it is.
"""

from __future__ import annotations

from typing import Any

from sklearn.dummy import DummyClassifier


def build_model(params: dict[str, Any], feature_types: dict[str, str]) -> Any:
    """The untrained estimator for the train section of params.yaml and the given features."""
    # TODO: build your estimator from params (add its hyperparameters to params.yaml)
    # and preprocess the columns in feature_types, e.g. with a ColumnTransformer.
    return DummyClassifier(strategy=params["strategy"])
